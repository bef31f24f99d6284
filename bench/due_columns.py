"""Each list page with its due columns against the same page without them (issue #12).

    .venv/bin/python -m bench.due_columns [--requests 100] [--pairs 6] [--pages cases,queue]
                                          [--personas zhejiang,ministry]

Issue #12 added to the lists a due column (the running time limit's due date and state,
`approvals.due_cells.due_cell`, from the case's `current_clock`, a `StepClock` joined to
every row), and asks that it "keep every list within its current ratio". bench.lists measures
a list against a baseline that does not change; so a list's ratio with the column, divided by
its ratio without, is the page with the column over the same page without it, measured here
directly: same official, same rows, same jurisdiction, same page size, in one run, the two
variants' samples alternating in pairs (bench.harness.compare) so that background load hits
both alike. One sample is the p95 of --requests requests (100). Target: with / without
p95 <= 1.10x, with the harness's verdicts (met / missed / within noise). Reported beside it,
not judged: the median CPU time of the same requests' thread (time.thread_time), which
other processes' load on the machine does not inflate as it does wall time (it leaves out
the database's side: the join's cost is in the plans below).

"Without" exists only in this process, for the length of its samples (unittest.mock.patch):

* the case lists (`/cases/`, `/changes/`): `approvals.search.CaseListing` loses the clock's
  select_related (its join), and the page's template is served with the "Due" header and
  cell removed (its source, read from the app's template and edited here, so it follows the
  app's template: the run stops if the header or the cell is not found exactly once);
* viewflow's task lists (inbox, queue, all tasks): the views lose the column "due" from their
  `columns` (header, cells and their due_cell) and their queryset the
  join `process__caseprocess__case__current_clock`.

What stays in both: the app bar's count of my department's overdue steps (on every page, not
a column of the list) and the lists' "Time limit" filter field (a constant select box).

Before measuring, for every row: page 1 must show the same ids with and without; "with" must
show due cells (`class="due"`) and "without" none; in the SQL of one request (the app bar's
count left out), at least one query must read the clock table (`approvals_stepclock`) "with"
and none "without" (those "with" are saved with the results). Query counts must be equal (the
clock comes by a join, not a query per row). The slowest queries of one request of each variant are
EXPLAINed (ANALYZE), as in bench.lists.

The register has no due column, the overdue list is due by definition, and the change list
is empty in a bench.seed database (it writes no change requests): a page without rows is
skipped with a note (both variants would run the same count and nothing else).

It refuses to run unless DATABASE_URL (default: the ssc_bench database) was seeded by
bench.seed and is migrated. Results: bench/results/due_columns.json.
"""

import argparse
import copy
import re
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from unittest import mock

from bench.harness import Comparison, compare, p95, save
from bench.lists import (
    client_for,
    explain_request,
    fetch,
    instrumented,
    official_for,
    page_ids,
    prepare,
    print_plans,
)
from bench.seed import pending_migrations, seed_info, setup_django

PERSONAS = ("zhejiang", "ministry")
# page name: (URL, the template of a case list, whose Due header and cell are removed)
PAGES = {
    "cases": ("/cases/", "approvals/case_list.html"),
    "changes": ("/changes/", "approvals/change_list.html"),
    "inbox": ("/issuance/inbox/", None),
    "queue": ("/issuance/queue/", None),
    "tasks": ("/issuance/tasks/", None),
}
TARGET = "p95 <= 1.10x"
REQUESTS = 100
CLOCK_TABLE = '"approvals_stepclock"'
# What due_cell writes for a running clock.
DUE_CELL = 'class="due"'

# In a case list's template: the column's header and its cell.
DUE_HEADER = re.compile(r"<th>\{% trans \"Due\" %\}</th>")
DUE_CELL_TAG = re.compile(r"<td>\{\{ [a-z_.]+\|due_cell \}\}</td>")


def without_related(queryset, path: str):
    """The queryset without one select_related path (its join and its columns); the other
    joins stay. Raises KeyError if the queryset does not join `path`: the app changed."""
    tree = queryset.query.select_related
    if not isinstance(tree, dict):
        raise KeyError(f"{path}: the queryset's select_related is {tree!r}")
    tree = copy.deepcopy(tree)
    *parents, leaf = path.split("__")
    node = tree
    for name in parents:
        node = node[name]
    del node[leaf]
    clone = queryset.all()
    clone.query.select_related = tree
    return clone


def template_without_due(name: str):  # -> django.template.backends.django.Template
    """The app's template `name` with its Due header and cell removed (from its source)."""
    from django.template import engines

    backend = engines["django"]
    source = backend.engine.get_template(name).source
    for pattern in (DUE_HEADER, DUE_CELL_TAG):
        found = len(pattern.findall(source))
        if found != 1:
            raise SystemExit(f"{name}: {pattern.pattern} found {found} times, not once")
        source = pattern.sub("", source)
    return backend.from_string(source)


