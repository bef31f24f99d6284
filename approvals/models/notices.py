"""In-app notifications (the bell) and what each official wants by e-mail.

A notice is stored in no language: its kind and values, rendered in the reader's language
when shown or mailed. Its key is unique per user, so whatever tells twice (a re-delivered
task, two sweeps at once) stores one notice.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from .case import Case
from .clock import Step
from .timeline import Action


class NoticeKind(models.TextChoices):
    NEW_TASK = "new_task", _("A case arrives for my department")
    ASSIGNMENT = "assignment", _("A task is assigned to me")
    REASSIGNMENT = "reassignment", _("A task of mine is reassigned or released")
    RETURN = "return", _("My department's case is returned for correction")
    DECISION = "decision", _("My department's case is decided or accepted")
    EXTENSION = "extension", _("A time limit is extended, suspended or resumed")
    REMINDER = "reminder", _("A step is due soon")
    OVERDUE = "overdue", _("A step is overdue")
    ESCALATION = "escalation", _("A step of my department is overdue (supervisors)")


TEXTS = {
    NoticeKind.NEW_TASK: _("%(case)s awaits your department: %(step)s."),
    NoticeKind.ASSIGNMENT: _("%(by)s assigned you the step %(step)s of %(case)s."),
    NoticeKind.REASSIGNMENT: _("%(case)s: the step %(step)s went from %(from)s to %(to)s."),
    NoticeKind.RETURN: _("%(case)s was returned for correction."),
    NoticeKind.DECISION: _("%(case)s: %(action)s."),
    NoticeKind.EXTENSION: _("%(case)s: %(action)s; now due on %(due)s."),
    NoticeKind.REMINDER: _("%(case)s: %(step)s is due on %(due)s."),
    NoticeKind.OVERDUE: _("%(case)s: %(step)s was due on %(due)s and is overdue."),
    NoticeKind.ESCALATION: _(
        "%(case)s: %(step)s, due on %(due)s, is overdue by %(days)s working days."
    ),
}


class Notice(models.Model):
    Kind = NoticeKind

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=80)
    values = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_notice_per_key")]
        indexes = [
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="unread_notices"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.key}"

    def text(self) -> str:
        """What the notice says, in the active language."""
        values = dict(self.values)
        values["case"] = self.case.reference
        if "status" in values:
            values["step"] = self.case.specific_class.Status(values["status"]).label
        if values.get("step") in Step.values:
            values["step"] = Step(values["step"]).label
        if values.get("action") in Action.values:
            values["action"] = Action(values["action"]).label
        if values.get("due"):
            values["due"] = formats.date_format(datetime.date.fromisoformat(values["due"]))
        values.setdefault("by", "")
        values.setdefault("from", "-")
        values.setdefault("to", "-")
        values.setdefault("days", "")
        return str(TEXTS[self.kind]) % values


class NoticeSettings(models.Model):
    """One official's language for e-mails and the kinds of notice also sent by e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_settings"
    )
    language = models.CharField(_("language of e-mails"), max_length=10, choices=settings.LANGUAGES)
    email_kinds = models.JSONField(_("by e-mail"), default=list)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user)

    @classmethod
    def default_kinds(cls) -> list[str]:
        return list(NoticeKind.values)
