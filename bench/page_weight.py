"""What a cold load of a page transfers, in the production profile, measured in Chromium.

    .venv/bin/python -m bench.page_weight [--collectstatic]

Starts gunicorn as bench.http does (DEBUG off, whitenoise serving the collected, hashed and
pre-compressed static files), logs in as `zhejiang` in headless Chromium (Debian's, through
Playwright), and loads each page in a fresh browser context (an empty cache), summing what
every request of the load transferred: response headers and bodies as they came over the wire
(compressed where the server compressed them). Target (issue #13): <= 600 KB for a page
without charts. Pages: the inbox, a case page, the case list, and the dashboard.

The reference row is viewflow's own page frame as it ships (it also loads vis-network, 400 KB
of a graph library nothing uses): the same inbox plus that one file, fetched the same way.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.harness import save
from bench.http import (
    DATABASE,
    DEMO_PASSWORD,
    ROOT,
    STATIC_ROOT,
    ensure_seeded,
    free_port,
    server_env,
    wait_for,
)
from tests.browser.chromium import CHROMIUM_ARGS

USER = "zhejiang"
TARGET_KB = 600


def transferred(page, url: str) -> tuple[int, list[tuple[str, int]]]:
    """Bytes over the wire for one cold load of url, and the list of what was fetched."""
    requests = []

    def finished(request) -> None:
        requests.append(request)

    page.on("requestfinished", finished)
    response = page.goto(url, wait_until="networkidle")
    # An error page (a database not migrated, say) would be weighed instead of the page.
    if response is None or response.status != 200:
        raise SystemExit(f"{url} answered {response and response.status}, not the page")
    page.remove_listener("requestfinished", finished)
    items = []
    for request in requests:
        sizes = request.sizes()
        items.append(
            (request.url.split("?")[0], sizes["responseBodySize"] + sizes["responseHeadersSize"])
        )
    return sum(size for _, size in items), items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collectstatic", action="store_true")
    args = parser.parse_args()
    url = DATABASE
    ensure_seeded(url, 20_000)
    env = server_env(url, "none", str(STATIC_ROOT))
    if args.collectstatic or not (STATIC_ROOT / "staticfiles.json").exists():
        subprocess.run(  # noqa: S603 - manage.py of this project
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=env,
            cwd=ROOT,
            check=True,
        )
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="ssc_weight_")) / "gunicorn.log"
    server = subprocess.Popen(  # noqa: S603 - gunicorn from the venv
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-w", "2"]
        + ["-b", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    results = {}
    try:
        wait_for(port, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            login = browser.new_context()
            page = login.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", USER)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.press("input[name=password]", "Enter")
            page.wait_for_load_state("networkidle")
            cookies = login.cookies()
            case = page.evaluate(
                "() => fetch('/cases/').then(r => r.text()).then(t => "
                '(t.match(/href="(\\/cases\\/\\d+\\/)"/) || [])[1])'
            )
            pages = {
                "inbox": "/issuance/inbox/",
                "case page": case or "/cases/",
                "case list": "/cases/",
                "dashboard (charts)": "/dashboard/",
            }
            for name, path in pages.items():
                context = browser.new_context()  # an empty cache: a cold load
                context.add_cookies(cookies)
                total, items = transferred(context.new_page(), base + path)
                context.close()
                results[name] = {"path": path, "bytes": total, "requests": items}
            browser.close()
        # What whitenoise would send for it, compressed as the other scripts were.
        shipped = sorted((STATIC_ROOT / "viewflow" / "js").glob("vis-network.min.*.js.br"))
        vis_bytes = shipped[0].stat().st_size if shipped else None
    finally:
        server.terminate()
        server.wait(10)
    for name, result in results.items():
        kb = result["bytes"] / 1024
        verdict = "met" if kb <= TARGET_KB else "missed"
        if name.startswith("dashboard"):
            verdict = "report (a page with charts)"
        print(
            f"{name:22} {kb:7.1f} KB in {len(result['requests'])} requests  "
            f"target <= {TARGET_KB} KB: {verdict}"
        )
        for item_url, size in sorted(result["requests"], key=lambda i: -i[1])[:6]:
            print(f"    {size / 1024:7.1f} KB  {item_url.removeprefix(base)}")
    if vis_bytes is not None:
        inbox = results["inbox"]["bytes"] / 1024
        print(
            f"reference: viewflow's frame as shipped (+ vis-network, {vis_bytes / 1024:.1f} KB "
            f"compressed) would make the inbox {inbox + vis_bytes / 1024:.1f} KB"
        )
    save(
        "page_weight",
        [],
        pages={k: {"path": v["path"], "bytes": v["bytes"]} for k, v in results.items()},
    )
    print(json.dumps({k: v["bytes"] for k, v in results.items()}))


if __name__ == "__main__":
    main()
