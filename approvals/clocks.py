"""The statutory time limits of a case's steps (Administrative Licensing Law), as actions.

- art. 82: limits count working days (worktime.days).
- art. 32: on receipt the examining office accepts (受理) or, within 5 working days, tells the
  applicant once and completely what to supplement; silent, the case counts as accepted from
  the day of receipt (`deem_accepted`, fired by the sweep).
- art. 43: the province's preliminary examination, 20 working days from acceptance.
- art. 42: the Ministry's decision, 20 working days; its head may extend once by 10 (`extend`).
- art. 45: testing, expert review and hearings do not count (`suspend` / `resume`).
- art. 44: the decision is served within 10 working days (the filing step after approval).
- A case returned to the applicant has no clock; its resubmission starts the step again.

Each step's limit is a `worktime.TimeLimit` row (admin-editable; the defaults and their
articles are written by migration approvals 0013). `follow` is called by every action that
changes a case's status; the sweep (celery beat) fires reminders, overdue notices,
escalations and deemed acceptances, reading only the clocks whose next alarm has come.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from issuers.membership import (
    addressee,
    department_of,
    is_supervisor,
    members_of,
    supervisors_of,
)
from worktime.days import WorkCalendar
from worktime.models import TimeLimit

from . import tasks
from .models import Action, Case, CaseEvent, ClockState, Notice, Step, StepClock
from .recording import ActionRefused, record_event
from .statutory_limits import defaults_for

Kind = Notice.Kind


def limit_for(case: Case, step: str) -> TimeLimit:
    """The step's limit as set in the admin (the statutory default if its row is missing)."""
    key = f"{case.kind}.{step}"
    return TimeLimit.objects.get_or_create(step=key, defaults=defaults_for(key))[0]


def running_clock(case: Case, *, lock: bool = False) -> StepClock | None:
    clocks = StepClock.objects.filter(case_id=case.pk, stopped_at__isnull=True)
    if lock:
        clocks = clocks.select_for_update()
    return clocks.first()


def _clock_detail(clock: StepClock, **extra: object) -> str:
    return CaseEvent.pack_detail(
        {
            "t": "clock",
            "step": clock.step,
            "due": clock.due_date.isoformat(),
            "n": clock.amount + clock.extended_by,
            "u": clock.unit,
            **({"prov": True} if clock.provisional else {}),
            **extra,
        }
    )


def start(
    case: Case,
    step: str,
    *,
    now: datetime.datetime,
    counts_from: datetime.date | None = None,
    calendar: WorkCalendar | None = None,
) -> StepClock:
    limit = limit_for(case, step)
    clock = StepClock(
        case=case,
        step=step,
        department=case.office_for(case.status),
        applicant_id=case.department_id,
        started_at=now,
        counts_from=counts_from or timezone.localdate(now),
        amount=limit.amount,
        unit=limit.unit,
        extension_allowed=limit.extension,
        remind_before=limit.remind_before,
        escalate_after=limit.escalate_after,
        legal_basis=limit.legal_basis,
    )
    clock.compute(calendar or WorkCalendar.load(), now)
    clock.save()
    case.current_clock = clock
    case.save(update_fields=["current_clock"])
    record_event(case, Action.CLOCK_STARTED, by=None, detail=_clock_detail(clock))
    return clock


def follow(
    case: Case, *, now: datetime.datetime | None = None, counts_from: datetime.date | None = None
) -> StepClock | None:
    """After the case's status or acceptance changed: stop the clock of the step it left and
    start the clock of the step it is in now (if that step has a time limit)."""
    now = now or timezone.now()
    wanted = case.clocked_step()
    running = running_clock(case, lock=True)
    if running is not None and running.step == wanted:
        return running
    if running is not None:
        running.stopped_at = now
        running.next_alarm_at = None
        running.save(update_fields=["stopped_at", "next_alarm_at"])
    if wanted is None:
        case.current_clock = None
        case.save(update_fields=["current_clock"])
        return None
    return start(case, wanted, now=now, counts_from=counts_from)


def _tell_applicant(case: Case, kind: str, key: str, values: dict) -> None:
    tasks.tell(members_of(case.department), kind, case, key, values)


@transaction.atomic
def accept(case: Case, *, by: AbstractBaseUser) -> StepClock | None:
    """The examining office accepts the case (受理): the acceptance notice goes on the
    timeline and to the applicant, and the examination's own period starts."""
    clock = running_clock(case, lock=True)
    if clock is None or clock.step != Step.ACCEPTANCE:
        raise ActionRefused(_("This case is not awaiting acceptance."))
    # The step the case is in, as stored under the clock's lock, not as the caller last saw it.
    case.refresh_from_db(fields=["status", "accepted_at"])
    if department_of(by) != clock.department or case.is_applicant(by):
        raise ActionRefused(_("Only the examining office accepts a case."))
    now = timezone.now()
    case.accepted_at = now
    case.save(update_fields=["accepted_at"])
    event = record_event(case, Action.ACCEPTED, by=by)
    _tell_applicant(case, Kind.DECISION, f"event:{event.pk}", {"action": Action.ACCEPTED})
    return follow(case, now=now)


