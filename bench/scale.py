"""Lists, searches and dashboards at 1,000,000 cases against 100,000: p95 growth, queries.

    .venv/bin/python -m bench.scale [--requests 100] [--pairs 6] [--pages cases,queue]
        [--personas zhejiang,ministry]
        [--small-url postgres://postgres@127.0.0.1:5432/ssc_bench]
        [--large-url postgres://postgres@127.0.0.1:5432/ssc_bench_1m]

Two databases of one PostgreSQL server, both seeded by bench.seed (the same seed and the same
generator: 100,000 and 1,000,000 applications; the first 100,000 drawn are the same cases).
For every page of PAGES and every persona, in one run, samples alternate between the two
databases: before each sample the default connection is pointed at the sample's database
(its NAME switched, the connection reopened), Django's content-type cache is cleared and one
request is made untimed; a sample is the p95 of --requests requests (100). The ratio
of each pair is p95 at 1M / p95 at 100k; target <= 1.3x, verdict "met" if every pair is
within it, "missed" if none is, "within noise" otherwise (bench.harness).

Before measuring, on each database: it must be seeded by bench.seed and fully migrated, the
personas' inboxes are settled (bench.seed.settle_personas: the inbox row is the persona's
colleague with exactly 25 taken tasks, on both databases), it is vacuumed if it never was;
then every page is fetched once on each database and its queries counted (they must be equal:
a count that grows with the table is a per-row query) and its rows on page 1 printed. The
slowest queries of each page on each database are EXPLAINed (ANALYZE): where the plan reads
a table whole or sorts every match, the cost follows the table, whatever the ratio says.

PAGES is the list of pages; append to it (the dashboard and the exports are there already;
a page whose URL the app does not have yet is skipped with a note). Results:
bench/results/scale.json.
"""

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from bench.harness import Comparison, compare, p95, save, timed_ms
from bench.lists import (
    client_for,
    explain_request,
    fetch,
    instrumented,
    page_ids,
    print_plans,
)
from bench.seed import DEFAULT_URL, pending_migrations, seed_info, setup_django

TARGET = "p95 <= 1.3x"
PERSONAS = ("zhejiang", "ministry")
# Part of an issuer ID (area code + serial, bench.seed gives both databases hundreds of
# matches): the search box must find it anywhere in the ID, not only at the start.
ISSUER_PART = "000123"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    params: dict = field(default_factory=dict)
    # Who opens it: the persona, or (inbox) its colleague holding a full page of taken tasks.
    colleague: bool = False
    target: str = TARGET

    @property
    def url(self) -> str:
        return self.path + (f"?{urlencode(self.params)}" if self.params else "")


PAGES: tuple[Page, ...] = (
    Page("cases", "/cases/"),
    Page("cases q=杭州", "/cases/", {"q": "杭州"}),
    Page("cases q=issuer ID part", "/cases/", {"q": ISSUER_PART}),
    Page(
        "cases q=浙江 municipal examination",
        "/cases/",
        {"q": "浙江", "level": "municipal", "status": "examination"},
    ),
    Page("cases overdue, by due date", "/cases/", {"due": "overdue", "sort": "due"}),
    Page("change list", "/changes/"),
    Page("register", "/register/"),
    Page("register q=杭州", "/register/", {"q": "杭州"}),
    Page("register q=issuer ID part", "/register/", {"q": ISSUER_PART}),
    Page("inbox (full page)", "/issuance/inbox/", colleague=True),
    Page("queue", "/issuance/queue/"),
    Page("task list", "/issuance/tasks/"),
    # The dashboard and its overdue list.
    Page("dashboard", "/dashboard/"),
    Page("dashboard overdue list", "/dashboard/overdue/"),
    # Exports (a CSV streams every row found): reported with their rows, not held to the
    # target, since a search finds ~10x the rows at 1M. Searched, so that a sample stays short
    # (the whole national list is a job of minutes at 1M: bench.exports measures that).
    Page(
        "export cases CSV q=杭州 examination",
        "/exports/cases.csv",
        {"q": "杭州", "status": "examination"},
        target="report",
    ),
    Page("export overdue CSV q=杭州", "/exports/overdue.csv", {"q": "杭州"}, target="report"),
)


def resolves(page: Page) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(page.path)
    except Resolver404:
        return False
    return True


def official(persona: str, page: Page) -> str:
    from bench.seed import inbox_colleague

    return inbox_colleague(persona).username if page.colleague else persona


def use(name: str) -> None:
    """Point the default connection at database `name` (closed; reopened on first use)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name
    # Content types are cached by id per process; the two databases may number them apart.
    ContentType.objects.clear_cache()


def prepare(name: str) -> dict:
    """Seeded, migrated, personas settled, vacuumed once; returns the seed's record."""
    from bench.seed import settle_personas, vacuum

    use(name)
    info = seed_info()
    if info is None:
        raise SystemExit(f"{name} was not seeded by bench.seed (see bench/README.md)")
    pending = pending_migrations()
    if pending:
        raise SystemExit(
            f"{name} lacks migrations the code expects ({', '.join(pending)}): run "
            f"`DATABASE_URL=postgres://.../{name} .venv/bin/python manage.py migrate` first"
        )
    settled = settle_personas()
    vacuumed = vacuum(only_if_never=True)
    print(
        f"  {name}: {info['applications']:,} applications, {info['tasks']:,} tasks, "
        f"{info['issuers']:,} issuers; "
        + "; ".join(
            f"{p} inbox {s['persona']}, {s['colleague']} {s['colleague taken']}"
            for p, s in settled.items()
        )
        + ("; VACUUM ANALYZE" if vacuumed else "")
    )
    return {"seed": info, "personas": settled}


