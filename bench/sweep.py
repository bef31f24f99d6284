"""The reminder sweep: its cost follows the steps that are due, not the number of cases.

    .venv/bin/python -m bench.sweep [--due 200] [--pairs 5] [--small 10000] [--large 100000]

Two PostgreSQL databases, `ssc_bench_sweep_small` and `ssc_bench_sweep_large`, are seeded
once (kept between runs; `--reset` drops them): 10,000 and 100,000 cases, each with a running
clock of the provincial examination (the table a national deployment has, one running clock
per open case), all due far ahead except the same `--due` clocks in both, whose reminder has
come. Each sample re-arms those reminders (their "reminded" mark and next alarm reset, their
notices deleted), then times one `approvals.clocks.sweep(now)`: it reads the due clocks by
the indexed next-alarm column and, per clock under its row lock, tells the officials who can
act (notices, and their e-mails after commit, to a dummy backend).

Rows:

* sweep at 100k against sweep at 10k, the same number due: target <= 1.5x;
* sweep at 100k against the plainest correct sweep at 100k: read every running clock, decide
  in Python which reminders have come, and fire those with the same `_fire` under the same
  row lock (same notices, same rows written): report;
* the same two with nothing due (the sweep's floor, every five minutes): report.
"""

import argparse
import datetime
import os
import subprocess
import sys

from bench.harness import Comparison, compare, save, timed_ms

DATABASES = {"small": "ssc_bench_sweep_small", "large": "ssc_bench_sweep_large"}


def createdb(name: str, reset: bool) -> None:
    base = ["-h", "127.0.0.1", "-U", "postgres"]
    if reset:
        subprocess.run(["dropdb", *base, "--if-exists", name], check=True)  # noqa: S603,S607
    subprocess.run(["createdb", *base, name], capture_output=True, check=False)  # noqa: S603,S607