def deem_accepted(clock: StepClock, now: datetime.datetime) -> None:
    """Art. 32: no answer within the acceptance period, so the case counts as accepted from
    the day it was received, and the examination's period counts from that day too."""
    case = clock.case.specific
    case.accepted_at = clock.started_at
    case.save(update_fields=["accepted_at"])
    event = record_event(
        case, Action.DEEMED_ACCEPTED, by=None, detail=CaseEvent.pack_detail({"t": "deemed"})
    )
    _tell_applicant(case, Kind.DECISION, f"event:{event.pk}", {"action": Action.DEEMED_ACCEPTED})
    follow(case, now=now, counts_from=timezone.localdate(clock.started_at))


def _supervised_clock(case: Case, by: AbstractBaseUser) -> StepClock:
    clock = running_clock(case, lock=True)
    if clock is None:
        raise ActionRefused(_("No time limit is running for this case."))
    if not is_supervisor(by, clock.department):
        raise ActionRefused(
            _("Only a supervisor of %(office)s may do this.") % {"office": clock.department}
        )
    return clock


def _required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("Please give the reason."), field="reason")
    return reason


def _tell_about_clock(case: Case, clock: StepClock, event: CaseEvent, action: str) -> None:
    values = {"action": action, "due": clock.due_date.isoformat()}
    users = list(members_of(case.department)) + actors(clock)
    tasks.tell(users, Kind.EXTENSION, case, f"event:{event.pk}", values)


@transaction.atomic
def suspend(case: Case, *, by: AbstractBaseUser, reason: str) -> StepClock:
    """Art. 45: testing, expert review or a hearing stops the clock, with its reason."""
    clock = _supervised_clock(case, by)
    reason = _required(reason)
    if clock.step == Step.ACCEPTANCE:
        raise ActionRefused(_("A case is accepted or returned before its time can be suspended."))
    if clock.suspended_since is not None:
        raise ActionRefused(_("The time limit is already suspended."))
    clock.suspended_since = timezone.now()
    clock.suspension_reason = reason
    clock.next_alarm_at = None
    clock.save()
    event = record_event(case, Action.SUSPENDED, by=by, reason=reason, detail=_clock_detail(clock))
    _tell_about_clock(case, clock, event, Action.SUSPENDED)
    return clock


