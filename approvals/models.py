import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from issuers.models import Department

from . import audit


class CaseRules:
    """What applications and change requests share: both are a department's case,
    decided by others and carrying a timeline (`events`)."""

    def is_applicant(self, user: "settings.AUTH_USER_MODEL") -> bool:
        """Whether user belongs to the applying side (four-eyes rule)."""
        from .access import department_of

        if user.pk == self.created_by_id:
            return True
        department = department_of(user)
        if department is not None and department.pk == self.department_id:
            return True
        # An official who acted for the applicant stays on that side after moving department.
        return self.events.filter(actor=user, action__in=CaseEvent.APPLICANT_ACTIONS).exists()

    def last_reasons(self) -> "CaseEvent | None":
        return (
            self.events.filter(action__in=[CaseEvent.Action.RETURNED, CaseEvent.Action.REJECTED])
            .order_by("-pk")
            .first()
        )


class Application(CaseRules, models.Model):
    """An application to issue social security cards (发行注册申请), one per case."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROVINCIAL_EXAMINATION = "examination", _("Awaiting provincial examination")
        MINISTRY_REVIEW = "review", _("Awaiting Ministry review")
        RETURNED = "returned", _("Returned for correction")
        REJECTED = "rejected", _("Rejected")
        APPROVED = "approved", _("Approved, awaiting filing")
        FILED = "filed", _("Filed with the registration centre")

    class SpecVersion(models.TextChoices):
        V1 = "1.00", "1.00"
        V2 = "2.00", "2.00"
        V3 = "3.00", "3.00"

    # Editable by the applicant while the case is a draft or returned for correction.
    EDITABLE_FIELDS = [
        "contact_person",
        "contact_phone",
        "cardholder_population",
        "planned_quantity",
        "card_supplier",
        "card_product",
        "spec_version",
        "planned_start",
    ]

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="applications", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False
    )

    contact_person = models.CharField(_("contact person"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    cardholder_population = models.TextField(
        _("cardholder population"),
        help_text=_("Who will receive cards, e.g. insured employees and residents of the area."),
    )
    planned_quantity = models.PositiveIntegerField(_("planned card quantity"))
    card_supplier = models.CharField(_("card supplier"), max_length=200)
    card_product = models.CharField(_("card product"), max_length=200)
    spec_version = models.CharField(
        _("card specification version"), max_length=4, choices=SpecVersion.choices
    )
    planned_start = models.DateField(_("planned start of issuing"))

    class Meta:
        ordering = ["-created"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["status", "-created"])]

    def __str__(self) -> str:
        return _("Application #%(pk)s of %(department)s") % {
            "pk": self.pk,
            "department": self.department,
        }

    @property
    def reference(self) -> str:
        return f"SSC-{self.created:%Y}-{self.pk:06d}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def needs_provincial_examination(self) -> bool:
        return self.department.needs_provincial_examination

    def current_materials(self) -> dict[str, "Material"]:
        """The latest version of each material, keyed by kind."""
        latest = (
            self.materials.values("kind").annotate(top=Max("version")).values_list("kind", "top")
        )
        wanted = models.Q()
        for kind, version in latest:
            wanted |= models.Q(kind=kind, version=version)
        if not latest:
            return {}
        return {m.kind: m for m in self.materials.filter(wanted)}

    def submission_problems(self) -> list[str]:
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

    def status_after_submission(self) -> str:
        if self.needs_provincial_examination:
            return self.Status.PROVINCIAL_EXAMINATION
        return self.Status.MINISTRY_REVIEW

    def missing_materials(self) -> list[str]:
        present = self.current_materials()
        return [label for kind, label in Material.Kind.choices if kind not in present]


def material_upload_to(instance: "Material", filename: str) -> str:
    # The stored name never comes from the uploader.
    return f"materials/{instance.application_id}/{uuid.uuid4().hex}"


class Material(models.Model):
    """One version of one required document. Replacing a material adds a version."""

    class Kind(models.TextChoices):
        APPLICATION_FORM = "form", _("Issuance registration application form")
        PREPARATIONS = "preparations", _("Statement of preparations")
        FILE_STRUCTURE = "structure", _("Application domains and in-card file structure")
        CARD_SURFACE = "surface", _("Card surface design")
        LOCAL_RULES = "rules", _("Local measures and implementing rules")
        OTHER = "other", _("Other materials required by the Ministry")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="materials")
    kind = models.CharField(_("material"), max_length=12, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(upload_to=material_upload_to)
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
            models.UniqueConstraint(
                fields=["application", "kind", "version"], name="one_material_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class ChangeKind(models.Model):
    """A kind of change and the route it takes. Data, because the regulation's lists end in "etc."

    A change whose kind is not listed here takes the re-approval route.
    """

    class Route(models.TextChoices):
        REAPPROVAL = "reapproval", _("Re-approval (变更审批)")
        FILING = "filing", _("Filing for the record (变更备案)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    route = models.CharField(_("route"), max_length=10, choices=Route.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kind of change")
        verbose_name_plural = _("kinds of change")

    def __str__(self) -> str:
        return self.name


def surface_upload_to(instance: models.Model, filename: str) -> str:
    return f"surfaces/{uuid.uuid4().hex}"


class ChangeRequest(CaseRules, models.Model):
    """A request to change what an issuer registered (变更审批 / 变更备案), one per case."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROVINCIAL_EXAMINATION = "examination", _("Awaiting provincial examination")
        MINISTRY_REVIEW = "review", _("Awaiting Ministry review")
        AWAITING_ACKNOWLEDGEMENT = "recording", _("Awaiting acknowledgement for the record")
        RETURNED = "returned", _("Returned for correction")
        REJECTED = "rejected", _("Rejected")
        APPROVED = "approved", _("Approved; new version in force")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged for the record; new version in force")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = [
        Status.DRAFT,
        Status.PROVINCIAL_EXAMINATION,
        Status.MINISTRY_REVIEW,
        Status.AWAITING_ACKNOWLEDGEMENT,
        Status.RETURNED,
    ]
    EDITABLE_FIELDS = [
        "description",
        "card_supplier",
        "card_product",
        "cardholder_population",
        "planned_quantity",
    ]

    issuer = models.ForeignKey(
        "issuers.Issuer", on_delete=models.PROTECT, related_name="change_requests", editable=False
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="change_requests", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    base_version = models.ForeignKey(
        "issuers.CardSpecification",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("registered version it changes"),
    )
    route = models.CharField(
        _("route"), max_length=10, choices=ChangeKind.Route.choices, blank=True, editable=False
    )
    change_kinds = models.JSONField(_("kinds of change"), default=list, editable=False)
    test_cards_required = models.BooleanField(
        _("test cards required"), default=False, editable=False
    )

    description = models.TextField(_("what changes and why"))
    card_supplier = models.CharField(_("card supplier"), max_length=200)
    card_product = models.CharField(_("card product"), max_length=200)
    cardholder_population = models.TextField(_("cardholder population"))
    planned_quantity = models.PositiveIntegerField(_("planned card quantity"))
    surface = models.FileField(_("card surface design"), upload_to=surface_upload_to, blank=True)
    surface_content_type = models.CharField(max_length=100, blank=True, editable=False)
    file_structure = models.JSONField(_("file structure"), default=list, editable=False)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")

    def __str__(self) -> str:
        return _("Change request #%(pk)s of %(issuer)s") % {"pk": self.pk, "issuer": self.issuer}

    @property
    def reference(self) -> str:
        return f"CHG-{self.created:%Y}-{self.pk:06d}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def needs_provincial_examination(self) -> bool:
        return self.route == ChangeKind.Route.REAPPROVAL and (
            self.department.needs_provincial_examination
        )

    def submission_problems(self) -> list[str]:
        if not self.change_kinds:
            return [_("Nothing differs from the registered version: there is no change to submit.")]
        if self.needs_provincial_examination and not self.department.examining_department():
            return [_("No provincial department is registered to examine this case.")]
        return []

    def status_after_submission(self) -> str:
        if self.route == ChangeKind.Route.FILING:
            return self.Status.AWAITING_ACKNOWLEDGEMENT
        if self.needs_provincial_examination:
            return self.Status.PROVINCIAL_EXAMINATION
        return self.Status.MINISTRY_REVIEW


CASE_STATUSES = list(
    {**dict(Application.Status.choices), **dict(ChangeRequest.Status.choices)}.items()
)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ANN003
        raise PermissionError("The case timeline is append-only.")

    def delete(self):
        raise PermissionError("The case timeline is append-only.")


class CaseEvent(models.Model):
    """One entry of the case timeline: who did what, when and why. Append-only."""

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
        ACKNOWLEDGED = "acknowledged", _("Acknowledged for the record")
        VERSION_CREATED = "version", _("New registered version in force")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # What only the applying side does; whoever did any of it may not decide the case.
    APPLICANT_ACTIONS = (
        Action.CREATED,
        Action.EDITED,
        Action.MATERIAL_UPLOADED,
        Action.SUBMITTED,
        Action.RESUBMITTED,
        Action.WITHDRAWN,
    )

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="events", null=True
    )
    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.PROTECT, related_name="events", null=True
    )
    at = models.DateTimeField(_("time"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_department = models.CharField(_("department"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    status_before = models.CharField(max_length=12, choices=CASE_STATUSES, blank=True)
    status_after = models.CharField(max_length=12, choices=CASE_STATUSES, blank=True)
    reason = models.TextField(_("reason or comment"), blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(application__isnull=False, change_request__isnull=True)
                | models.Q(application__isnull=True, change_request__isnull=False),
                name="event_belongs_to_one_case",
            )
        ]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs):  # noqa: ANN002, ANN003
        if self.pk is not None:
            raise PermissionError("The case timeline is append-only.")
        with transaction.atomic(savepoint=False):
            audit.chain(self)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003
        raise PermissionError("The case timeline is append-only.")

    @property
    def case(self) -> "Application | ChangeRequest":
        return self.application or self.change_request


class AuditChainHead(models.Model):
    """The end of the timeline's hash chain; its row lock orders concurrent writers."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=audit.GENESIS)

    def __str__(self) -> str:
        return f"#{self.last_sequence}"


class IssuanceProcess(Process):
    """Flow bookkeeping for one application; the case data lives on Application."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="process", null=True
    )

    class Meta:
        verbose_name = _("issuance approval case")
        verbose_name_plural = _("issuance approval cases")

    @property
    def case(self) -> Application:
        return self.application


class ChangeProcess(Process):
    """Flow bookkeeping for one change request."""

    change_request = models.OneToOneField(
        ChangeRequest, on_delete=models.PROTECT, related_name="process", null=True
    )

    class Meta:
        verbose_name = _("change request case")
        verbose_name_plural = _("change request cases")

    @property
    def case(self) -> ChangeRequest:
        return self.change_request


class CaseDocument(models.Model):
    """A document the system issued for a case, rendered once (in the background) and kept
    as issued: later downloads serve these bytes, not a fresh rendering."""

    class Kind(models.TextChoices):
        DECISION_LETTER = "decision", _("Decision letter")
        FILING_FORM = "filing_form", _("Filing form")
        CHANGE_DECISION = "change", _("Change decision")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="documents", null=True
    )
    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.PROTECT, related_name="documents", null=True
    )
    file = models.FileField(upload_to="documents/%Y/", editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        constraints = [
            # One of each kind per case: a re-delivered rendering task finds it already there.
            models.UniqueConstraint(
                fields=["kind", "application"],
                condition=models.Q(application__isnull=False),
                name="one_document_of_a_kind_per_application",
            ),
            models.UniqueConstraint(
                fields=["kind", "change_request"],
                condition=models.Q(change_request__isnull=False),
                name="one_document_of_a_kind_per_change_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.application or self.change_request})"


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
