"""What the system issues about a case: documents kept as issued, and e-mails sent once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from issuers.models import Department

from .case import Case
from .timeline import CaseEvent


class CaseDocument(models.Model):
    """A document the system issued for a case: numbered, signed and kept as issued (later
    downloads serve these bytes, not a fresh rendering), and verifiable by anyone through its
    code. What the verification page shows is what these fields say: the document's face."""

    class Kind(models.TextChoices):
        ACCEPTANCE_NOTICE = "acceptance", _("Acceptance notice")
        SUPPLEMENT_NOTICE = "supplement", _("Notice to supplement materials")
        DECISION_LETTER = "decision", _("Approval decision")
        REJECTION = "rejection", _("Rejection decision")
        EXTENSION_NOTICE = "extension", _("Extension notice")
        FILING_FORM = "filing_form", _("Filing form")
        CHANGE_DECISION = "change", _("Change decision")
        AUTHORISATION = "authorised", _("Notice of authorisation to issue")

    class Standing(models.TextChoices):
        VALID = "valid", _("Valid")
        SUPERSEDED = "superseded", _("Superseded by a corrected reissue")
        REVOKED = "revoked", _("Revoked")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    # The timeline entry that called for the document (empty on documents issued before
    # documents were numbered).
    event = models.ForeignKey(
        CaseEvent, on_delete=models.PROTECT, null=True, related_name="documents"
    )
    file = models.FileField(upload_to="documents/%Y/", editable=False)
    # Of the bytes served: the signed PDF.
    sha256 = models.CharField(max_length=64, editable=False)
    # A document reissued after a correction is a new edition; the earlier ones are kept.
    edition = models.PositiveSmallIntegerField(_("edition"), default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # The face of the document.
    office = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("office")
    )
    number = models.CharField(_("document number"), max_length=80, blank=True)
    issued_on = models.DateField(_("date"), null=True)
    addressee = models.CharField(_("addressee"), max_length=200, blank=True)
    copy_to = models.CharField(_("copy to"), max_length=200, blank=True)
    issuer_id = models.CharField(_("issuer ID"), max_length=32, blank=True)
    # The short code printed under the QR code; unguessable, so the public page can only be
    # reached from the document itself.
    verification_code = models.CharField(max_length=24, unique=True, null=True, editable=False)
    # The audit chain's head when the document was issued, printed on it.
    chain_sequence = models.PositiveBigIntegerField(null=True, editable=False)
    chain_hash = models.CharField(max_length=64, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)

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
        return f"{self.get_kind_display()} {self.number or ''} ({self.case})".replace("  ", " ")

    def later_edition(self) -> "CaseDocument | None":
        """The corrected reissue that replaces this one, if any."""
        return (
            CaseDocument.objects.filter(
                kind=self.kind, case_id=self.case_id, edition__gt=self.edition
            )
            .order_by("edition")
            .first()
        )

    @property
    def standing(self) -> str:
        if self.revoked_at is not None:
            return self.Standing.REVOKED
        # Only the filing form is reissued after a correction; a second notice to supplement
        # is a new notice, not a corrected one.
        if self.kind == self.Kind.FILING_FORM and self.later_edition() is not None:
            return self.Standing.SUPERSEDED
        return self.Standing.VALID


class DocumentSerial(models.Model):
    """The counter behind one office's document numbers in one year: a row per office and
    year, incremented in the transaction that issues the document, so numbers have no gaps
    and are never given twice."""

    office = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="one_serial_per_office_year")
        ]

    def __str__(self) -> str:
        return f"{self.office} {self.year}: {self.last_number}"


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