@transaction.atomic
def resume(case: Case, *, by: AbstractBaseUser, reason: str = "") -> StepClock:
    """The suspension ends: the working days it lasted are added to the period."""
    clock = _supervised_clock(case, by)
    if clock.suspended_since is None:
        raise ActionRefused(_("The time limit is not suspended."))
    now = timezone.now()
    calendar = WorkCalendar.load()
    if clock.in_days:
        lasted = calendar.working_days_between(
            timezone.localdate(clock.suspended_since), timezone.localdate(now)
        )
    else:
        lasted = -(-int((now - clock.suspended_since).total_seconds()) // 3600)
    clock.suspended_days += max(lasted, 0)
    clock.suspended_since = None
    clock.compute(calendar, now)
    clock.save()
    event = record_event(
        case, Action.RESUMED, by=by, reason=reason.strip(), detail=_clock_detail(clock, d=lasted)
    )
    _tell_about_clock(case, clock, event, Action.RESUMED)
    return clock


@transaction.atomic
def extend(case: Case, *, by: AbstractBaseUser, reason: str) -> StepClock:
    """Art. 42: the head of the deciding office extends its period once, by the step's
    extension, and the applicant is told why."""
    clock = _supervised_clock(case, by)
    reason = _required(reason)
    if clock.extension_allowed == 0:
        raise ActionRefused(_("This step's time limit cannot be extended."))
    if clock.is_extended:
        raise ActionRefused(_("The time limit was already extended once."))
    clock.extended_by = clock.extension_allowed
    clock.extension_reason = reason
    clock.compute(WorkCalendar.load(), timezone.now())
    clock.save()
    event = record_event(case, Action.EXTENDED, by=by, reason=reason, detail=_clock_detail(clock))
    _tell_about_clock(case, clock, event, Action.EXTENDED)
    return clock


def open_task(case: Case) -> Task | None:
    """The case's open human step (one at a time in these procedures)."""
    return (
        Task.objects.filter(
            process__caseprocess__case=case,
            flow_task_type="HUMAN",
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
        )
        .select_related("owner")
        .first()
    )


def actors(clock: StepClock) -> list[AbstractBaseUser]:
    """Who can act on the clock's step: the official holding its task (or the substitute
    while that official is away), else every member of the office."""
    task = open_task(clock.case)
    if task is not None and task.owner is not None:
        return [addressee(task.owner)]
    return list(members_of(clock.department))


def _fire(clock: StepClock, now: datetime.datetime, calendar: WorkCalendar) -> list[str]:
    """The clock's alarms that have come, each once: the caller holds the clock's row lock."""
    fired = []
    case = clock.case
    values = {"step": clock.step, "due": clock.due_date.isoformat()}
    if clock.step == Step.ACCEPTANCE and now >= clock.due_at:
        deem_accepted(clock, now)
        return ["deemed"]
    if clock.reminded_at is None and now >= clock.remind_at:
        clock.reminded_at = now
        if now < clock.due_at:
            tasks.tell(actors(clock), Kind.REMINDER, case, f"clock:{clock.pk}:reminder", values)
            fired.append("reminder")
    if clock.overdue_at is None and now >= clock.due_at:
        clock.overdue_at = now
        record_event(case.specific, Action.OVERDUE, by=None, detail=_clock_detail(clock))
        tasks.tell(actors(clock), Kind.OVERDUE, case, f"clock:{clock.pk}:overdue", values)
        fired.append("overdue")
    if clock.escalated_at is None and now >= clock.escalate_at:
        clock.escalated_at = now
        late = calendar.working_days_between(clock.due_date, timezone.localdate(now))
        tasks.tell(
            supervisors_of(clock.department),
            Kind.ESCALATION,
            case,
            f"clock:{clock.pk}:escalation",
            {**values, "days": late},
        )
        fired.append("escalation")
    clock.next_alarm_at = clock.next_alarm()
    clock.save(update_fields=["reminded_at", "overdue_at", "escalated_at", "next_alarm_at"])
    return fired


def alarms_due(now: datetime.datetime) -> QuerySet[StepClock]:
    return StepClock.objects.filter(next_alarm_at__lte=now).order_by("next_alarm_at")


def sweep(now: datetime.datetime | None = None, *, batch: int = 500) -> dict[str, int]:
    """Fire the alarms that have come. Each clock is handled in its own transaction under
    its row lock, skipping a clock another sweep holds, and re-read under the lock: two
    sweeps at once, or one run twice, fire each alarm once."""
    now = now or timezone.now()
    calendar = WorkCalendar.load()
    counts: dict[str, int] = {}
    recompute_stale(calendar, now)
    for pk in list(alarms_due(now).values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            clock = (
                StepClock.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, next_alarm_at__lte=now, stopped_at__isnull=True)
                .select_related("case", "department")
                .first()
            )
            if clock is None:
                continue
            for fired in _fire(clock, now, calendar):
                counts[fired] = counts.get(fired, 0) + 1
    return counts


def recompute_stale(calendar: WorkCalendar, now: datetime.datetime) -> int:
    """Running clocks computed with an older calendar (holidays changed, a year loaded)
    get their due and alarm times again."""
    stale = StepClock.objects.filter(stopped_at__isnull=True, calendar_version__lt=calendar.version)
    count = 0
    for pk in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            clock = StepClock.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if clock is None or clock.calendar_version >= calendar.version:
                continue
            clock.compute(calendar, now)
            clock.save()
            count += 1
    return count


def provisional_years() -> list[int]:
    """Years that running deadlines reach without a loaded calendar (admins are told)."""
    loaded = WorkCalendar.load().loaded_years
    this_year = timezone.localdate().year
    latest = StepClock.objects.filter(stopped_at__isnull=True, provisional=True).aggregate(
        latest=Max("escalate_at")
    )["latest"]
    last_year = timezone.localdate(latest).year if latest else this_year
    return [year for year in range(this_year, last_year + 1) if year not in loaded]


def clock_panel(case: Case, user: AbstractBaseUser) -> dict | None:
    """What a case or task page shows of the running time limit, and what user may do."""
    clock = (
        StepClock.objects.filter(pk=case.current_clock_id).select_related("department").first()
        if case.current_clock_id
        else None
    )
    if clock is None:
        return None
    now = timezone.now()
    supervisor = is_supervisor(user, clock.department)
    state = clock.state(now)
    left = clock.left(now, WorkCalendar.load())
    return {
        "clock": clock,
        "state": state,
        "state_label": ClockState(state).label,
        "left": left,
        "late": -left if left < 0 else 0,
        "may_accept": clock.step == Step.ACCEPTANCE
        and department_of(user) == clock.department
        and not case.is_applicant(user),
        "may_suspend": supervisor
        and state != ClockState.SUSPENDED
        and clock.step != Step.ACCEPTANCE,
        "may_resume": supervisor and state == ClockState.SUSPENDED,
        "may_extend": supervisor and clock.may_be_extended,
    }
