"""Issuer-ID allocation through the real approval path, under concurrent approvals.

    .venv/bin/python -m bench.allocation [--threads 16] [--cases 5] [--pairs 5] [--no-sqlite]

The issuer ID is taken inside the Ministry's approval: the review task's execute transaction
records the decision (status, timeline event), viewflow moves on to `allocate_issuer_id`,
which takes the next serial from the national counter row (issuers.identifiers), writes the
issuer and its registered version 1, then viewflow creates the filing task and the time limit
moves on -- and the counter row stays locked until that transaction commits. So allocation
is measured as it happens: `--threads` officials of the Ministry (16 threads, each with its
own database connection) each approve `--cases` cases at once through
approvals.procedure.decide(case, IssuanceFlow.ministry_review, reviewer, Outcome.PASS), the
in-process path of the review page (take the task, execute it, under the case lock, with the
permission and four-eyes checks).

Baseline: the same approvals' plain writes, one transaction per approval, in the same order
-- status, the APPROVED timeline event (record_event, the same hash chain), the serial taken
the plainest way (`UPDATE issuers_issuerserial SET last_value = last_value + 1 RETURNING`),
the issuer, the application's link to it, the ISSUER_ID_ALLOCATED event, version 1 of the
specification -- without viewflow, checks or time limits. Target: >= 0.5x the baseline's
approvals (= IDs) per second. After every sample: every case approved with an issuer, and over
all issuers of the database 0 duplicate and 0 missing serials, the counter at the last one.

The cases are prepared first, untimed: municipal bureaus (one open application each, as
bench.e2e makes them) apply and their province passes the examination, through the same
procedure; each sample gets fresh cases. Candidate and baseline draw from the same pool.

The same runs on SQLite (a file database, in a child process, because the database is chosen
when Django starts; settings use transaction_mode=IMMEDIATE, timeout 20 s): it must see 0
"database is locked" errors. PostgreSQL database ssc_bench_alloc (BENCH_DATABASE_URL), dropped
and recreated on every run. Background tasks (documents, e-mails) are queued, not run.

Another allocation taken inside an approval (card-number ranges, when the app has them) is
measured the same way: add an Allocation to ALLOCATIONS with its own prepare/approve/plain.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bench.harness import Comparison, compare, save

PG_URL = "postgres://postgres@127.0.0.1:5432/ssc_bench_alloc"
TARGET = ">= 0.5x, 0 duplicates, 0 gaps"


def setup(url: str) -> None:
    """A fresh database (PostgreSQL: dropped and recreated; SQLite: a new file), migrated,
    with the divisions and the demo personas."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="ssc_bench_alloc_"))
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        if "bench" not in name:
            raise SystemExit(f"refusing to drop {name!r}: only *bench* databases")
        for command in (["dropdb", "--if-exists", "--force"], ["createdb"]):
            subprocess.run(  # noqa: S603 - fixed command lines
                [*command, "-h", "127.0.0.1", "-U", "postgres", name],
                check=True,
                capture_output=True,
            )
    import django

    django.setup()
    from django.core.management import call_command

    from approvals.demo import ensure_personas
    from issuers.divisions import load_divisions

    call_command("migrate", verbosity=0)
    load_divisions()
    ensure_personas()
    # Background work (documents, e-mails) is queued for a worker, as in production, not run
    # in the approving thread: the in-memory broker keeps the messages, nobody consumes them.
    from config.celery import app

    app.conf.task_always_eager = False


# --- the work --------------------------------------------------------------------------------


@dataclass
class Allocation:
    """A number taken inside an approval: how to prepare cases, approve one through the
    system, write the same approval plainly, and list the numbers taken so far."""

    name: str
    unit: str
    prepare: Callable[[int], list[int]]  # -> case ids ready to be approved
    approve: Callable[[int, object], None]  # (case id, reviewer) through the system
    plain: Callable[[int, object], None]  # (case id, reviewer) plain writes
    numbers: Callable[[], list[int]]  # every number taken, for the gap check
    counter: Callable[[], int]  # the counter's last value


