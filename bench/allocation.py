"""Issuer-ID allocation under contention, against a raw SQL counter row.

    .venv/bin/python -m bench.allocation [--threads 16] [--ids 200] [--pairs 5]

16 clients (threads, each with its own database connection) each take 200 issuer IDs, one
transaction per ID, through issuers.identifiers.next_issuer_id -- the locked national counter
the approval uses. The baseline takes numbers the plainest way: `UPDATE counter SET value =
value + 1 RETURNING value` on a one-row table, one transaction each. Target: >= 0.5x the
baseline's IDs per second, with no duplicate and no gap in the serials.

The same runs on SQLite (a file database, in a child process, because the database is chosen
when Django starts); it must see 0 "database is locked" errors.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable

from bench.harness import Comparison, compare, save

PG_URL = "postgres://postgres@127.0.0.1:5432/ssc_bench_alloc"


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        subprocess.run(  # noqa: S603 - fixed command line
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", name],  # noqa: S607
            capture_output=True,
            check=False,
        )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_counter (id integer PRIMARY KEY, value integer)"
        )
        cursor.execute("DELETE FROM bench_counter")
        cursor.execute("INSERT INTO bench_counter VALUES (1, 0)")


def run_clients(take: Callable[[], int], threads: int, ids: int) -> tuple[float, list[int], int]:
    """Every client takes `ids` numbers; returns IDs per second, the numbers, lock errors."""
    from django.db import OperationalError, connections

    taken: list[int] = []
    locked = 0
    guard = threading.Lock()
    start = threading.Barrier(threads + 1)

    def client() -> None:
        nonlocal locked
        mine: list[int] = []
        start.wait()
        try:
            for _ in range(ids):
                try:
                    mine.append(take())
                except OperationalError as error:
                    if "locked" not in str(error):
                        raise
                    with guard:
                        locked += 1
        finally:
            connections.close_all()
        with guard:
            taken.extend(mine)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    return len(taken) / (time.perf_counter() - began), taken, locked


def take_issuer_id() -> int:
    from django.db import transaction

    from issuers.identifiers import next_issuer_id
    from issuers.models import Division

    division = Division(code="330100")  # only its code is used
    with transaction.atomic():
        serial, _ = next_issuer_id(division)
    return serial


def take_raw_counter() -> int:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE bench_counter SET value = value + 1 WHERE id = 1 RETURNING value")
        return cursor.fetchone()[0]


def check(numbers: list[int]) -> dict:
    ordered = sorted(numbers)
    return {
        "duplicates": len(ordered) - len(set(ordered)),
        "gaps": (ordered[-1] - ordered[0] + 1 - len(set(ordered))) if ordered else 0,
    }


def measure(threads: int, ids: int, pairs: int, label: str) -> tuple[Comparison, dict]:
    problems = {"duplicates": 0, "gaps": 0, "database is locked": 0}

    def sample(take: Callable[[], int]) -> Callable[[], float]:
        def run() -> float:
            rate, numbers, locked = run_clients(take, threads, ids)
            found = check(numbers)
            problems["duplicates"] += found["duplicates"]
            problems["gaps"] += found["gaps"]
            problems["database is locked"] += locked
            return rate

        return run

    comparison = compare(
        f"{label}: {threads} clients x {ids} issuer IDs",
        sample(take_issuer_id),
        sample(take_raw_counter),
        pairs=pairs,
        unit="IDs/s",
        kind="rate",
        target=">= 0.5x, 0 duplicates, 0 gaps",
    )
    print(f"  {label}: {problems}")
    return comparison, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--ids", type=int, default=200)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--sqlite-child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.sqlite_child:
        setup(f"sqlite:///{args.sqlite_child}")
        comparison, problems = measure(args.threads, args.ids, args.pairs, "SQLite")
        print("RESULT " + json.dumps({"comparison": comparison.__dict__, "problems": problems}))
        return

    setup(os.environ.get("BENCH_DATABASE_URL", PG_URL))
    postgres, pg_problems = measure(args.threads, args.ids, args.pairs, "PostgreSQL")

    with tempfile.TemporaryDirectory() as folder:
        child = subprocess.run(  # noqa: S603 - our own module
            [
                sys.executable,
                "-m",
                "bench.allocation",
                "--sqlite-child",
                f"{folder}/alloc.sqlite3",
                "--threads",
                str(args.threads),
                "--ids",
                str(args.ids),
                "--pairs",
                str(args.pairs),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    print("\n".join(line for line in child.stdout.splitlines() if not line.startswith("RESULT ")))
    result = json.loads(
        next(line for line in child.stdout.splitlines() if line.startswith("RESULT "))[7:]
    )
    sqlite = Comparison(**result["comparison"])
    save(
        "allocation",
        [postgres, sqlite],
        problems={"PostgreSQL": pg_problems, "SQLite": result["problems"]},
    )


if __name__ == "__main__":
    main()
