"""The time limit of the step a case is in: its due time, suspensions, its one extension and
the alarms (reminder, overdue, escalation) still to fire.

One clock runs per case at a time (the case's `current_clock`); a clock stops when the case
leaves its step and is kept, so a case's history of periods stays readable. The due time and
the alarm times are stored, computed when the clock starts or moves: lists filter and sort
on them, and the reminder sweep reads only the clocks whose next alarm has come
(`next_alarm_at`), however many cases there are.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issuers.models import Department
from worktime.days import WorkCalendar
from worktime.models import TimeLimit

from .case import Case

LOCAL = ZoneInfo(settings.TIME_ZONE)


def day_end(day: datetime.date) -> datetime.datetime:
    """The first moment after `day` ends, in the offices' time zone."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), LOCAL)


def day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), LOCAL)


class Step(models.TextChoices):
    """The steps that run against a time limit, and the law that sets it."""

    ACCEPTANCE = "acceptance", _("Acceptance")
    PROVINCIAL_EXAMINATION = "provincial_examination", _("Preliminary examination")
    MINISTRY_REVIEW = "ministry_review", _("Ministry review")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement for the record")
    REGISTRY_FILING = "registry_filing", _("Filing and service of the decision")
    KEYS_AND_PSAM = "keys_and_psam", _("Keys and PSAM cards")
    GENERAL_TEST = "general_test", _("General test")