def rows_and_queries(client, url: str) -> tuple[int, int | None]:
    """(queries, rows on page 1 or None when the page has no list) of one warm request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fetch(client, url)
    with CaptureQueriesContext(connection) as queries:
        response = fetch(client, url)
    if response.streaming:  # a CSV export: its lines after the header
        return len(queries), response.body.count(b"\n") - 1
    try:
        rows = len(page_ids(response))
    except RuntimeError:
        rows = None
    return len(queries), rows


def p95_on(name: str, client, url: str, requests: int) -> Callable[[], float]:
    """A sample on database `name`: switch, one untimed request, then p95 of `requests`."""

    def sample() -> float:
        use(name)
        fetch(client, url)
        return p95([timed_ms(lambda: fetch(client, url)) for _ in range(requests)])

    return sample


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="requests per sample")
    parser.add_argument("--pairs", type=int, default=6, help="alternating pairs per page")
    parser.add_argument("--pages", default="", help="comma-separated page names (default all)")
    parser.add_argument("--personas", default=",".join(PERSONAS))
    parser.add_argument("--small-url", default=os.environ.get("SMALL_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--large-url", default=os.environ.get("LARGE_DATABASE_URL", DEFAULT_URL + "_1m")
    )
    args = parser.parse_args(argv)
    small, large = (urlsplit(url).path.lstrip("/") for url in (args.small_url, args.large_url))
    os.environ["DATABASE_URL"] = args.small_url
    setup_django()
    from django.conf import settings
    from django.test.utils import override_settings

    default = settings.DATABASES["default"]
    if urlsplit(args.large_url).hostname != default["HOST"]:
        parser.error("both databases must be on the same server")
    wanted = [name for name in args.pages.split(",") if name]
    unknown = set(wanted) - {page.name for page in PAGES}
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    pages = [page for page in PAGES if not wanted or page.name in wanted]
    personas = [name for name in args.personas.split(",") if name]

    print("Databases:")
    databases = {small: prepare(small), large: prepare(large)}
    for page in [page for page in pages if not resolves(page)]:
        print(f"  skipped: {page.name} ({page.path} is not a URL of the app yet)")
    pages = [page for page in pages if resolves(page)]

    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    comparisons: list[Comparison] = []
    counts: dict = {}
    plans: dict = {}
    with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts):
        clients = {}
        for name in (small, large):
            use(name)
            for persona in personas:
                for page in pages:
                    username = official(persona, page)
                    if (name, username) not in clients:
                        clients[name, username] = client_for(username)

        print(f"\nQueries per request and rows on page 1 (CSV: rows written), {small} | {large}:")
        with instrumented():
            for persona in personas:
                for page in pages:
                    username = official(persona, page)
                    found = {}
                    for name in (small, large):
                        use(name)
                        found[name] = rows_and_queries(clients[name, username], page.url)
                    (q_small, r_small), (q_large, r_large) = found[small], found[large]
                    equal = q_small == q_large
                    counts[f"{persona} {page.name}"] = {
                        small: {"queries": q_small, "rows": r_small},
                        large: {"queries": q_large, "rows": r_large},
                        "equal": equal,
                    }
                    print(
                        f"  {persona + ' ' + page.name:<48} {q_small:>3} | {q_large:<3} queries"
                        f" {'equal' if equal else 'DIFFER'};  rows {r_small} | {r_large}"
                    )

        print(f"\nSlowest queries of one request (EXPLAIN ANALYZE), {small} then {large}:")
        for persona in personas:
            for page in pages:
                username = official(persona, page)
                found = {}
                for name in (small, large):
                    use(name)
                    found[name] = explain_request(clients[name, username], page.url)
                print_plans(f"{persona} {page.name}", found[small])
                print_plans(f"  at {large}", found[large])
                plans[f"{persona} {page.name}"] = found

        print(f"\nMeasuring: one sample = p95 of {args.requests} requests, {args.pairs} pairs")
        for persona in personas:
            for page in pages:
                username = official(persona, page)
                result = compare(
                    f"{persona} {page.name}: {large} / {small}",
                    p95_on(large, clients[large, username], page.url, args.requests),
                    p95_on(small, clients[small, username], page.url, args.requests),
                    pairs=args.pairs,
                    unit="ms p95",
                    target=page.target,
                )
                result.extra = {
                    "url": page.url,
                    "official": username,
                    "requests": args.requests,
                    **counts[f"{persona} {page.name}"],
                }
                comparisons.append(result)

    print(f"\nVerdicts against {TARGET} (1M / 100k) and query counts:")
    for verdict in ("met", "within noise", "missed", ""):
        names = [c.name.split(":")[0] for c in comparisons if c.verdict == verdict]
        print(f"  {verdict or 'reported':<13} {', '.join(names) or '-'}")
    differ = [key for key, value in counts.items() if not value["equal"]]
    print(f"  query count differs: {', '.join(differ) or 'none'}")
    use(small)
    save(
        "scale",
        comparisons,
        databases=databases,
        query_counts=counts,
        query_plans=plans,
        requests_per_sample=args.requests,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
