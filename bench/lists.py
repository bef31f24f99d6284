"""The list pages against a plain indexed list over the same rows.

    .venv/bin/python -m bench.lists [--requests 100] [--pairs 6] [--pages cases,queue]
                                    [--small-url postgres://.../ssc_bench_small]

For a provincial reviewer (zhejiang) and the Ministry (ministry), each page the officials live
in -- inbox, queue, case list, issuer register and the flow's task list -- is fetched through
Django's test Client (force_login, full middleware) and compared with bench.baseline_views:
same rows, same jurisdiction, same joins and columns, same page size, minimal template. One
sample is the p95 of `--requests` requests (100: the sixth slowest, not the second slowest of
20); `harness.compare` alternates candidate and baseline samples in pairs. Target: candidate
p95 <= 1.5x baseline p95; the verdict is "within noise" when the pairs' spread crosses it.

Before measuring (bench.seed.settle_personas, idempotent, on the seeded database only): the
persona's own inbox is made empty -- the row "frame" measures the page with no row at all --
and one colleague of the same department ("bench-<department>-1") holds exactly a full page
of taken tasks (25): the row "inbox" is opened by that colleague. Then, for every row, page 1
of the app and of the baseline must show the same case/task/issuer ids, the frame none and
the full inbox 25; the run stops if not. Only then does it measure.

Then, per page, it counts queries (CaptureQueriesContext) at two page sizes and, when
--small-url names a database seeded with fewer cases (bench.seed --applications 2000), at two
database sizes: a count that changes with either means per-row queries (N+1). And it EXPLAINs
(ANALYZE) every SELECT of one request of each page, app and baseline, and prints the slowest
with the indexes it used and any sequential scan or sort: the queue's baseline must be served
by the index approvals_task_queue.

It refuses to run unless DATABASE_URL (default: the ssc_bench database) was seeded by bench.seed.
"""

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bench.harness import Comparison, compare, p95, save, timed_ms
from bench.seed import DEFAULT_URL, FULL_INBOX, pending_migrations, seed_info, setup_django

PERSONAS = ("zhejiang", "ministry")
# page name: the app's URL (the baseline is /bench-baseline/<name>/)
PAGES = {
    "inbox": "/issuance/inbox/",
    "queue": "/issuance/queue/",
    "cases": "/cases/",
    "register": "/register/",
    "tasks": "/issuance/tasks/",
}
# The persona's own, empty inbox: the page frame with no rows.
FRAME = "frame"
TARGET = "p95 <= 1.5x"
REQUESTS = 100
# The index the queue's baseline must use (approvals/migrations/0004_task_list_indexes.py).
QUEUE_INDEX = "approvals_task_queue"


def official_for(persona: str, row: str) -> str:
    """Who opens the page: the persona, except for the full inbox (its colleague)."""
    if row == "inbox":
        from bench.seed import inbox_colleague

        return inbox_colleague(persona).username
    return persona


def client_for(username: str):  # django.test.Client
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def fetch(client, url: str):  # -> HttpResponse
    """GET url, read to the end (a streamed export too); it must answer 200."""
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    if response.streaming:
        response.body = b"".join(response.streaming_content)
    return response


def p95_of(client, url: str, requests: int) -> Callable[[], float]:
    """A sample: the p95, in ms, of `requests` requests for url."""

    def sample() -> float:
        return p95([timed_ms(lambda: fetch(client, url)) for _ in range(requests)])

    return sample


def prepare() -> dict:
    """The personas' inboxes settled, and the database vacuumed once (bench.seed)."""
    from django.db import connection

    from bench.seed import settle_personas, vacuum

    settled = settle_personas()
    vacuumed = vacuum(only_if_never=True)
    print(f"  {connection.settings_dict['NAME']}:")
    for persona, found in settled.items():
        print(
            f"    {persona}: {found['persona']} taken tasks (frame); {found['colleague']} holds "
            f"{found['colleague taken']} (full inbox); {found['moved']} tasks moved, "
            f"{found['cases added']} cases added for open work"
        )
    if vacuumed:
        print("  VACUUM ANALYZE (never vacuumed since seeding)")
    return settled


# --- which rows a page shows -----------------------------------------------------------------


@contextmanager
def instrumented() -> Iterator[None]:
    """Django's test environment, whose instrumented template rendering keeps each response's
    context (to read the page's rows). Only for the checks: it costs the candidate, which
    renders many more templates, more than the baseline, so nothing is timed under it."""
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    try:
        yield
    finally:
        teardown_test_environment()