class ClockState(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    SUSPENDED = "suspended", _("Suspended")


class StepClockQuerySet(models.QuerySet):
    def running(self) -> "StepClockQuerySet":
        return self.filter(stopped_at__isnull=True)

    def in_state(self, state: str, now: datetime.datetime, path: str = "") -> models.Q:
        """A filter for clocks (reached by `path`) in `state` at `now`: column comparisons."""
        p = path
        if state == ClockState.SUSPENDED:
            return models.Q(**{f"{p}suspended_since__isnull": False})
        running = models.Q(**{f"{p}suspended_since__isnull": True, f"{p}stopped_at__isnull": True})
        if state == ClockState.OVERDUE:
            return running & models.Q(**{f"{p}due_at__lte": now})
        if state == ClockState.DUE_SOON:
            return running & models.Q(**{f"{p}remind_at__lte": now, f"{p}due_at__gt": now})
        return running & models.Q(**{f"{p}remind_at__gt": now})


class StepClock(models.Model):
    """The period of one step of one case."""

    Step = Step
    State = ClockState
    # What a list reads of a case's clock (its due column, its export's step, due and state);
    # the rest is left unread where many clocks are loaded at once.
    LIST_FIELDS = (
        "step",
        "unit",
        "due_at",
        "remind_at",
        "suspended_since",
        "extended_by",
        "provisional",
        "stopped_at",
    )

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="clocks")
    step = models.CharField(_("step"), max_length=30, choices=Step.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    # The case's applying department, kept with its clock: an overdue list scoped to a
    # jurisdiction then finds its steps by index instead of joining every overdue clock to
    # its case (bench.scale: 52 ms at 100k cases, 502 ms at a million, for a province).
    applicant = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", editable=False
    )
    started_at = models.DateTimeField(_("started"))
    # The day the period counts from (a deemed acceptance counts from the day of receipt).
    counts_from = models.DateField(_("counts from"))
    # The limit as it was when the step started; a later change of the setting applies to
    # steps started after it.
    amount = models.PositiveIntegerField(_("time limit"))
    unit = models.CharField(_("unit"), max_length=5, choices=TimeLimit.Unit.choices)
    extension_allowed = models.PositiveIntegerField(default=0)
    remind_before = models.PositiveIntegerField(default=3)
    escalate_after = models.PositiveIntegerField(default=2)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    suspended_since = models.DateTimeField(_("suspended since"), null=True, blank=True)
    suspension_reason = models.TextField(_("reason for the suspension"), blank=True)
    suspended_days = models.PositiveIntegerField(default=0)  # in the clock's unit
    extended_by = models.PositiveIntegerField(default=0)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)

    due_at = models.DateTimeField(_("due"))
    remind_at = models.DateTimeField()
    escalate_at = models.DateTimeField()
    provisional = models.BooleanField(_("provisional calendar"), default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    next_alarm_at = models.DateTimeField(null=True, blank=True)
    calendar_version = models.PositiveIntegerField(default=0)  # worktime.CalendarVersion
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)

    objects = StepClockQuerySet.as_manager()

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("time limit of a step")
        verbose_name_plural = _("time limits of steps")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(stopped_at__isnull=True),
                name="one_running_clock_per_case",
            )
        ]
        indexes = [
            # The sweep reads only clocks whose next alarm has come.
            models.Index(
                fields=["next_alarm_at"],
                condition=models.Q(next_alarm_at__isnull=False),
                name="clock_alarms",
            ),
            models.Index(fields=["department", "due_at"], name="clock_department_due"),
            # The overdue list, longest overdue first, whatever the office: nationally, and
            # for the departments of a jurisdiction.
            models.Index(
                fields=["due_at"],
                condition=models.Q(stopped_at__isnull=True, suspended_since__isnull=True),
                name="clock_running_due",
            ),
            models.Index(
                fields=["applicant", "due_at"],
                condition=models.Q(stopped_at__isnull=True, suspended_since__isnull=True),
                name="clock_applicant_due",
            ),
            # Running clocks computed with an older calendar (found after a calendar change).
            models.Index(
                fields=["calendar_version"],
                condition=models.Q(stopped_at__isnull=True),
                name="clock_calendar_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} ({self.case_id}) → {self.due_at:%Y-%m-%d}"

    @classmethod
    def list_deferred(cls, path: str = "") -> list[str]:
        """The clock's fields a list leaves unread, as `defer` arguments from `path`."""
        return [
            f"{path}{field.name}"
            for field in cls._meta.concrete_fields
            if not field.primary_key and field.name not in cls.LIST_FIELDS
        ]

    @property
    def limit_key(self) -> str:
        return f"{self.case.kind}.{self.step}"

    @property
    def in_days(self) -> bool:
        return self.unit == TimeLimit.Unit.WORKING_DAYS

    @property
    def due_date(self) -> datetime.date:
        """The last day of the period (working days), or the due moment's day (hours)."""
        if self.in_days:
            return timezone.localdate(self.due_at - datetime.timedelta(microseconds=1))
        return timezone.localdate(self.due_at)

    @property
    def is_extended(self) -> bool:
        return self.extended_by > 0

    @property
    def may_be_extended(self) -> bool:
        return self.extension_allowed > 0 and not self.is_extended and self.stopped_at is None

    def state(self, now: datetime.datetime) -> str:
        if self.suspended_since is not None:
            return ClockState.SUSPENDED
        if now >= self.due_at:
            return ClockState.OVERDUE
        if now >= self.remind_at:
            return ClockState.DUE_SOON
        return ClockState.ON_TIME

    @property
    def current_state(self) -> ClockState:
        """The state now (for lists, which show many clocks at one moment)."""
        return ClockState(self.state(timezone.now()))

    def left(self, now: datetime.datetime, calendar: WorkCalendar) -> int:
        """Working days (or hours) left: after today up to the due date; negative when late."""
        if self.in_days:
            return calendar.working_days_between(timezone.localdate(now), self.due_date)
        return int((self.due_at - now).total_seconds() // 3600)

    def compute(self, calendar: WorkCalendar, now: datetime.datetime) -> None:
        """Due time and alarm times from the limit, the extension and the suspensions."""
        total = self.amount + self.extended_by + self.suspended_days
        self.calendar_version = calendar.version
        if self.in_days:
            due_day = calendar.add_working_days(self.counts_from, total)
            self.due_at = day_end(due_day)
            self.remind_at = day_start(calendar.subtract_working_days(due_day, self.remind_before))
            self.escalate_at = day_end(calendar.add_working_days(due_day, self.escalate_after))
            self.provisional = calendar.is_provisional(
                self.counts_from, calendar.add_working_days(due_day, self.escalate_after)
            )
        else:
            hour = datetime.timedelta(hours=1)
            self.due_at = self.started_at + total * hour
            self.remind_at = self.due_at - self.remind_before * hour
            self.escalate_at = self.due_at + self.escalate_after * hour
            self.provisional = False
        # An alarm moved to the future may fire again (after an extension, say).
        if self.remind_at > now:
            self.reminded_at = None
        if self.due_at > now:
            self.overdue_at = None
        if self.escalate_at > now:
            self.escalated_at = None
        self.next_alarm_at = self.next_alarm()

    def next_alarm(self) -> datetime.datetime | None:
        if self.stopped_at is not None or self.suspended_since is not None:
            return None
        pending = [
            at
            for at, fired in (
                (self.remind_at, self.reminded_at),
                (self.due_at, self.overdue_at),
                (self.escalate_at, self.escalated_at),
            )
            if fired is None
        ]
        if self.step == Step.ACCEPTANCE:  # no escalation: it is deemed accepted at the due time
            pending = [at for at in pending if at <= self.due_at]
        return min(pending, default=None)
