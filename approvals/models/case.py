"""The case: what every kind of case shares, whichever procedure it follows.

One table holds who applies, the status and when the case was submitted; each kind of case
(an issuance application, a change request, and the kinds to come) adds its own data in a
table of its own (multi-table inheritance). So the timeline, the materials, the issued
documents, jurisdiction, the task lists and viewflow's process all point to one model, and a
new kind of case is its flow and its data, not a branch in every view.
"""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import Max
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from issuers.membership import department_of
from issuers.models import Department

from .timeline import Action, CaseEvent


class Outcome(models.TextChoices):
    PASS = "pass", _("Pass")
    RETURN = "return", _("Return for correction")
    REJECT = "reject", _("Reject")


@dataclass(frozen=True)
class Decision:
    """One outcome of a decision step: the case's next status and its timeline entry."""

    status: str
    action: str
    label: Promise

    @property
    def needs_reasons(self) -> bool:
        """Returning or rejecting tells the applicant why (seed 000; Licensing Law art. 38)."""
        return self.action in (Action.RETURNED, Action.REJECTED)


def examination_and_review(status: type[models.TextChoices]) -> dict[str, dict[str, Decision]]:
    """The decisions of procedure steps 2-3, for a kind of case with these statuses: the
    province's preliminary examination, then the Ministry's review. Each passes the case on,
    returns it for correction or rejects it, the last two with reasons."""
    returned = Decision(status.RETURNED, Action.RETURNED, _("Return for correction"))
    rejected = Decision(status.REJECTED, Action.REJECTED, _("Reject"))
    return {
        status.PROVINCIAL_EXAMINATION: {
            Outcome.PASS: Decision(
                status.MINISTRY_REVIEW, Action.EXAMINATION_PASSED, _("Pass to the Ministry")
            ),
            Outcome.RETURN: returned,
            Outcome.REJECT: rejected,
        },
        status.MINISTRY_REVIEW: {
            Outcome.PASS: Decision(status.APPROVED, Action.APPROVED, _("Approve")),
            Outcome.RETURN: returned,
            Outcome.REJECT: rejected,
        },
    }