def page_ids(response) -> list[int]:
    """The primary keys of the rows the page shows (under instrumented()): the baseline's
    "ids", else those of the Page in the page's context (the app's case lists keep it as
    "applications", "issuers"..., viewflow's lists as "page_obj")."""
    from django.core.paginator import Page

    context = response.context
    if context is None:
        raise RuntimeError("no template context: run under instrumented()")
    if "ids" in context:  # a baseline
        return list(context["ids"])
    for layer in context if isinstance(context, list) else [context]:
        for values in layer.dicts if hasattr(layer, "dicts") else [layer]:
            for value in values.values():
                if isinstance(value, Page):
                    return [obj.pk for obj in value.object_list]
    raise RuntimeError("the page has no Page of rows in its context")


def check_rows(rows: list[tuple[str, str]]) -> dict:
    """Page 1 of app and baseline show the same ids; the frame none, the full inbox a page.
    Raises SystemExit on the first row that does not (nothing is measured then)."""
    report = {}
    print("\nRows on page 1 (app = baseline, checked before measuring):")
    for persona, row in rows:
        page = "inbox" if row == FRAME else row
        username = official_for(persona, row)
        client = client_for(username)
        candidate = page_ids(fetch(client, PAGES[page]))
        baseline = page_ids(fetch(client, f"/bench-baseline/{page}/"))
        problems = []
        if set(candidate) != set(baseline):
            only_app = sorted(set(candidate) - set(baseline))[:5]
            only_base = sorted(set(baseline) - set(candidate))[:5]
            problems.append(f"ids differ (app only {only_app}, baseline only {only_base})")
        if row == FRAME and candidate:
            problems.append(f"the frame must be empty, it shows {len(candidate)} rows")
        elif row == "inbox" and len(candidate) != FULL_INBOX:
            problems.append(f"the full inbox must show {FULL_INBOX} rows, not {len(candidate)}")
        elif row != FRAME and not candidate:
            problems.append("the page is empty")
        print(
            f"  {persona + ' ' + row:<18} as {username:<10} {len(candidate):>3} rows app, "
            f"{len(baseline):>3} baseline: {'; '.join(problems) or 'same ids'}"
        )
        if problems:
            raise SystemExit(f"{persona} {row}: {'; '.join(problems)}; nothing measured")
        report[f"{persona} {row}"] = {"official": username, "rows": len(candidate)}
    return report


# --- query counts ----------------------------------------------------------------------------


@contextmanager
def page_size(size: int) -> Iterator[None]:
    """Temporarily change every list's page size: the app's paginate() default and
    viewflow's ListModelView.paginate_by (both read at request time)."""
    from viewflow.views.list import BaseListModelView

    from approvals import search
    from bench import baseline_views

    saved = (
        search.paginate.__defaults__,
        BaseListModelView.paginate_by,
        baseline_views.CASE_PAGE,
        baseline_views.TASK_PAGE,
    )
    search.paginate.__defaults__ = (size,)
    BaseListModelView.paginate_by = size
    baseline_views.CASE_PAGE = baseline_views.TASK_PAGE = size
    try:
        yield
    finally:
        (
            search.paginate.__defaults__,
            BaseListModelView.paginate_by,
            baseline_views.CASE_PAGE,
            baseline_views.TASK_PAGE,
        ) = saved


@contextmanager
def database(name: str | None) -> Iterator[None]:
    """Point the default connection at another database of the same server for a while."""
    from django.db import connection

    if name is None:
        yield
        return
    saved = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved


def count_queries(username: str, url: str) -> tuple[int, int]:
    """(queries, rows shown) of one request, after a warm-up request (under instrumented())."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(username)
    fetch(client, url)
    with CaptureQueriesContext(connection) as queries:
        response = fetch(client, url)
    return len(queries), len(page_ids(response))


def query_counts(rows: list[tuple[str, str]], small_db: str | None) -> dict:
    """Queries per page at page sizes 50 and 10, and at the small database if given. An empty
    page takes one query less (no row query after a zero count): only pages with rows are
    compared."""
    report = {}
    print("\nQueries per request (rows shown in brackets):")
    header = f"  {'page':<22} {'full, page 50':>14} {'full, page 10':>14}"
    if small_db:
        header += f" {'small, page 50':>15}"
    print(header + "  constant?")
    for persona, row in rows:
        page = "inbox" if row == FRAME else row
        url, username = PAGES[page], official_for(persona, row)
        cells = {}
        for label, size, db in (
            ("full/50", 50, None),
            ("full/10", 10, None),
            *((("small/50", 50, small_db),) if small_db else ()),
        ):
            with database(db), page_size(size):
                cells[label] = count_queries(username, url)
        counts = {queries for queries, shown in cells.values() if shown}
        constant = len(counts) <= 1
        line = f"  {persona + ' ' + row:<22}"
        for queries, shown in cells.values():
            line += f" {f'{queries} ({shown})':>14}"
        print(line + f"  {'yes' if constant else 'NO'}")
        report[f"{persona} {row}"] = {
            label: {"queries": q, "rows": r} for label, (q, r) in cells.items()
        } | {"constant": constant}
    return report


# --- query plans -----------------------------------------------------------------------------


def plan_summary(plan: dict) -> dict:
    """From EXPLAIN (ANALYZE, FORMAT JSON): time, indexes used, sequential scans, index scans
    that read many rows only to filter them out, sorts."""
    found: dict = {"indexes": [], "seq scans": [], "filtered": [], "sorts": []}

    def walk(node: dict) -> None:
        kind = node["Node Type"]
        removed = node.get("Rows Removed by Filter", 0) * node.get("Actual Loops", 1)
        if "Index Name" in node:
            found["indexes"].append(node["Index Name"])
            if removed >= 1000:
                found["filtered"].append(
                    f"{node['Index Name']} ({removed:,} rows read and filtered out)"
                )
        if kind == "Seq Scan":  # per loop in the plan: a parallel scan's workers are loops
            rows = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * node.get(
                "Actual Loops", 1
            )
            found["seq scans"].append(f"{node['Relation Name']} ({rows:,} rows read)")
        if kind in ("Sort", "Incremental Sort"):
            method = node.get("Sort Method", "")
            found["sorts"].append(f"{method} of {node.get('Actual Rows', 0):,} rows".strip())
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    found["ms"] = round(plan.get("Execution Time", 0.0), 2)
    return found


def explain(sql: str) -> dict:
    """EXPLAIN ANALYZE a SELECT, or a server-side cursor's DECLARE: PostgreSQL plans a cursor
    for its first rows (cursor_tuple_fraction), which can be another plan than the SELECT's."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        document = cursor.fetchone()[0]
    plan = (json.loads(document) if isinstance(document, str) else document)[0]
    return plan_summary(plan)


