"""The list pages against a plain indexed list over the same rows.

    .venv/bin/python -m bench.lists [--requests 20] [--pairs 6] [--pages cases,queue]
                                    [--small-url postgres://.../ssc_bench_small]

For a provincial reviewer (zhejiang) and the Ministry (ministry), each page the officials live
in -- inbox, queue, case list, issuer register and the flow's task list -- is fetched through
Django's test Client (force_login, full middleware) and compared with bench.baseline_views:
same rows, same filter semantics, same page size, minimal template. One sample is the p95 of
`--requests` requests; `harness.compare` alternates candidate and baseline samples in pairs.
Target: candidate p95 <= 1.5x baseline p95.

The personas themselves have taken no task, so their inbox is empty: the inbox is measured
for the colleague in the same department with the most tasks taken (a full page of rows), and
the persona's empty inbox is measured too, as "frame": what the page costs with no row at all.

Then, per page, it counts queries (CaptureQueriesContext) at two page sizes and, when
--small-url names a database seeded with fewer cases (bench.seed --applications 2000), at two
database sizes: a count that changes with either means per-row queries (N+1).

Finally it reports what viewflow's guardian queue filter (viewflow/workflow/managers.py:160-219)
puts in its IN list for each persona, and how PostgreSQL runs the queue query.

It refuses to run unless DATABASE_URL (default: the ssc_bench database) was seeded by bench.seed.
"""

import argparse
import os
import re
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bench.harness import Comparison, compare, p95, save, timed_ms
from bench.seed import DEFAULT_URL, seed_info, setup_django

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


def official_for(username: str, page: str) -> str:
    """Who opens the page: the persona, except for the inbox (see the module docstring)."""
    if page != "inbox":
        return username
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q

    persona = get_user_model().objects.select_related("membership").get(username=username)
    colleagues = get_user_model().objects.filter(
        membership__department_id=persona.membership.department_id
    )
    busiest = (
        colleagues.annotate(taken=Count("task", filter=Q(task__status="ASSIGNED")))
        .order_by("-taken", "pk")
        .values_list("username", flat=True)
        .first()
    )
    return busiest or username