class WithoutDue:
    """Patches that take the due columns off every list, entered for one sample at a time."""

    def __init__(self) -> None:
        from viewflow.utils import viewprop

        from approvals import search, task_lists
        from approvals.access import TASK_CASE

        self.templates = {
            template: template_without_due(template) for _, template in PAGES.values() if template
        }
        self.case_listing_init = search.CaseListing.__init__
        self.task_views = (
            task_lists.ScopedInboxView,
            task_lists.ScopedQueueView,
            task_lists.ScopedTaskListView,
        )
        self.clock_path = f"{TASK_CASE}current_clock"
        self.viewprop = viewprop
        self.search, self.task_lists = search, task_lists

    def _case_listing_init(self):
        original = self.case_listing_init

        def __init__(listing, *args, **kwargs) -> None:
            original(listing, *args, **kwargs)
            listing.cases = without_related(listing.cases, "current_clock")

        return __init__

    def _queryset(self, view_class):
        original = view_class.__dict__["queryset"].fget
        path = self.clock_path

        def queryset(view):
            return without_related(original(view), path)

        return self.viewprop(queryset)

    def _get_template(self):
        from django.template import loader

        original, replaced = loader.get_template, self.templates

        def get_template(template_name, using=None):
            if template_name in replaced:
                return replaced[template_name]
            return original(template_name, using=using)

        return get_template

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with ExitStack() as stack:
            stack.enter_context(
                mock.patch.object(self.search.CaseListing, "__init__", self._case_listing_init())
            )
            stack.enter_context(
                mock.patch("django.template.loader.get_template", self._get_template())
            )
            for view_class in self.task_views:
                columns = tuple(c for c in view_class.columns if c != "due")
                if len(columns) != len(view_class.columns) - 1:
                    raise SystemExit(f"{view_class.__name__} has no column 'due'")
                stack.enter_context(mock.patch.object(view_class, "columns", columns))
                stack.enter_context(
                    mock.patch.object(view_class, "queryset", self._queryset(view_class))
                )
            yield


@contextmanager
def with_due() -> Iterator[None]:
    yield


# --- checks ----------------------------------------------------------------------------------


