"""What the system issues about a case: documents kept as issued, and e-mails sent once."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .case import Case
from .timeline import CaseEvent


class CaseDocument(models.Model):
    """A document the system issued for a case, rendered once (in the background) and kept
    as issued: later downloads serve these bytes, not a fresh rendering."""

    class Kind(models.TextChoices):
        DECISION_LETTER = "decision", _("Decision letter")
        FILING_FORM = "filing_form", _("Filing form")
        CHANGE_DECISION = "change", _("Change decision")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to="documents/%Y/", editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    # A document reissued after a correction is a new edition; the earlier ones are kept.
    edition = models.PositiveSmallIntegerField(_("edition"), default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        constraints = [
            # One of each kind and edition per case: a re-delivered rendering task finds it
            # already there.
            models.UniqueConstraint(
                fields=["kind", "case", "edition"], name="one_edition_of_a_kind_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.case})"


class Notification(models.Model):
    """The e-mail about one timeline event; recorded so that a re-delivered task sends it once."""

    event = models.OneToOneField(CaseEvent, on_delete=models.PROTECT, related_name="notification")
    recipients = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.event} → {self.recipients or '-'}"