def explain_request(client, url: str, slowest: int = 2) -> list[dict]:
    """EXPLAIN ANALYZE every SELECT one request for url runs; the slowest first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fetch(client, url)
    with CaptureQueriesContext(connection) as captured:
        fetch(client, url)
    plans = []
    for query in captured.captured_queries:
        sql = query["sql"].strip()
        if sql.startswith("DECLARE") and " FOR SELECT " in sql:  # a server-side cursor
            select = sql[sql.index(" FOR SELECT ") + len(" FOR ") :]
            sql = f"DECLARE bench_explain NO SCROLL CURSOR FOR {select}"  # in a transaction
        if sql.upper().startswith(("SELECT", "DECLARE")):
            plans.append({"sql": sql[:300], **explain(sql)})
    plans.sort(key=lambda plan: plan["ms"], reverse=True)
    return plans[:slowest]


def print_plans(label: str, plans: list[dict]) -> None:
    for number, plan in enumerate(plans):
        what = ", ".join(
            part
            for part in (
                f"indexes {', '.join(dict.fromkeys(plan['indexes']))}" if plan["indexes"] else "",
                f"SEQ SCAN {'; '.join(plan['seq scans'])}" if plan["seq scans"] else "",
                f"FILTERED {'; '.join(plan['filtered'])}" if plan["filtered"] else "",
                f"sort {'; '.join(plan['sorts'])}" if plan["sorts"] else "",
            )
            if part
        )
        print(f"  {label if number == 0 else '':<36} {plan['ms']:>8.2f} ms  {what}")


def query_plans(rows: list[tuple[str, str]]) -> dict:
    """The slowest queries of each page, app and baseline, with their plans."""
    report = {}
    print("\nSlowest queries of one request (EXPLAIN ANALYZE), app then baseline:")
    for persona, row in rows:
        if row == FRAME:
            continue
        client = client_for(official_for(persona, row))
        app = explain_request(client, PAGES[row])
        baseline = explain_request(client, f"/bench-baseline/{row}/")
        print_plans(f"{persona} {row}", app)
        print_plans("  baseline", baseline)
        report[f"{persona} {row}"] = {"app": app, "baseline": baseline}
        if row == "queue":  # its queries use the queue index and never read every task
            used = {name for plan in baseline for name in plan["indexes"]}
            whole = [scan for plan in baseline for scan in plan["seq scans"] if "_task " in scan]
            if QUEUE_INDEX not in used or whole:
                raise SystemExit(
                    f"{persona}'s queue baseline: indexes {sorted(used)}, sequential scans "
                    f"{whole}; it must use {QUEUE_INDEX} and never scan the task table"
                )
    return report


# --- the run ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS, help="requests per sample")
    parser.add_argument("--pairs", type=int, default=6, help="alternating pairs per page")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated page names")
    parser.add_argument(
        "--small-url",
        default=os.environ.get("SMALL_DATABASE_URL", DEFAULT_URL + "_small"),
        help="a database seeded with fewer cases, for the query-count check ('' to skip)",
    )
    args = parser.parse_args(argv)
    pages = [name for name in args.pages.split(",") if name]
    unknown = set(pages) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")

    setup_django()
    from django.conf import settings
    from django.db import OperationalError
    from django.test.utils import override_settings

    try:
        info = seed_info()
    except OperationalError as error:
        print(f"cannot reach the benchmark database: {error}", file=sys.stderr)
        return 2
    if info is None:
        print(
            f"{settings.DATABASES['default']['NAME']} was not seeded by bench.seed: run "
            "`.venv/bin/python -m bench.seed` first (the list timings mean nothing on an "
            "empty or hand-made database).",
            file=sys.stderr,
        )
        return 2
    pending = pending_migrations()
    if pending:
        print(
            f"{settings.DATABASES['default']['NAME']} lacks migrations the code expects "
            f"({', '.join(pending)}): run `DATABASE_URL=... .venv/bin/python manage.py migrate` "
            "on it (and on the small database) first.",
            file=sys.stderr,
        )
        return 2
    print(
        f"database {settings.DATABASES['default']['NAME']}: {info['applications']:,} "
        f"applications, {info['tasks']:,} tasks, {info['issuers']:,} issuers (seed {info['seed']})"
    )
    settled = prepare()
    small_db = small_database(args.small_url)
    if small_db:
        with database(small_db):
            prepare()

    rows = [
        (persona, row)
        for persona in PERSONAS
        for row in [*pages, *([FRAME] if "inbox" in pages else [])]
    ]
    # Test Client requests go to host 'testserver'.
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(ROOT_URLCONF="bench.baseline_views", DEBUG=False, ALLOWED_HOSTS=hosts):
        with instrumented():
            shown = check_rows(rows)
            counts = query_counts(rows, small_db)
        plans = query_plans(rows)

        print(f"\nMeasuring: one sample = p95 of {args.requests} requests, {args.pairs} pairs")
        comparisons: list[Comparison] = []
        for persona, row in rows:
            page = "inbox" if row == FRAME else row
            username = official_for(persona, row)
            candidate_client, baseline_client = client_for(username), client_for(username)
            url, baseline_url = PAGES[page], f"/bench-baseline/{page}/"
            result = compare(
                f"{persona} {row} ({url} as {username}, {shown[f'{persona} {row}']['rows']} rows)",
                p95_of(candidate_client, url, args.requests),
                p95_of(baseline_client, baseline_url, args.requests),
                pairs=args.pairs,
                unit="ms p95",
                target=TARGET,
            )
            result.extra = {"rows": shown[f"{persona} {row}"], "requests": args.requests}
            comparisons.append(result)

    print("\nVerdicts against", TARGET)
    for verdict in ("met", "within noise", "missed"):
        names = [c.name.split(" (")[0] for c in comparisons if c.verdict == verdict]
        print(f"  {verdict:<13} {', '.join(names) or '-'}")
    save(
        "lists",
        comparisons,
        seed=info,
        personas=settled,
        rows=shown,
        query_counts=counts,
        query_plans=plans,
        requests_per_sample=args.requests,
    )
    return 0


def small_database(url: str) -> str | None:
    """The name of the small seeded database for the query-count check, if it is usable."""
    from urllib.parse import urlsplit

    from django.conf import settings

    if not url:
        return None
    parts = urlsplit(url)
    default = settings.DATABASES["default"]
    if (parts.hostname, parts.port or 5432) != (default["HOST"], int(default["PORT"] or 5432)):
        print("--small-url must be on the same server; skipping the database-size check")
        return None
    name = parts.path.lstrip("/")
    try:
        with database(name):
            info = seed_info()
    except Exception as error:  # noqa: BLE001 - any failure only skips the optional check
        print(f"small database {name} unusable ({error.__class__.__name__}); skipping it")
        return None
    if info is None:
        print(f"small database {name} not seeded by bench.seed; skipping the size check")
        return None
    return name


if __name__ == "__main__":
    sys.exit(main())
