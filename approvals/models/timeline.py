"""The case timeline: who did what to a case, when and why. Append-only and hash-chained.

Each event's hash covers the previous one's, so an altered, removed or inserted row is found by
`manage.py verify_audit` (approvals.audit); a rewrite that recomputes every later hash and the
head is found by the signed checkpoints (AuditCheckpoint). Writers take the chain head's row
lock, so concurrent transactions still build one chain. The head is locked, read and written
inside the caller's transaction, without a savepoint of its own: an event that fails to insert
rolls the whole action back, head included.
"""

import hashlib
import json

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GENESIS = "0" * 64


class Action(models.TextChoices):
    CREATED = "created", _("Draft created")
    EDITED = "edited", _("Edited")
    MATERIAL_UPLOADED = "material", _("Material uploaded")
    SUBMITTED = "submitted", _("Submitted")
    RESUBMITTED = "resubmitted", _("Resubmitted after correction")
    EXAMINATION_PASSED = "examined", _("Passed the provincial examination")
    RETURNED = "returned", _("Returned for correction")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved by the Ministry")
    ISSUER_ID_ALLOCATED = "allocated", _("Issuer ID allocated")
    FILED = "filed", _("Filed with the National IC Card Registration Center")
    FILING_CORRECTED = "refiled", _("Filing record corrected")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged for the record")
    VERSION_CREATED = "version", _("New registered version in force")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ACCEPTED = "accepted", _("Accepted (acceptance notice)")
    DEEMED_ACCEPTED = "deemed", _("Deemed accepted: no answer within the time limit")
    CLOCK_STARTED = "clock", _("Time limit started")
    SUSPENDED = "suspended", _("Time limit suspended")
    RESUMED = "resumed", _("Time limit resumed")
    EXTENDED = "extended", _("Time limit extended")
    OVERDUE = "overdue", _("Time limit passed")
    ASSIGNED = "assigned", _("Task assigned")
    RELEASED = "released", _("Task released to the queue")
    REASSIGNED = "reassigned", _("Task reassigned")
    TAKEN_OVER = "taken_over", _("Task taken over by the substitute")
    DOCUMENT_ISSUED = "issued", _("Document issued")
    DOCUMENT_REVOKED = "revoked", _("Document revoked")
    RETEST_REQUIRED = "retest", _("General test required again")
    KEYS_ISSUED = "keys", _("Keys issued")
    PSAM_ISSUED = "psam", _("PSAM cards issued")
    TEST_APPLIED = "test_applied", _("Applied for the general test")
    TEST_PASSED = "test_passed", _("General test passed")
    TEST_FAILED = "test_failed", _("General test failed")
    AUTHORISED = "authorised", _("Authorised to issue")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The case timeline is append-only.")

    def delete(self):
        raise PermissionError("The case timeline is append-only.")


class CaseEvent(models.Model):
    """One entry of a case's timeline."""

    Action = Action
    # What only the applying side does; whoever did any of it may not decide the case.
    APPLICANT_ACTIONS = (
        Action.CREATED,
        Action.EDITED,
        Action.MATERIAL_UPLOADED,
        Action.SUBMITTED,
        Action.RESUBMITTED,
        Action.WITHDRAWN,
        Action.TEST_APPLIED,
    )

    case = models.ForeignKey("approvals.Case", on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("time"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_department = models.CharField(_("department"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    status_before = models.CharField(max_length=12, blank=True)
    status_after = models.CharField(max_length=12, blank=True)
    reason = models.TextField(_("reason or comment"), blank=True)
    # Codes and values (models/event_details.py), whole: an edit's old and new values are
    # inside the hash chain, however long.
    detail = models.TextField(_("detail"), blank=True)
    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("The case timeline is append-only.")
        with transaction.atomic(savepoint=False):
            AuditChainHead.append(self)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The case timeline is append-only.")

    @staticmethod
    def pack_detail(detail: dict) -> str:
        """A detail of codes and values, as stored (models/event_details.py renders it)."""
        return json.dumps(detail, ensure_ascii=False, separators=(",", ":"))

    def get_status_after_display(self) -> str:
        return self.case.specific_class.Status(self.status_after).label

    def digest(self) -> str:
        """The hash of this event's content and of the event before it."""
        content = [
            self.sequence,
            self.prev_hash,
            self.case_id,
            self.at.isoformat(),
            self.actor_id,
            self.actor_department,
            self.action,
            self.status_before,
            self.status_after,
            self.reason,
            self.detail,
        ]
        encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
        return hashlib.sha256(encoded).hexdigest()


class AuditChainHead(models.Model):
    """The end of the timeline's hash chain; its row lock orders concurrent writers."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"#{self.last_sequence}"

    @classmethod
    @transaction.atomic(savepoint=False)
    def append(cls, event: CaseEvent) -> None:
        """Give a new event its place in the chain; the caller then inserts it."""
        head = cls.objects.select_for_update().filter(pk=1).first()
        if head is None:  # the very first event
            cls.objects.get_or_create(pk=1)
            head = cls.objects.select_for_update().get(pk=1)
        event.at = timezone.now()
        event.sequence = head.last_sequence + 1
        event.prev_hash = head.last_hash
        event.hash = event.digest()
        head.last_sequence = event.sequence
        head.last_hash = event.hash
        head.save(update_fields=["last_sequence", "last_hash"])


class AuditCheckpoint(models.Model):
    """The chain's head at one moment, signed with the office key (approvals.audit).

    The key is not in the database and each checkpoint is also a line in a file store outside
    it, so whoever rewrites events and recomputes every later hash and the head still
    disagrees with the checkpoints written before: `manage.py verify_audit` names the range.
    """

    sequence = models.PositiveBigIntegerField(db_index=True)
    hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    signature = models.TextField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash[:12]}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("Audit checkpoints are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit checkpoints are append-only.")