class Case(models.Model):
    """A department's case, decided by others. Each kind is a subclass that sets the class
    attributes below and defines its `Status` choices (with at least DRAFT and RETURNED)."""

    REFERENCE_PREFIX = ""
    DETAIL_URL = ""  # the name of the kind's case page
    LIST_URL = ""  # the name of the kind's case list
    # what the kind's list shows besides the case: rows joined, columns never read
    LIST_RELATED: tuple[str, ...] = ()
    LIST_DEFERRED: tuple[str, ...] = ()
    # status of a decision step -> outcome -> Decision
    DECISIONS: dict[str, dict[str, Decision]] = {}
    # the materials (Material.Kind) the kind needs before it can be submitted
    REQUIRED_MATERIALS: tuple[str, ...] = ()
    # status -> the step (models.clock.Step) whose time limit runs while the case is in it
    CLOCKED_STEPS: dict[str, str] = {}
    # the statuses in which a case, on (re)submission, first waits to be accepted (受理)
    ACCEPTED_IN: tuple[str, ...] = ()

    kind = models.CharField(_("kind of case"), max_length=40, editable=False)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="cases", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, editable=False)
    status = models.CharField(_("status"), max_length=12, default="draft", editable=False)
    # When the examining office accepted the (re)submitted case (受理), or it was deemed to.
    accepted_at = models.DateTimeField(_("accepted at"), null=True, editable=False)
    current_clock = models.OneToOneField(
        "approvals.StepClock",
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["kind", "status", "-created"], name="case_list"),
            # The lists' default order, newest first: a national list reads its first page
            # from here instead of sorting every case.
            models.Index(fields=["-created", "-id"], name="case_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.department}"

    def save(self, *args, **kwargs) -> None:
        if not self.kind:
            self.kind = self._meta.model_name
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(self.specific_class.DETAIL_URL, kwargs={"pk": self.pk})

    @property
    def specific_class(self) -> type["Case"]:
        """The kind's model, known without a query even on a plain Case row."""
        return Case._meta.get_field(self.kind).related_model

    @property
    def specific(self) -> "Case":
        """This case as an instance of its kind (one query when read from a plain Case)."""
        if type(self) is not Case:
            return self
        return getattr(self, self.kind)

    @property
    def reference(self) -> str:
        return f"{self.specific_class.REFERENCE_PREFIX}-{self.created:%Y}-{self.pk:06d}"

    def get_status_display(self) -> str:
        return self.specific_class.Status(self.status).label

    @property
    def is_editable(self) -> bool:
        """The applicant edits a draft, and a case returned for correction."""
        status = self.specific_class.Status
        return self.status in (status.DRAFT, status.RETURNED)

    @property
    def needs_provincial_examination(self) -> bool:
        """A municipal bureau's case is examined by its province first (seed 000)."""
        return self.department.needs_provincial_examination

    def status_after_submission(self) -> str:
        """Where a (re)submitted case goes: the route the flow then follows."""
        status = self.specific_class.Status
        if self.needs_provincial_examination:
            return status.PROVINCIAL_EXAMINATION
        return status.MINISTRY_REVIEW

    def clocked_step(self) -> str | None:
        """The step whose time limit runs now: acceptance until the case is accepted."""
        if self.status in self.ACCEPTED_IN and self.accepted_at is None:
            return "acceptance"
        return self.CLOCKED_STEPS.get(self.status)

    def office_for(self, status: str) -> Department:
        """The office whose step the case is in: its province for the preliminary
        examination, else the Ministry."""
        if status == self.specific_class.Status.PROVINCIAL_EXAMINATION:
            return self.department.examining_department()
        return Department.objects.ministry()

    def submission_problems(self) -> list[str]:
        """What stops the case from being submitted, in the applicant's words."""
        problems = []
        missing = self.missing_materials()
        if missing:
            problems.append(
                _("The application cannot be submitted: missing %(materials)s.")
                % {"materials": "; ".join(str(m) for m in missing)}
            )
        if self.needs_provincial_examination and not self.department.examining_department():
            problems.append(_("No provincial department is registered to examine this case."))
        return problems

    def update_route(self) -> None:
        """Bring what the kind derives from its data for routing up to date; called after
        every edit and before the case is checked and (re)submitted."""

    def submission_summary(self) -> str:
        """What the submission's timeline entry says besides the status."""
        return ""

    def is_applicant(self, user: AbstractBaseUser) -> bool:
        """Whether user belongs to the applying side (four-eyes rule)."""
        if user.pk == self.created_by_id:
            return True
        department = department_of(user)
        if department is not None and department.pk == self.department_id:
            return True
        # An official who acted for the applicant stays on that side after moving department.
        return self.events.filter(actor=user, action__in=CaseEvent.APPLICANT_ACTIONS).exists()

    def last_reasons(self) -> CaseEvent | None:
        return (
            self.events.filter(action__in=[Action.RETURNED, Action.REJECTED])
            .order_by("-pk")
            .first()
        )

    def current_materials(self) -> dict[str, "Material"]:
        """The latest version of each material, keyed by kind."""
        latest = list(
            self.materials.values("kind").annotate(top=Max("version")).values_list("kind", "top")
        )
        if not latest:
            return {}
        wanted = models.Q()
        for kind, version in latest:
            wanted |= models.Q(kind=kind, version=version)
        return {m.kind: m for m in self.materials.filter(wanted)}

    def missing_materials(self) -> list[str]:
        present = self.current_materials() if self.REQUIRED_MATERIALS else {}
        labels = dict(Material.Kind.choices)
        return [labels[kind] for kind in self.REQUIRED_MATERIALS if kind not in present]


class CaseProcess(Process):
    """viewflow's bookkeeping for one case, whichever flow it follows."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="process", null=True)

    class Meta:
        verbose_name = _("case process")
        verbose_name_plural = _("case processes")

    def get_case(self) -> Case:
        """The case as an instance of its kind, kept in place of the plain Case row: a task's
        action and the flow's gateways after it then read and write one object."""
        if type(self.case) is Case:
            self.case = self.case.specific
        return self.case


def material_upload_to(instance: "Material", filename: str) -> str:
    # The stored name never comes from the uploader.
    return f"materials/{instance.case_id}/{uuid.uuid4().hex}"


class Material(models.Model):
    """One version of one document a case needs. Replacing a material adds a version."""

    class Kind(models.TextChoices):
        APPLICATION_FORM = "form", _("Issuance registration application form")
        PREPARATIONS = "preparations", _("Statement of preparations")
        FILE_STRUCTURE = "structure", _("Application domains and in-card file structure")
        CARD_SURFACE = "surface", _("Card surface design")
        LOCAL_RULES = "rules", _("Local measures and implementing rules")
        OTHER = "other", _("Other materials required by the Ministry")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="materials")
    kind = models.CharField(_("material"), max_length=12, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(upload_to=material_upload_to)
    # An image of a PDF card surface, made once on upload (approvals.uploads.surface_preview).
    preview = models.FileField(upload_to=material_upload_to, blank=True, db_default="")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "version"], name="one_material_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"
