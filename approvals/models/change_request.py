"""Change requests (变更审批 / 变更备案, seed 000 procedure step 4).

The applicant edits a copy of the registered version; the request compares itself with that
version and takes its route from the difference (the applicant never picks the route).
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from issuers import file_structure
from issuers.models import CardholderCategory, CardSpecification, Issuer

from .application import Application
from .case import Case, Decision, Outcome, examination_and_review
from .clock import Step
from .timeline import Action, CaseEvent
from .validators import planned_quantity_validators, validate_cardholder_categories


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

    @classmethod
    def route_for(cls, kinds: list[str]) -> str:
        """The strictest route of the kinds; a kind not in the table takes re-approval."""
        routes = dict(cls.objects.filter(code__in=kinds).values_list("code", "route"))
        if any(routes.get(kind, cls.Route.REAPPROVAL) == cls.Route.REAPPROVAL for kind in kinds):
            return cls.Route.REAPPROVAL
        return cls.Route.FILING


KIND_LABELS = {
    "surface": _("card surface"),
    "file_structure": _("card file structure"),
    "supplier": _("card supplier"),
    "product": _("card product"),
    "population": _("wider cardholder population"),
    "population_other": _("narrower or different cardholder population"),
    "population_note": _("note on the cardholder population"),
    "quantity_increase": _("more planned cards"),
    "quantity_decrease": _("fewer planned cards"),
    "spec_version": _("card specification version"),
}


def kind_labels(codes: list[str]) -> str:
    """The kinds of a change in the reader's language; a kind added to the table later by
    an administrator shows its name there."""
    names: dict[str, str] = {}
    unknown = [code for code in codes if code not in KIND_LABELS]
    if unknown:
        names = dict(ChangeKind.objects.filter(code__in=unknown).values_list("code", "name"))
    return ", ".join(str(KIND_LABELS.get(code) or names.get(code, code)) for code in codes)


def surface_upload_to(instance: models.Model, filename: str) -> str:
    return f"surfaces/{uuid.uuid4().hex}"


class ChangeRequestQuerySet(models.QuerySet):
    def open(self) -> "ChangeRequestQuerySet":
        return self.filter(status__in=ChangeRequest.OPEN_STATUSES)


class ChangeRequest(Case):
    """A request to change what an issuer registered, one per case."""

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

    REFERENCE_PREFIX = "CHG"
    DETAIL_URL = "changes:detail"
    LIST_URL = "changes:index"
    LIST_RELATED = ("issuer",)
    LIST_DEFERRED = ("file_structure",)
    DECISIONS = {
        **examination_and_review(Status),
        # A change that is only filed is acknowledged, or returned as incomplete.
        Status.AWAITING_ACKNOWLEDGEMENT: {
            Outcome.PASS: Decision(
                Status.ACKNOWLEDGED, Action.ACKNOWLEDGED, _("Acknowledge for the record")
            ),
            Outcome.RETURN: Decision(Status.RETURNED, Action.RETURNED, _("Return for correction")),
        },
    }
    CLOCKED_STEPS = {
        Status.PROVINCIAL_EXAMINATION: Step.PROVINCIAL_EXAMINATION,
        Status.MINISTRY_REVIEW: Step.MINISTRY_REVIEW,
        Status.AWAITING_ACKNOWLEDGEMENT: Step.ACKNOWLEDGEMENT,
    }
    ACCEPTED_IN = (Status.PROVINCIAL_EXAMINATION, Status.MINISTRY_REVIEW)
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
        "cardholder_categories",
        "cardholder_population",
        "planned_quantity",
        "spec_version",
    ]
    # Compared with the registered version: everything the applicant edits but its reasons.
    COMPARED_FIELDS = [f for f in EDITABLE_FIELDS if f != "description"]

    issuer = models.ForeignKey(
        Issuer, on_delete=models.PROTECT, related_name="change_requests", editable=False
    )
    base_version = models.ForeignKey(
        CardSpecification,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("registered version it changes"),
    )
    resulting_version = models.OneToOneField(
        CardSpecification,
        on_delete=models.PROTECT,
        null=True,
        related_name="change_request",
        editable=False,
        verbose_name=_("registered version it made"),
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
    cardholder_categories = models.JSONField(
        _("cardholders"), default=list, validators=[validate_cardholder_categories]
    )
    cardholder_population = models.TextField(_("cardholder population, local note"), blank=True)
    planned_quantity = models.PositiveIntegerField(
        _("planned card quantity"), validators=planned_quantity_validators
    )
    spec_version = models.CharField(
        _("card specification version"),
        max_length=4,
        choices=Application.SpecVersion.choices,
        help_text=_("A change of version changes the card's file structure: it takes re-approval."),
    )
    surface = models.FileField(_("card surface design"), upload_to=surface_upload_to, blank=True)
    surface_content_type = models.CharField(max_length=100, blank=True, editable=False)
    surface_sha256 = models.CharField(max_length=64, blank=True, editable=False, db_default="")
    surface_preview = models.FileField(
        upload_to=surface_upload_to, blank=True, editable=False, db_default=""
    )
    file_structure = models.JSONField(_("file structure"), default=list, editable=False)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")

    def __str__(self) -> str:
        return _("Change request #%(pk)s of %(issuer)s") % {"pk": self.pk, "issuer": self.issuer}

    @property
    def change_kind_labels(self) -> str:
        return kind_labels(self.change_kinds)

    @property
    def change_kind_names(self) -> str:
        """The kinds as the table names them (bilingual), for the documents."""
        names = dict(
            ChangeKind.objects.filter(code__in=self.change_kinds).values_list("code", "name")
        )
        return "；".join(names.get(code, code) for code in self.change_kinds)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def needs_provincial_examination(self) -> bool:
        return self.route == ChangeKind.Route.REAPPROVAL and super().needs_provincial_examination

    def status_after_submission(self) -> str:
        if self.route == ChangeKind.Route.FILING:
            return self.Status.AWAITING_ACKNOWLEDGEMENT
        return super().status_after_submission()

    def submission_problems(self) -> list[str]:
        if not self.description.strip():
            return [_("Say what changes and why before submitting.")]
        if not self.change_kinds:
            return [_("Nothing differs from the registered version: there is no change to submit.")]
        return super().submission_problems()

    def update_route(self) -> None:
        self.reroute()

    def submission_summary(self) -> str:
        return CaseEvent.pack_detail(
            {"t": "route", "route": self.route, "kinds": self.change_kinds}
        )

    def diff(self) -> dict:
        """What differs from the registered version, field by field and node by node."""
        base = self.base_version
        fields = []
        for name in self.COMPARED_FIELDS:
            before, after = getattr(base, name), getattr(self, name)
            if name == "cardholder_categories":
                before, after = sorted(before), sorted(after)
            if before != after:
                label = self._meta.get_field(name).verbose_name
                if name == "cardholder_categories":
                    before = CardholderCategory.labels_of(before)
                    after = CardholderCategory.labels_of(after)
                fields.append({"name": name, "label": label, "before": before, "after": after})
        return {
            "fields": fields,
            "surface_changed": self.surface_changed(),
            "structure": file_structure.diff(base.file_structure, self.file_structure),
        }

    def surface_changed(self) -> bool:
        """A surface was uploaded and its content differs from the registered one (uploading
        the registered surface again changes nothing)."""
        if not self.surface:
            return False
        registered = self.base_version.surface_sha256
        return not registered or self.surface_sha256 != registered

    def kinds_of_change(self) -> list[str]:
        diff = self.diff()
        kinds = []
        for field in diff["fields"]:
            if field["name"] == "card_supplier":
                kinds.append("supplier")
            if field["name"] == "card_product":
                kinds.append("product")
            if field["name"] == "cardholder_categories":
                # Only a wider population is filed (扩大发卡人群); narrower or different is not.
                before = set(self.base_version.cardholder_categories)
                wider = set(self.cardholder_categories) > before
                kinds.append("population" if wider else "population_other")
            if field["name"] == "cardholder_population":
                kinds.append("population_note")
            if field["name"] == "spec_version":
                kinds.append("spec_version")
            if field["name"] == "planned_quantity":
                more = field["after"] > field["before"]
                # Fewer cards is in neither of the regulation's lists, so it is an unknown kind.
                kinds.append("quantity_increase" if more else "quantity_decrease")
        if diff["surface_changed"]:
            kinds.append("surface")
        if any(diff["structure"].values()):
            kinds.append("file_structure")
        return sorted(set(kinds))

    def reroute(self) -> None:
        """Decide the route from the diff and the table of kinds as they are now."""
        kinds = self.kinds_of_change()
        self.change_kinds = kinds
        self.route = ChangeKind.route_for(kinds) if kinds else ""
        self.test_cards_required = bool({"supplier", "product"} & set(kinds))
        self.save(update_fields=["change_kinds", "route", "test_cards_required"])
