"""The dashboards' figures: what each level answers for, counted over the submitted cases of
its jurisdiction.

`refresh()` counts once per department (one grouped query per measure, whatever the number of
departments) and folds the departments into scopes the way `issuers.access.jurisdiction` does
for submitted cases: the nation (the Ministry), a province with its municipal bureaus, a
bureau alone. Each scope's figures are stored whole (`DashboardFigures`), so the page reads one
row. Celery beat refreshes them every ten minutes; the page says as of when.

Measures (a case counts once it was first submitted; drafts are the applicant's own):
- backlog: cases whose step's time limit runs, by step, and cases returned to the applicant;
- overdue: running, unsuspended limits past their due time;
- received per month (first submission), decided per month (approvals and rejections) and
  the outcomes of decisions (approved, returned, rejected), over the last twelve months;
- cycle time per step: working days from the day the period counted from to the day the step
  ended, less suspended days (art. 45), median and 90th percentile, of steps ended in the last
  twelve months; on-time rate: of those, the share ended by the due time;
- issuers allocated and filed per year.
"""

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import ExtractYear, TruncMonth
from django.http import QueryDict
from django.utils import timezone

from issuers.membership import department_of
from issuers.models import Department, Issuer
from worktime.days import WorkCalendar

from .models import Action, Case, CaseEvent, ClockState, DashboardFigures, StepClock
from .models.clock import LOCAL, Step
from .search import OverdueListing

RETURNED = "returned"  # the status of a case returned to its applicant, in every kind
OUTCOMES = (Action.APPROVED, Action.RETURNED, Action.REJECTED)
DECISIONS = (Action.APPROVED, Action.REJECTED)
MONTHS = 12
# Buckets of the province's examination times against its 20-working-day limit.
EXAMINATION_BUCKETS = ((0, 5), (6, 10), (11, 15), (16, 20), (21, 30), (31, None))


def months_back(today: datetime.date, count: int = MONTHS) -> list[str]:
    """The last `count` months, oldest first, as "YYYY-MM"."""
    year, month = today.year, today.month
    found = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


def window_start(today: datetime.date) -> datetime.datetime:
    first = months_back(today)[0]
    return datetime.datetime(int(first[:4]), int(first[5:]), 1, tzinfo=LOCAL)


def _month(moment: datetime.datetime | datetime.date) -> str:
    return f"{moment:%Y-%m}"