def captured(client, url: str) -> tuple[list[str], object]:
    """The SQL of one request (after a warm-up request) and its response."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fetch(client, url)
    with CaptureQueriesContext(connection) as queries:
        response = fetch(client, url)
    return [query["sql"] for query in queries.captured_queries], response


def check(rows: list[tuple[str, str]], without) -> tuple[dict, list[tuple[str, str]]]:
    """Same ids with and without; due cells only with; clock SQL only with; same query count.
    Returns the report and the rows to measure (those whose page 1 has rows)."""
    report, measured = {}, []
    print("\nWith / without, page 1 (checked before measuring; app bar count left out):")
    # The app bar's overdue count reads the clock table on every page, with or without.
    no_app_bar = mock.patch("approvals.context_processors._overdue", return_value=0)
    for persona, page in rows:
        url = PAGES[page][0]
        username = official_for(persona, page)
        client = client_for(username)
        found = {}
        for label, variant in (("with", with_due), ("without", without)):
            with variant(), no_app_bar:
                sql, response = captured(client, url)
            found[label] = {
                "ids": page_ids(response),
                "due cells": response.content.decode().count(DUE_CELL),
                "queries": len(sql),
                "clock queries": [q for q in sql if CLOCK_TABLE in q],
            }
        w, wo = found["with"], found["without"]
        key = f"{persona} {page}"
        if not w["ids"]:
            print(f"  {key:<18} as {username:<10} no rows on page 1: skipped (nothing to compare)")
            report[key] = {"official": username, "rows": 0, "skipped": "no rows"}
            continue
        problems = []
        if w["ids"] != wo["ids"]:
            problems.append("ids differ")
        if not w["due cells"]:
            problems.append("no due cell with the column")
        if wo["due cells"]:
            problems.append(f"{wo['due cells']} due cells without the column")
        if not w["clock queries"]:
            problems.append("no query reads the clock table with the column")
        if wo["clock queries"]:
            problems.append(f"{len(wo['clock queries'])} queries read the clock table without")
        if w["queries"] != wo["queries"]:
            problems.append(f"{w['queries']} queries with, {wo['queries']} without")
        print(
            f"  {key:<18} as {username:<10} {len(w['ids']):>3} rows; due cells "
            f"{w['due cells']:>2} / {wo['due cells']}; queries {w['queries']} / "
            f"{wo['queries']}, reading the clock {len(w['clock queries'])} / "
            f"{len(wo['clock queries'])}: {'; '.join(problems) or 'ok'}"
        )
        if problems:
            raise SystemExit(f"{key}: {'; '.join(problems)}; nothing measured")
        report[key] = {
            "official": username,
            "rows": len(w["ids"]),
            "due cells": w["due cells"],
            "queries": w["queries"],
            "clock queries with": [q[:2000] for q in w["clock queries"]],
        }
        measured.append((persona, page))
    return report, measured


def query_plans(rows: list[tuple[str, str]], without) -> dict:
    report = {}
    print("\nSlowest queries of one request (EXPLAIN ANALYZE), with then without:")
    for persona, page in rows:
        url = PAGES[page][0]
        client = client_for(official_for(persona, page))
        plans = {}
        for label, variant in (("with", with_due), ("without", without)):
            with variant():
                plans[label] = explain_request(client, url)
        print_plans(f"{persona} {page}", plans["with"])
        print_plans("  without", plans["without"])
        report[f"{persona} {page}"] = plans
    return report


# --- samples --------------------------------------------------------------------------------


def sampler(client, url: str, requests: int, cpu: list[float]):
    """A sample: the p95, in ms, of `requests` requests for url (judged). Beside it, the
    median CPU time of the requests' thread (time.thread_time) goes to `cpu`: the Python side's
    own work, which time taken by other processes on the machine does not inflate (reported,
    not judged: it leaves out the database's time)."""

    def sample() -> float:
        walls, cpus = [], []
        for _ in range(requests):
            wall, used = time.perf_counter(), time.thread_time()
            fetch(client, url)
            cpus.append((time.thread_time() - used) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
        cpu.append(statistics.median(cpus))
        return p95(walls)

    return sample


# --- the run ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS, help="requests per sample")
    parser.add_argument("--pairs", type=int, default=6, help="alternating pairs per page")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated page names")
    parser.add_argument("--personas", default=",".join(PERSONAS))
    args = parser.parse_args(argv)
    pages = [name for name in args.pages.split(",") if name]
    unknown = set(pages) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    personas = [name for name in args.personas.split(",") if name]

    setup_django()
    from django.conf import settings
    from django.db import OperationalError
    from django.test.utils import override_settings

    name = settings.DATABASES["default"]["NAME"]
    try:
        info = seed_info()
    except OperationalError as error:
        print(f"cannot reach the benchmark database: {error}", file=sys.stderr)
        return 2
    if info is None:
        print(f"{name} was not seeded by bench.seed: run it first", file=sys.stderr)
        return 2
    pending = pending_migrations()
    if pending:
        print(f"{name} lacks migrations ({', '.join(pending)}): migrate it", file=sys.stderr)
        return 2
    print(
        f"database {name}: {info['applications']:,} applications, {info['tasks']:,} tasks, "
        f"{info['issuers']:,} issuers (seed {info['seed']})"
    )
    settled = prepare()

    rows = [(persona, page) for persona in personas for page in pages]
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts):
        without = WithoutDue()
        with instrumented():
            shown, rows = check(rows, without)
        plans = query_plans(rows, without)

        print(f"\nMeasuring: one sample = p95 of {args.requests} requests, {args.pairs} pairs")
        comparisons: list[Comparison] = []
        for persona, page in rows:
            url = PAGES[page][0]
            username = official_for(persona, page)
            with_client, without_client = client_for(username), client_for(username)
            cpu: dict[str, list[float]] = {"with": [], "without": []}
            sample_with = sampler(with_client, url, args.requests, cpu["with"])
            sample_without = sampler(without_client, url, args.requests, cpu["without"])

            def candidate(sample=sample_with) -> float:
                return sample()

            def baseline(sample=sample_without) -> float:
                with without():
                    return sample()

            key = f"{persona} {page}"
            result = compare(
                f"{key} ({url} as {username}, {shown[key]['rows']} rows) with/without due",
                candidate,
                baseline,
                pairs=args.pairs,
                unit="ms p95",
                target=TARGET,
            )
            result.extra = {"rows": shown[key], "requests": args.requests}
            comparisons.append(result)
            # The warm-up pair's CPU medians are not samples (compare discards its timings).
            cpu_result = Comparison(
                name=f"{key} CPU (median, Python side) with/without due",
                unit="ms CPU",
                candidate=cpu["with"][1:],
                baseline=cpu["without"][1:],
                target="report",
            )
            print(cpu_result.summary(), flush=True)
            comparisons.append(cpu_result)

    print("\nVerdicts against", TARGET, "(with / without the due columns)")
    for verdict in ("met", "within noise", "missed"):
        names = [c.name.split(" (")[0] for c in comparisons if c.verdict == verdict]
        print(f"  {verdict:<13} {', '.join(names) or '-'}")
    skipped = [key for key, row in shown.items() if row.get("skipped")]
    if skipped:
        print(f"  skipped (no rows on page 1): {', '.join(skipped)}")
    save(
        "due_columns",
        comparisons,
        seed=info,
        database=name,
        personas=settled,
        rows=shown,
        query_plans=plans,
        requests_per_sample=args.requests,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
