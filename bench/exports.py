"""Exports of 100,000 rows: time and peak memory, against reading every row first.

    .venv/bin/python -m bench.exports [--pairs 3] [--listing cases] [--user ministry]

Each sample runs in a child process of its own, so that its peak resident memory (VmHWM) is
its own: the child sets Django up on the bench database, notes its resident memory (VmRSS),
writes the export, and reports the time taken and the growth of its peak over that start.

Candidates, as the system does it:
- CSV through the page: the export view's streaming response (`exports.csv_response` over
  `listing_table`: a server-side cursor, 2,000 rows a round trip), consumed to the end;
- XLSX as the worker writes it (`exports.run_export`-style: `write_xlsx` into a file).
Baseline, the plainest correct way to the same bytes: the same queryset read whole
(`list(...)`), then the same rows written with the csv module into memory.

Target (issue #13): peak RSS growth <= 100 MB for 100k rows (streamed). It refuses to run on a
database bench.seed did not seed; DATABASE_URL defaults to ssc_bench.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from bench.harness import compare, save
from bench.seed import DEFAULT_URL

TARGET_MB = 100


def _memory(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def child(way: str, listing: str, username: str) -> None:
    """In the child process: write one export the given way, print time and memory."""
    import csv
    import io
    import tempfile

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.http import QueryDict

    from approvals import exports

    user = get_user_model().objects.get(username=username)
    params = QueryDict()
    start_rss = _memory("VmRSS")
    started = time.perf_counter()
    rows = 0
    if way == "csv-stream":
        response = exports.csv_response(exports.listing_table(listing, user, params))
        for chunk in response.streaming_content:
            rows += 1
            del chunk
        rows -= 1
    elif way == "xlsx-file":
        with tempfile.TemporaryFile() as handle:
            rows = exports.write_xlsx(exports.listing_table(listing, user, params), handle)
    else:  # baseline: every row in memory first
        everything = list(exports.listing_rows(listing, user, params))
        table = exports.TABLES[listing](everything)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([str(c) for c in table.columns])
        for row in table.rows:
            writer.writerow(row)
            rows += 1
    elapsed = time.perf_counter() - started
    growth = _memory("VmHWM") - start_rss
    print(json.dumps({"seconds": elapsed, "growth_mb": growth / 2**20, "rows": rows}))


def run(way: str, args: argparse.Namespace) -> dict:
    out = subprocess.run(  # noqa: S603 - this module
        [sys.executable, "-m", "bench.exports", "--child", way, "--listing", args.listing]
        + ["--user", args.user],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_URL)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--listing", default="cases")
    parser.add_argument("--user", default="ministry")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.listing, args.user)
        return
    samples: dict[str, list[dict]] = {"csv-stream": [], "xlsx-file": [], "baseline": []}

    def sample(way: str):
        def measure() -> float:
            result = run(way, args)
            samples[way].append(result)
            return result["seconds"] * 1000

        return measure

    comparisons = [
        compare(
            f"{args.listing} export, CSV streamed through the view vs read whole then written",
            sample("csv-stream"),
            sample("baseline"),
            pairs=args.pairs,
            target="report",
        ),
        compare(
            f"{args.listing} export, XLSX written by the worker vs CSV read whole",
            sample("xlsx-file"),
            sample("baseline"),
            pairs=args.pairs,
            target="report",
        ),
    ]
    for way, results in samples.items():
        peak = max(r["growth_mb"] for r in results)
        rows = {r["rows"] for r in results}
        verdict = ""
        if way != "baseline":
            verdict = f"  target <= {TARGET_MB} MB: {'met' if peak <= TARGET_MB else 'missed'}"
        print(f"{way:11} rows {sorted(rows)}  peak RSS growth {peak:6.1f} MB{verdict}")
    save("exports", comparisons, memory=samples)


if __name__ == "__main__":
    main()
