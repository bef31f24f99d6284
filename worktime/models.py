"""The working-day calendar and the time limits of the procedures' steps.

Administrative Licensing Law art. 82: time limits count working days, which are Monday to
Friday except the statutory holidays, plus the weekend days the State Council makes working
days (调休). The table holds only the exceptions to Monday-Friday, and which years are loaded:
a year not loaded is still computed (Monday-Friday) but any deadline reaching it is provisional.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarVersion(models.Model):
    """A counter raised by every change of the calendar: deadlines computed with an older
    number are computed again (the clocks' sweep looks for them)."""

    number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.number)

    @classmethod
    def bump(cls) -> None:
        cls.objects.get_or_create(pk=1)
        cls.objects.filter(pk=1).update(number=models.F("number") + 1)

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(pk=1).values_list("number", flat=True).first() or 0


class CalendarChange(models.Model):
    """A calendar row whose saving and deleting raise the calendar's version."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        CalendarVersion.bump()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        CalendarVersion.bump()
        return result


class CalendarYear(CalendarChange):
    """A year whose holidays and make-up working days are loaded."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=100)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(CalendarChange):
    """A day that breaks the Monday-Friday rule: a weekday holiday, or a weekend working day."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"),
        help_text=_("Ticked: a make-up working day (调休) on a weekend. Clear: a holiday."),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class TimeLimit(models.Model):
    """The time limit of one step of a procedure; changing it applies to steps started later
    (a running step keeps the limit it started with)."""

    class Unit(models.TextChoices):
        WORKING_DAYS = "days", _("working days")
        HOURS = "hours", _("calendar hours")

    step = models.CharField(_("step"), max_length=60, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    amount = models.PositiveIntegerField(_("time limit"))
    unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices)
    extension = models.PositiveIntegerField(
        _("extension"),
        default=0,
        help_text=_("How much the office's head may extend the limit, once (0: no extension)."),
    )
    remind_before = models.PositiveIntegerField(
        _("remind before"),
        default=3,
        help_text=_("Remind the officials who can act this long before the due date."),
    )
    escalate_after = models.PositiveIntegerField(
        _("escalate after"),
        default=2,
        help_text=_("Tell the department's supervisors when the step is overdue by this much."),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300, editable=False)

    class Meta:
        ordering = ["step"]
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")

    def __str__(self) -> str:
        return f"{self.title}: {self.amount} {self.get_unit_display()}"