class WorkingDayIndex:
    """Working days between two dates in O(1): the running count of working days per date."""

    def __init__(self, calendar: WorkCalendar, first: datetime.date, last: datetime.date):
        self.first = first
        self.running: list[int] = []
        count, day = 0, first
        while day <= last:
            count += calendar.is_working_day(day)
            self.running.append(count)
            day += datetime.timedelta(days=1)

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after start up to and including end (as WorkCalendar counts)."""
        return self.running[(end - self.first).days] - self.running[(start - self.first).days]


class Tally:
    """One department's (or one scope's) counts, added up across departments."""

    def __init__(self) -> None:
        self.backlog: Counter = Counter()  # step or "returned" -> cases
        self.overdue = 0
        self.received: Counter = Counter()  # month -> cases
        self.outcomes: dict[str, Counter] = {a: Counter() for a in OUTCOMES}  # action -> month
        self.durations: dict[str, list[int]] = defaultdict(list)  # step -> working days
        self.on_time: Counter = Counter()  # step -> steps ended in time
        self.allocated: Counter = Counter()  # year -> issuers
        self.filed: Counter = Counter()
        self.examinations: list[int] = []  # this office's own examinations (a province)

    def add(self, other: "Tally") -> None:
        self.backlog.update(other.backlog)
        self.overdue += other.overdue
        self.received.update(other.received)
        for action in OUTCOMES:
            self.outcomes[action].update(other.outcomes[action])
        for step, values in other.durations.items():
            self.durations[step].extend(values)
        self.on_time.update(other.on_time)
        self.allocated.update(other.allocated)
        self.filed.update(other.filed)

    def figures(self, months: list[str], provinces: dict[str, "Tally"] | None) -> dict:
        decided = [self.outcomes[a][m] for a in DECISIONS for m in months]
        cycle = {}
        for step, values in sorted(self.durations.items()):
            values.sort()
            cycle[step] = {
                "count": len(values),
                "median": statistics.median(values),
                "p90": percentile(values, 90),
                "on_time": self.on_time[step],
            }
        figures = {
            "tiles": {
                "open": sum(self.backlog.values()),
                "overdue": self.overdue,
                "received": sum(self.received[m] for m in months),
                "decided": sum(decided),
            },
            "backlog": dict(self.backlog),
            "months": months,
            "received": [self.received[m] for m in months],
            "decided": [sum(self.outcomes[a][m] for a in DECISIONS) for m in months],
            "outcomes": {a: [self.outcomes[a][m] for m in months] for a in OUTCOMES},
            "cycle": cycle,
            "issuers": {
                str(y): [self.allocated[y], self.filed[y]]
                for y in sorted(set(self.allocated) | set(self.filed))
            },
        }
        if provinces is not None:
            figures["provinces"] = {
                code: {
                    "open": sum(t.backlog.values()),
                    "finished": sum(len(v) for v in t.durations.values()),
                    "on_time": sum(t.on_time.values()),
                }
                for code, t in sorted(provinces.items())
            }
        if self.examinations:
            figures["examinations"] = bucket(self.examinations)
        return figures


def percentile(ordered: list[int], p: int) -> float:
    """The p-th percentile of sorted values, nearest rank (a value that occurred)."""
    rank = max(1, -(-p * len(ordered) // 100))
    return ordered[rank - 1]


def bucket(values: Iterable[int]) -> list[int]:
    counts = [0] * len(EXAMINATION_BUCKETS)
    for value in values:
        for i, (low, high) in enumerate(EXAMINATION_BUCKETS):
            if value >= low and (high is None or value <= high):
                counts[i] += 1
                break
    return counts


def department_tallies(now: datetime.datetime) -> dict[int, Tally]:
    """Each department's counts over its submitted cases: one grouped query per measure."""
    tallies: dict[int, Tally] = defaultdict(Tally)
    today = timezone.localdate(now)
    since = window_start(today)
    submitted = Case.objects.filter(submitted_at__isnull=False)

    running = submitted.filter(current_clock__isnull=False, current_clock__stopped_at__isnull=True)
    for row in running.values("department_id", "current_clock__step").annotate(n=Count("pk")):
        tallies[row["department_id"]].backlog[row["current_clock__step"]] += row["n"]
    returned = submitted.filter(status=RETURNED).values("department_id").annotate(n=Count("pk"))
    for row in returned:
        tallies[row["department_id"]].backlog[RETURNED] += row["n"]
    overdue = running.filter(StepClock.objects.in_state(ClockState.OVERDUE, now, "current_clock__"))
    for row in overdue.values("department_id").annotate(n=Count("pk")):
        tallies[row["department_id"]].overdue += row["n"]

    received = (
        submitted.filter(submitted_at__gte=since)
        .annotate(month=TruncMonth("submitted_at", tzinfo=LOCAL))
        .values("department_id", "month")
        .annotate(n=Count("pk"))
    )
    for row in received:
        tallies[row["department_id"]].received[_month(row["month"])] += row["n"]
    decisions = (
        CaseEvent.objects.filter(action__in=OUTCOMES, at__gte=since)
        .annotate(month=TruncMonth("at", tzinfo=LOCAL))
        .values("case__department_id", "action", "month")
        .annotate(n=Count("pk"))
    )
    for row in decisions:
        tally = tallies[row["case__department_id"]]
        tally.outcomes[row["action"]][_month(row["month"])] += row["n"]

    ended = StepClock.objects.filter(
        stopped_at__gte=since, stopped_at__lte=now, unit="days", case__submitted_at__isnull=False
    ).values_list(
        "case__department_id",
        "department_id",
        "step",
        "counts_from",
        "stopped_at",
        "due_at",
        "suspended_days",
    )
    ended = list(ended)
    if ended:
        first = min(row[3] for row in ended)
        days = WorkingDayIndex(WorkCalendar.load(), first, today)
        for applicant, office, step, counts_from, stopped_at, due_at, suspended in ended:
            taken = max(0, days.between(counts_from, timezone.localdate(stopped_at)) - suspended)
            tally = tallies[applicant]
            tally.durations[step].append(taken)
            tally.on_time[step] += stopped_at <= due_at
            if step == Step.PROVINCIAL_EXAMINATION:
                tallies[office].examinations.append(taken)

    allocated = Issuer.objects.annotate(year=ExtractYear(F("allocated_at"), tzinfo=LOCAL))
    for row in allocated.values("department_id", "year").annotate(n=Count("pk")):
        tallies[row["department_id"]].allocated[row["year"]] += row["n"]
    filed = Issuer.objects.filter(filed_at__isnull=False).annotate(
        year=ExtractYear(F("filed_at"), tzinfo=LOCAL)
    )
    for row in filed.values("department_id", "year").annotate(n=Count("pk")):
        tallies[row["department_id"]].filed[row["year"]] += row["n"]
    return tallies