class Pool:
    """Cases in Ministry review, prepared through the procedure before anything is timed."""

    def __init__(self) -> None:
        self.ready: list[int] = []

    def prepare(self, count: int) -> list[int]:
        from approvals import procedure
        from approvals.flows import IssuanceFlow
        from approvals.models import Outcome
        from bench.e2e import officials

        bureaus, examiners, _ = officials(count)
        if len(bureaus) < count:
            raise SystemExit(f"only {len(bureaus)} bureaus for {count} cases")
        began = time.perf_counter()
        for number, (department, official) in enumerate(bureaus[:count], start=1):
            application = procedure.apply(official)
            examiner = examiners[department.division.code[:2]]
            procedure.decide(
                application, IssuanceFlow.provincial_examination, examiner, Outcome.PASS
            )
            self.ready.append(application.pk)
            if number % 100 == 0:
                print(f"  {number} cases prepared ({time.perf_counter() - began:.0f} s)")
        seconds = time.perf_counter() - began
        print(f"  {count} cases in Ministry review, prepared in {seconds:.0f} s (not timed)")
        return list(self.ready)

    def take(self, count: int) -> list[int]:
        if len(self.ready) < count:
            raise RuntimeError("the prepared cases ran out")
        taken, self.ready = self.ready[:count], self.ready[count:]
        return taken


def approve_through_the_system(case_id: int, reviewer) -> None:
    from approvals import procedure
    from approvals.flows import IssuanceFlow
    from approvals.models import Application, Outcome

    application = Application.objects.get(pk=case_id)
    procedure.decide(application, IssuanceFlow.ministry_review, reviewer, Outcome.PASS)


def approve_plainly(case_id: int, reviewer) -> None:
    """The approval's rows, written plainly in one transaction, in the system's order."""
    from django.db import connection, transaction

    from approvals.models import Action, Application, Material
    from approvals.recording import record_event
    from issuers.identifiers import format_issuer_id
    from issuers.models import CardSpecification, Issuer

    with transaction.atomic():
        application = Application.objects.select_related("department__division").get(pk=case_id)
        before = application.status
        application.status = Application.Status.APPROVED
        application.save(update_fields=["status"])
        record_event(application, Action.APPROVED, by=reviewer, status_before=before)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE issuers_issuerserial SET last_value = last_value + 1 WHERE id = 1 "
                "RETURNING last_value"
            )
            serial = cursor.fetchone()[0]
        department = application.department
        issuer_id = format_issuer_id(department.division.code, serial)
        issuer = Issuer.objects.create(
            issuer_id=issuer_id, serial=serial, department=department, division=department.division
        )
        application.issuer = issuer
        application.save(update_fields=["issuer"])
        record_event(application, Action.ISSUER_ID_ALLOCATED, by=None, detail=issuer_id)
        surface = (
            Material.objects.filter(case=application, kind=Material.Kind.CARD_SURFACE)
            .order_by("-version")
            .first()
        )
        specification = CardSpecification(
            issuer=issuer,
            version=1,
            card_supplier=application.card_supplier,
            card_product=application.card_product,
            cardholder_categories=application.cardholder_categories,
            cardholder_population=application.cardholder_population,
            planned_quantity=application.planned_quantity,
            spec_version=application.spec_version,
            surface_content_type=surface.content_type,
            surface_sha256=surface.sha256,
            file_structure=application.file_structure,
        )
        specification.surface.name = surface.file.name
        specification.surface_preview.name = surface.preview.name
        specification.save()


def issuer_serials() -> list[int]:
    from issuers.models import Issuer

    return list(Issuer.objects.values_list("serial", flat=True))


def issuer_counter() -> int:
    from issuers.models import IssuerSerial

    counter = IssuerSerial.objects.filter(pk=1).first()
    return counter.last_value if counter else 0


POOL = Pool()
ALLOCATIONS = {
    "issuer IDs": Allocation(
        name="issuer IDs",
        unit="approvals/s",
        prepare=POOL.prepare,
        approve=approve_through_the_system,
        plain=approve_plainly,
        numbers=issuer_serials,
        counter=issuer_counter,
    ),
}


# --- running it ------------------------------------------------------------------------------