def client_for(username: str):  # django.test.Client
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def fetch(client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")


def p95_of(client, url: str, requests: int) -> Callable[[], float]:
    """A sample: the p95, in ms, of `requests` requests for url."""

    def sample() -> float:
        return p95([timed_ms(lambda: fetch(client, url)) for _ in range(requests)])

    return sample


def page_rows(client, url: str) -> int:
    """How many table rows the page shows (to check candidate and baseline agree)."""
    body = client.get(url).content.decode()
    return len(re.findall(r"<tr\b", body[body.find("<tbody") :] if "<tbody" in body else body))


# --- query counts ----------------------------------------------------------------------------


@contextmanager
def page_size(size: int) -> Iterator[None]:
    """Temporarily change every list's page size: the app's paginate() default and
    viewflow's ListModelView.paginate_by (both read at request time)."""
    from viewflow.views.list import BaseListModelView

    from approvals import views
    from bench import baseline_views

    saved = (
        views.paginate.__defaults__,
        BaseListModelView.paginate_by,
        baseline_views.CASE_PAGE,
        baseline_views.TASK_PAGE,
    )
    views.paginate.__defaults__ = (size,)
    BaseListModelView.paginate_by = size
    baseline_views.CASE_PAGE = baseline_views.TASK_PAGE = size
    try:
        yield
    finally:
        (
            views.paginate.__defaults__,
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
    """(queries, table rows) of one request, after a warm-up request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(username)
    fetch(client, url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    body = response.content.decode()
    rows = len(re.findall(r"<tr\b", body[body.find("<tbody") :] if "<tbody" in body else body))
    return len(queries), rows


def query_counts(pages: list[str], small_db: str | None) -> dict:
    """Queries per page at page sizes 50 and 10, and at the small database if given."""
    report = {}
    print("\nQueries per request (rows shown in brackets):")
    header = f"  {'page':<22} {'full, page 50':>14} {'full, page 10':>14}"
    if small_db:
        header += f" {'small, page 50':>15}"
    print(header + "  constant?")
    for persona in PERSONAS:
        for name in pages:
            url, username = PAGES[name], official_for(persona, name)
            cells = {}
            for label, size, db in (
                ("full/50", 50, None),
                ("full/10", 10, None),
                *((("small/50", 50, small_db),) if small_db else ()),
            ):
                with database(db), page_size(size):
                    cells[label] = count_queries(username, url)
            counts = {label: queries for label, (queries, _) in cells.items()}
            constant = len(set(counts.values())) == 1
            line = f"  {persona + ' ' + name:<22}"
            for queries, rows in cells.values():
                line += f" {f'{queries} ({rows})':>14}"
            print(line + f"  {'yes' if constant else 'NO'}")
            report[f"{persona} {name}"] = {
                label: {"queries": q, "rows": r} for label, (q, r) in cells.items()
            } | {"constant": constant}
    return report


# --- viewflow's queue filter -----------------------------------------------------------------


def queue_filter(username: str) -> dict:
    """What user_queue (viewflow/workflow/managers.py:182-211) sends to the database."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from viewflow.workflow.models import Task

    from approvals.flows import IssuanceFlow

    user = get_user_model().objects.get(username=username)
    queryset = (
        Task.objects.all()
        .select_related("process")
        .user_queue(user, flow_class=IssuanceFlow)
        .filter(status="NEW")
        .order_by("-created")
    )
    object_perms = sorted(user._viewflow_per_object_perm_cache)
    sql, params = queryset[:25].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
        unlimited = sql.replace("LIMIT 25", "")
        cursor.execute(f"SELECT COUNT(*) FROM ({unlimited}) q", params)  # noqa: S608 - ORM SQL
        matching = cursor.fetchone()[0]
    return {
        "object permissions in the IN list": len(object_perms),
        "IN list": object_perms,
        "model-wide permissions in owner_permission IN": len(user.get_all_permissions()),
        "queue rows": matching,
        "plan": plan,
    }


# --- the run ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="requests per sample")
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
    from django.test.utils import override_settings, setup_test_environment

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
    small_db = small_database(args.small_url)

    # The test environment gives Client requests a 'testserver' host and in-memory mail.
    setup_test_environment()
    print(
        f"database {settings.DATABASES['default']['NAME']}: {info['applications']:,} "
        f"applications, {info['tasks']:,} tasks, {info['issuers']:,} issuers (seed {info['seed']})"
    )
    comparisons: list[Comparison] = []
    with override_settings(ROOT_URLCONF="bench.baseline_views", DEBUG=False):
        for persona in PERSONAS:
            for name in [*pages, *([FRAME] if "inbox" in pages else [])]:
                page = "inbox" if name == FRAME else name
                username = persona if name == FRAME else official_for(persona, name)
                candidate_client, baseline_client = client_for(username), client_for(username)
                url, baseline_url = PAGES[page], f"/bench-baseline/{page}/"
                rows = (page_rows(candidate_client, url), page_rows(baseline_client, baseline_url))
                result = compare(
                    f"{persona} {name} ({url} as {username})",
                    p95_of(candidate_client, url, args.requests),
                    p95_of(baseline_client, baseline_url, args.requests),
                    pairs=args.pairs,
                    unit="ms p95",
                    target=TARGET,
                )
                result.extra = {"rows (candidate, baseline)": rows, "requests": args.requests}
                comparisons.append(result)
        counts = query_counts(pages, small_db)
        guardian = {username: queue_filter(username) for username in PERSONAS}

    print("\nviewflow's queue filter (managers.py user_queue):")
    for username, found in guardian.items():
        print(
            f"  {username}: {found['object permissions in the IN list']} object permissions in "
            f"the CONCAT(owner_permission, '_', owner_permission_obj_pk) IN list "
            f"{found['IN list']}, {found['model-wide permissions in owner_permission IN']} "
            f"model-wide; {found['queue rows']:,} tasks in the queue"
        )
        for line in found["plan"]:
            if any(word in line for word in ("Scan", "Execution Time", "Filter", "Sort")):
                print(f"      {line.strip()[:150]}")

    missed = [c for c in comparisons if statistics.median(c.ratios) > 1.5]
    print("\nover the 1.5x target:", ", ".join(c.name for c in missed) or "none")
    save("lists", comparisons, seed=info, query_counts=counts, queue_filter=guardian)
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