def refresh(now: datetime.datetime | None = None) -> int:
    """Count everything again and store each scope's figures; returns the scopes stored."""
    now = now or timezone.now()
    months = months_back(timezone.localdate(now))
    tallies = department_tallies(now)
    departments = list(
        Department.objects.filter(
            kind__in=[Department.Kind.PROVINCIAL, Department.Kind.MUNICIPAL]
        ).select_related("division")
    )
    nation, provinces = Tally(), defaultdict(Tally)
    for department in departments:
        tally = tallies.get(department.pk, Tally())
        nation.add(tally)
        if department.division:
            provinces[department.division.code[:2]].add(tally)
    scopes = {DashboardFigures.NATIONAL: nation.figures(months, provinces)}
    for department in departments:
        own = tallies.get(department.pk, Tally())
        if department.kind == Department.Kind.PROVINCIAL and department.division:
            scope = Tally()
            scope.add(own)
            scope.examinations = own.examinations
            prefix = department.division.code[:2]
            bureaus: dict[str, Tally] = {}
            for other in departments:
                if (
                    other.kind == Department.Kind.MUNICIPAL
                    and other.division
                    and other.division.code.startswith(prefix)
                ):
                    scope.add(tallies.get(other.pk, Tally()))
                    bureaus[other.division.code] = tallies.get(other.pk, Tally())
            figures = scope.figures(months, None)
            figures["bureaus"] = {
                code: {
                    "open": sum(t.backlog.values()),
                    "finished": sum(len(v) for v in t.durations.values()),
                    "on_time": sum(t.on_time.values()),
                }
                for code, t in sorted(bureaus.items())
            }
        else:
            figures = own.figures(months, None)
        scopes[DashboardFigures.scope_of_department(department.pk)] = figures
    with transaction.atomic():
        DashboardFigures.objects.all().delete()
        DashboardFigures.objects.bulk_create(
            DashboardFigures(scope=scope, figures=figures, computed_at=now)
            for scope, figures in scopes.items()
        )
    return len(scopes)


def scope_of(user) -> str | None:
    """The scope whose figures user's dashboard shows: the nation for the Ministry (and the
    superuser), its own for a province (with its bureaus) or a bureau; none for others."""
    if user.is_superuser:
        return DashboardFigures.NATIONAL
    department = department_of(user)
    if department is None:
        return None
    if department.kind == Department.Kind.MINISTRY:
        return DashboardFigures.NATIONAL
    if department.kind in (Department.Kind.PROVINCIAL, Department.Kind.MUNICIPAL):
        return DashboardFigures.scope_of_department(department.pk)
    return None


def figures_for(user) -> DashboardFigures | None:
    scope = scope_of(user)
    if scope is None:
        return None
    stored = DashboardFigures.objects.filter(scope=scope).first()
    if stored is None:  # never computed yet (a new installation): count now
        refresh()
        stored = DashboardFigures.objects.filter(scope=scope).first()
    return stored


def overdue_steps(user, limit: int = 10) -> list[StepClock]:
    """The longest overdue running limits on cases user may see (live, not the snapshot)."""
    return list(OverdueListing(user, QueryDict()).clocks[:limit])


def waiting_cases(user, limit: int = 20) -> list[Case]:
    """A bureau's own open cases, and what each waits for since when: the office whose step
    runs (live), or the bureau itself for a case returned to it."""
    department = department_of(user)
    if department is None:
        return []
    return list(
        Case.objects.filter(department=department, submitted_at__isnull=False)
        .filter(
            Q(current_clock__isnull=False, current_clock__stopped_at__isnull=True)
            | Q(status=RETURNED)
        )
        .select_related("current_clock__department")
        .order_by("-created")[:limit]
    )
