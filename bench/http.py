"""The inbox over real HTTP (gunicorn, production settings) against a trivial DB-backed view.

    .venv/bin/python -m bench.http [--pairs 5] [--duration 10] [--connections 8]

Why: bench.lists measures the views in-process; this one adds what a browser sees -- gunicorn
sync workers, the socket, the whole middleware stack with DEBUG off, Redis-cached sessions as
in docs/deploy.md, whitenoise with collected static files. The candidate is the provincial
reviewer's inbox (/issuance/inbox/, user `zhejiang`); the baseline is bench.urls_http.trivial,
an authenticated page with one query, served by the same gunicorn (settings
bench.settings_http: config.settings with a urlconf that adds it). Load comes from wrk
(`-t2 -c8 -d10s` by default) with the session cookie of a real login (GET the login page,
POST it with the CSRF token). Alternating pairs of runs; each run gives req/s and the p95
latency (wrk's own histogram, via a Lua `done` hook).

The database is PostgreSQL `ssc_bench_http` (BENCH_DATABASE_URL), seeded by bench.seed with
20,000 applications when it is not seeded yet; it is read-only here except for the login.
"""

import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg

from bench.harness import Comparison, compare, save

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "postgres://postgres@127.0.0.1:5432/ssc_bench_http"
CACHE = "redis://127.0.0.1:6379/7"
INBOX = "/issuance/inbox/"
TRIVIAL = "/bench-trivial/"
USER = "zhejiang"
# approvals.demo.DEMO_PASSWORD, the published demo password bench.seed gives the personas
# (not imported: this process never sets up Django).
DEMO_PASSWORD = "demo-password"  # noqa: S105  # nosec B105
# Collected static files, kept between runs (collecting takes minutes).
STATIC_ROOT = Path(tempfile.gettempdir()) / "ssc_bench_http" / "static"

WRK_SCRIPT = """
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p95_us": %d, "p99_us": %d, "max_us": %d, "status_errors": %d, ' ..
    '"socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max, e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def ensure_seeded(url: str, applications: int) -> None:
    """Seed with bench.seed unless its marker table says it already did."""
    parts = urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    name = parts.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone():
            with psycopg.connect(url) as db:
                if db.execute("SELECT to_regclass('bench_seed_info')").fetchone()[0]:
                    return
    print(f"seeding {name} with {applications:,} applications (bench.seed) ...", flush=True)
    subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.seed", "--applications", str(applications)],
        env={**os.environ, "DATABASE_URL": url},
        cwd=ROOT,
        check=True,
    )


def server_env(url: str, cache: str, static_root: str) -> dict[str, str]:
    """Production settings (DEBUG off), minus TLS: wrk talks plain HTTP to gunicorn."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_http",
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-http-not-a-secret-" + "x" * 40,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "ERROR",
    }
    if cache != "none":
        env["CACHE_URL"] = cache
    else:
        env.pop("CACHE_URL", None)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start listening")


def cookies_of(response: http.client.HTTPResponse) -> dict[str, str]:
    """Name and value of each Set-Cookie; the Secure flag is ignored on purpose (no TLS)."""
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def request(
    port: int, method: str, path: str, cookies: dict[str, str], body: dict | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    data = None
    if body is not None:
        data = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    content = response.read()
    connection.close()
    return response, content


def log_in(port: int, username: str, password: str) -> str:
    """A real login through the login form; returns the Cookie header wrk sends."""
    response, page = request(port, "GET", "/accounts/login/", {})
    cookies = cookies_of(response)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if response.status != 200 or token is None or "csrftoken" not in cookies:
        raise SystemExit(f"login page: {response.status}, no CSRF token")
    form = {"csrfmiddlewaretoken": token.group(1).decode(), "username": username}
    form["password"] = password
    response, _ = request(port, "POST", "/accounts/login/", cookies, form)
    cookies.update(cookies_of(response))
    if response.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login as {username} answered {response.status}, no session")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def check_page(port: int, path: str, cookie: str) -> int:
    """The page must answer 200 to this session (a 302 to the login page would be cheap)."""
    cookies = dict(part.split("=", 1) for part in cookie.split("; "))
    response, content = request(port, "GET", path, cookies)
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}")
    return len(content)


def run_wrk(port: int, path: str, cookie: str, script: str, args: argparse.Namespace) -> dict:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "30s",
        "-s",
        script,
        f"http://127.0.0.1:{port}{path}",
    ]
    done = subprocess.run(  # noqa: S603 - fixed command line
        command, env={**os.environ, "BENCH_COOKIE": cookie}, capture_output=True, text=True
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if done.returncode or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout}{done.stderr}")
    result = json.loads(line[7:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    if result["status_errors"] or result["socket_errors"]:
        print(f"  errors on {path}: {result}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--applications", type=int, default=20_000, help="seed size if unseeded")
    parser.add_argument("--cache-url", default=CACHE, help='Redis for cache/sessions, or "none"')
    parser.add_argument("--collectstatic", action="store_true", help="collect static files again")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DATABASE)
    ensure_seeded(url, args.applications)
    workdir = Path(tempfile.mkdtemp(prefix="ssc_bench_http_"))
    env = server_env(url, args.cache_url, str(STATIC_ROOT))
    if args.collectstatic or not (STATIC_ROOT / "staticfiles.json").exists():
        # Kept between runs; a stale manifest shows up as a 500 in check_page.
        print(f"collectstatic into {STATIC_ROOT} ...", flush=True)
        subprocess.run(  # noqa: S603 - manage.py of this project
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=env,
            cwd=ROOT,
            check=True,
        )
    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT)
    port = free_port()
    log = (workdir / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - gunicorn from the venv
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(port, server)
        cookie = log_in(port, USER, DEMO_PASSWORD)
        sizes = {path: check_page(port, path, cookie) for path in (INBOX, TRIVIAL)}
        print(f"gunicorn -w {args.workers} on :{port}; page bytes {sizes}", flush=True)

        runs: dict[str, list[dict]] = {INBOX: [], TRIVIAL: []}

        def sample(path: str) -> float:
            result = run_wrk(port, path, cookie, str(script), args)
            runs[path].append(result)
            return result["rps"]

        load = f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s"
        throughput = compare(
            f"inbox vs trivial view, req/s ({load})",
            lambda: sample(INBOX),
            lambda: sample(TRIVIAL),
            pairs=args.pairs,
            unit="req/s",
            kind="rate",
            target="report",
        )
        # The warm-up run of each side comes first; the pairs follow in order.
        latency = Comparison(
            name=f"inbox vs trivial view, p95 latency ({load})",
            unit="ms",
            candidate=[r["p95_us"] / 1000 for r in runs[INBOX][1:]],
            baseline=[r["p95_us"] / 1000 for r in runs[TRIVIAL][1:]],
            kind="time",
            target="report",
        )
        print(latency.summary(), flush=True)
        for path in (INBOX, TRIVIAL):  # the session must still be good after the load
            check_page(port, path, cookie)
        errors = {
            path: sum(r["status_errors"] + r["socket_errors"] for r in samples)
            for path, samples in runs.items()
        }
        print(f"  wrk errors (status >= 400 or socket): {errors}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    save(
        "http",
        [throughput, latency],
        runs=runs,
        errors=errors,
        page_bytes=sizes,
        gunicorn_workers=args.workers,
        cache=args.cache_url,
        database=urlsplit(url).path.lstrip("/"),
    )


if __name__ == "__main__":
    main()