def reviewers(count: int) -> Iterator[int]:
    """The Ministry's officials (bench.seed gives it 12), in turn, one per thread."""
    from django.contrib.auth import get_user_model

    from issuers.models import Department

    ministry = Department.objects.get(kind=Department.Kind.MINISTRY)
    officials = list(
        get_user_model()
        .objects.filter(membership__department=ministry)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for number in range(count):
        yield officials[number % len(officials)]


def run_threads(
    work: Callable[[int, object], None], batches: list[list[int]], officials: list[int]
) -> tuple[float, int, list[str]]:
    """Each thread approves its batch with its own connection and its own reviewer object;
    returns approvals per second, "database is locked" errors, and other failures."""
    from django.contrib.auth import get_user_model
    from django.db import OperationalError, connections

    locked = 0
    failures: list[str] = []
    done = 0
    guard = threading.Lock()
    start = threading.Barrier(len(batches) + 1)

    def client(batch: list[int], official: int) -> None:
        nonlocal locked, done
        try:
            reviewer = get_user_model().objects.get(pk=official)  # its own object, unshared
        finally:
            start.wait()
        try:
            for case_id in batch:
                try:
                    work(case_id, reviewer)
                except OperationalError as error:
                    if "locked" not in str(error):
                        raise
                    with guard:
                        locked += 1
                else:
                    with guard:
                        done += 1
        except Exception as error:  # noqa: BLE001 - reported, and fails the check
            with guard:
                failures.append(f"{error.__class__.__name__}: {error}")
        finally:
            connections.close_all()

    workers = [
        threading.Thread(target=client, args=(batch, official))
        for batch, official in zip(batches, officials, strict=True)
    ]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    return done / (time.perf_counter() - began), locked, failures


def check(allocation: Allocation, cases: list[int]) -> dict:
    """Every case approved with its issuer; no duplicate, no gap, the counter at the end."""
    from approvals.models import Application

    numbers = sorted(allocation.numbers())
    distinct = len(set(numbers))
    approved = Application.objects.filter(
        pk__in=cases, status=Application.Status.APPROVED, issuer__isnull=False
    ).count()
    return {
        "duplicates": len(numbers) - distinct,
        "gaps": (numbers[-1] - numbers[0] + 1 - distinct) if numbers else 0,
        "counter ahead of the last number": allocation.counter() - (numbers[-1] if numbers else 0),
        "cases not approved": len(cases) - approved,
    }


def measure(
    allocation: Allocation, threads: int, cases: int, pairs: int, label: str
) -> tuple[Comparison, dict]:
    per_sample = threads * cases
    # Warm-up pair, then the pairs, each side with fresh cases.
    allocation.prepare(2 * per_sample * (pairs + 1))
    officials = list(reviewers(threads))
    problems = {
        "duplicates": 0,
        "gaps": 0,
        "counter ahead of the last number": 0,
        "cases not approved": 0,
        "database is locked": 0,
        "failures": [],
    }

    def sample(work: Callable[[int, object], None]) -> Callable[[], float]:
        def run() -> float:
            batch = POOL.take(per_sample)
            rate, locked, failures = run_threads(
                work, [batch[i::threads] for i in range(threads)], officials
            )
            for key, value in check(allocation, batch).items():
                problems[key] += value
            problems["database is locked"] += locked
            problems["failures"] += failures[:3]
            return rate

        return run

    comparison = compare(
        f"{label}: {threads} concurrent approvals x {cases}, {allocation.name}",
        sample(allocation.approve),
        sample(allocation.plain),
        pairs=pairs,
        unit=allocation.unit,
        kind="rate",
        target=TARGET,
    )
    clean = not any(problems.values())
    print(f"  {label}: {'ok' if clean else 'PROBLEMS'} {problems}")
    comparison.extra = {"approvals per sample": per_sample, "problems": problems}
    return comparison, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--cases", type=int, default=5, help="approvals per thread per sample")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--sqlite-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    allocation = ALLOCATIONS["issuer IDs"]

    if args.sqlite_child:
        setup(f"sqlite:///{args.sqlite_child}")
        comparison, problems = measure(allocation, args.threads, args.cases, args.pairs, "SQLite")
        print("RESULT " + json.dumps({"comparison": comparison.__dict__, "problems": problems}))
        return

    setup(os.environ.get("BENCH_DATABASE_URL", PG_URL))
    postgres, pg_problems = measure(allocation, args.threads, args.cases, args.pairs, "PostgreSQL")
    comparisons, problems = [postgres], {"PostgreSQL": pg_problems}

    if not args.no_sqlite:
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
                    "--cases",
                    str(args.cases),
                    "--pairs",
                    str(args.pairs),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
        out = child.stdout.splitlines()
        print("\n".join(line for line in out if not line.startswith("RESULT ")))
        if child.returncode != 0:
            print(child.stderr[-3000:], file=sys.stderr)
            raise SystemExit("the SQLite run failed")
        result = json.loads(next(line for line in out if line.startswith("RESULT "))[7:])
        comparisons.append(Comparison(**result["comparison"]))
        problems["SQLite"] = result["problems"]
    save("allocation", comparisons, problems=problems, threads=args.threads, cases=args.cases)


if __name__ == "__main__":
    main()