def use(name: str) -> None:
    """Point Django's default connection at another database (closed, reopened on demand)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def seed(cases: int, due: int) -> None:
    """`cases` cases with a running clock each; `due` of them with their reminder come."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from approvals.models import StepClock

    call_command("migrate", verbosity=0)
    now = timezone.now()
    far = now + datetime.timedelta(days=365)
    if StepClock.objects.filter(stopped_at__isnull=True).count() != cases:
        write_clocks(cases, now, far)
    # Every run: all clocks due far ahead, then the first `due` with their reminder come now.
    StepClock.objects.update(
        due_at=far,
        remind_at=far - datetime.timedelta(days=3),
        escalate_at=far + datetime.timedelta(days=2),
        next_alarm_at=far - datetime.timedelta(days=3),
        reminded_at=None,
    )
    first = StepClock.objects.order_by("pk").values_list("pk", flat=True)[:due]
    StepClock.objects.filter(pk__in=list(first)).update(
        remind_at=now - datetime.timedelta(hours=1),
        due_at=now + datetime.timedelta(days=2),
        escalate_at=now + datetime.timedelta(days=4),
        next_alarm_at=now - datetime.timedelta(hours=1),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def write_clocks(cases: int, now: datetime.datetime, far: datetime.datetime) -> None:
    from approvals.demo import ensure_personas
    from approvals.models import Case, StepClock
    from issuers.divisions import load_divisions
    from issuers.membership import department_of

    load_divisions()
    personas = ensure_personas()
    hangzhou, zhejiang = department_of(personas["hangzhou"]), department_of(personas["zhejiang"])
    batch = 10_000
    for start in range(0, cases, batch):
        count = min(batch, cases - start)
        created = Case.objects.bulk_create(
            Case(
                kind="application",
                department=hangzhou,
                created_by=personas["hangzhou"],
                status="examination",
                submitted_at=now,
                accepted_at=now,
            )
            for _ in range(count)
        )
        StepClock.objects.bulk_create(
            StepClock(
                case=case,
                step="provincial_examination",
                department=zhejiang,
                applicant=hangzhou,
                started_at=now,
                counts_from=now.date(),
                amount=20,
                unit="days",
                due_at=far,
                remind_at=far - datetime.timedelta(days=3),
                escalate_at=far + datetime.timedelta(days=2),
                next_alarm_at=far - datetime.timedelta(days=3),
                calendar_version=10**6,  # never stale: the bench measures the alarms only
            )
            for case in created
        )
        print(f"  {start + count:,} cases", flush=True)


def rearm(due: int) -> None:
    """Make the due reminders come again, as before the first sweep."""
    from approvals.models import Notice, StepClock

    due_clocks = StepClock.objects.filter(remind_at__lt=datetime.datetime.now(datetime.UTC))
    Notice.objects.filter(kind="reminder").delete()
    StepClock.objects.filter(pk__in=due_clocks.values("pk")).update(reminded_at=None)
    for clock in StepClock.objects.filter(pk__in=due_clocks.values("pk")).only("remind_at"):
        StepClock.objects.filter(pk=clock.pk).update(next_alarm_at=clock.remind_at)
    if due_clocks.count() != due:
        raise RuntimeError(f"{due_clocks.count()} reminders armed, {due} wanted")


def plain_sweep(now: datetime.datetime) -> dict[str, int]:
    """The plainest correct sweep: every running clock read and checked in Python; the due
    ones fired as the system does, each under its row lock."""
    from django.db import transaction

    from approvals import clocks
    from approvals.models import StepClock
    from worktime.days import WorkCalendar

    calendar = WorkCalendar.load()
    counts: dict[str, int] = {}
    for clock in StepClock.objects.filter(stopped_at__isnull=True):
        next_alarm = clock.next_alarm()
        if next_alarm is None or next_alarm > now:
            continue
        with transaction.atomic():
            locked = StepClock.objects.select_for_update().select_related("case").get(pk=clock.pk)
            for fired in clocks._fire(locked, now, calendar):
                counts[fired] = counts.get(fired, 0) + 1
    return counts


def sample(database: str, sweep, due: int, expected: dict) -> float:
    from django.utils import timezone

    use(database)
    rearm(due)
    now = timezone.now()
    result = {}
    elapsed = timed_ms(lambda: result.update(sweep(now)))
    if result != expected:
        raise RuntimeError(f"{database}: fired {result}, expected {expected}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--due", type=int, default=200)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DATABASES['small']}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    for name in DATABASES.values():
        createdb(name, args.reset)
    import django

    django.setup()
    from django.conf import settings

    from approvals import clocks

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    for size, cases in (("small", args.small), ("large", args.large)):
        print(f"seeding {DATABASES[size]}: {cases:,} cases, {args.due} due", flush=True)
        use(DATABASES[size])
        seed(cases, args.due)

    due = {"reminder": args.due}
    small, large = DATABASES["small"], DATABASES["large"]
    comparisons: list[Comparison] = [
        compare(
            f"sweep, {args.due} due: {args.large // 1000}k / {args.small // 1000}k clocks",
            lambda: sample(large, clocks.sweep, args.due, due),
            lambda: sample(small, clocks.sweep, args.due, due),
            pairs=args.pairs,
            target="<= 1.5x",
        ),
        compare(
            f"sweep, {args.due} due, {args.large // 1000}k clocks: system / plain full scan",
            lambda: sample(large, clocks.sweep, args.due, due),
            lambda: sample(large, plain_sweep, args.due, due),
            pairs=args.pairs,
            target="report",
        ),
    ]
    nothing = {}

    def idle(database: str, sweep) -> float:
        from django.utils import timezone

        use(database)
        # Before any alarm has come: a minute after the seed's "now" minus the hour.
        now = timezone.now() - datetime.timedelta(hours=2)
        result = {}
        elapsed = timed_ms(lambda: result.update(sweep(now)))
        if result != nothing:
            raise RuntimeError(f"fired {result} with nothing due")
        return elapsed

    comparisons += [
        compare(
            f"sweep, nothing due: {args.large // 1000}k / {args.small // 1000}k clocks",
            lambda: idle(large, clocks.sweep),
            lambda: idle(small, clocks.sweep),
            pairs=args.pairs,
            target="report",
        ),
        compare(
            f"sweep, nothing due, {args.large // 1000}k clocks: system / plain full scan",
            lambda: idle(large, clocks.sweep),
            lambda: idle(large, plain_sweep),
            pairs=args.pairs,
            target="report",
        ),
    ]
    save("sweep", comparisons, due=args.due, small=args.small, large=args.large)


if __name__ == "__main__":
    sys.exit(main())
