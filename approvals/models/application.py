from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from issuers import file_structure
from issuers.models import CardholderCategory, Issuer

from .case import Case, Material, examination_and_review
from .clock import Step
from .validators import (
    planned_quantity_validators,
    validate_cardholder_categories,
    validate_contact_phone,
    validate_not_in_the_past,
)


class Application(Case):
    """An application to issue social security cards (发行注册申请), seed 000 steps 1-3."""

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

    REFERENCE_PREFIX = "SSC"
    DETAIL_URL = "cases:detail"
    LIST_URL = "cases:index"
    LIST_RELATED = ("issuer",)
    LIST_DEFERRED = ("file_structure",)  # a tree of JSON the list never shows
    DECISIONS = examination_and_review(Status)
    REQUIRED_MATERIALS = tuple(Material.Kind.values)
    CLOCKED_STEPS = {
        Status.PROVINCIAL_EXAMINATION: Step.PROVINCIAL_EXAMINATION,
        Status.MINISTRY_REVIEW: Step.MINISTRY_REVIEW,
        Status.APPROVED: Step.REGISTRY_FILING,
    }
    ACCEPTED_IN = (Status.PROVINCIAL_EXAMINATION, Status.MINISTRY_REVIEW)

    # Editable by the applicant while the case is a draft or returned for correction.
    EDITABLE_FIELDS = [
        "contact_person",
        "contact_phone",
        "cardholder_categories",
        "cardholder_population",
        "planned_quantity",
        "card_supplier",
        "card_product",
        "spec_version",
        "planned_start",
    ]

    issuer = models.OneToOneField(
        Issuer,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="application",
        verbose_name=_("issuer"),
    )
    contact_person = models.CharField(_("contact person"), max_length=100)
    contact_phone = models.CharField(
        _("contact phone"), max_length=30, validators=[validate_contact_phone]
    )
    cardholder_categories = models.JSONField(
        _("cardholders"),
        default=list,
        validators=[validate_cardholder_categories],
        help_text=_("Who will receive cards."),
    )
    cardholder_population = models.TextField(
        _("cardholder population, local note"),
        blank=True,
        help_text=_("Optional: who exactly, in the area's own terms."),
    )
    planned_quantity = models.PositiveIntegerField(
        _("planned card quantity"), validators=planned_quantity_validators
    )
    card_supplier = models.CharField(_("card supplier"), max_length=200)
    card_product = models.CharField(_("card product"), max_length=200)
    spec_version = models.CharField(
        _("card specification version"), max_length=4, choices=SpecVersion.choices
    )
    # The in-card file structure applied for: the national layout as a starting point, edited
    # node by node or imported as JSON; the approval registers it as version 1.
    file_structure = models.JSONField(
        _("file structure"), default=file_structure.national_structure, editable=False
    )
    planned_start = models.DateField(
        _("planned start of issuing"), validators=[validate_not_in_the_past]
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def cardholder_labels(self) -> str:
        return CardholderCategory.labels_of(self.cardholder_categories)

    def cardholder_labels_bilingual(self) -> str:
        """For the documents, which are written in Chinese and English."""
        with translation.override("zh-hans"):
            chinese = self.cardholder_labels()
        with translation.override("en"):
            english = self.cardholder_labels()
        return f"{chinese} / {english}"

    def __str__(self) -> str:
        return _("Application #%(pk)s of %(department)s") % {
            "pk": self.pk,
            "department": self.department,
        }
