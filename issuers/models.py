import datetime
import re
import string
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# GB/T 2260 province codes whose HRSS bureau is provincial-level (直辖市).
MUNICIPALITIES_UNDER_CENTRAL_GOVERNMENT = {"11", "12", "31", "50"}
# Taiwan, Hong Kong and Macau cannot be social security card issuing areas.
NON_ISSUING_PROVINCES = {"71", "81", "82"}
# The province-level codes of GB/T 2260 (the first two digits of every division code).
PROVINCE_CODES = {
    *("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"),
    *("41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64"),
    *("65", "71", "81", "82"),
}


def validate_division_code(code: str) -> None:
    """Six digits, starting with a province-level code of GB/T 2260."""
    if not re.fullmatch(r"\d{6}", code):
        raise ValidationError(_("A division code is six digits (GB/T 2260), e.g. 330100."))
    if code[:2] not in PROVINCE_CODES:
        raise ValidationError(
            _("%(code)s does not start with a province-level code of GB/T 2260.") % {"code": code}
        )


class Division(models.Model):
    """An administrative division with its GB/T 2260 code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province-level")
        PREFECTURE = "prefecture", _("Prefecture-level")
        COUNTY = "county", _("County-level")

    code = models.CharField(
        _("GB/T 2260 code"), max_length=6, unique=True, validators=[validate_division_code]
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    def clean(self) -> None:
        code = self.code or ""
        if len(code) != 6 or code == self.province_code:
            return
        if not Division.objects.filter(code=self.province_code).exists():
            raise ValidationError(
                {
                    "code": _("Province %(code)s is not in the table yet; add it first.")
                    % {"code": self.province_code}
                }
            )

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


def validate_document_number_pattern(pattern: str) -> None:
    """A pattern names {number}, and nothing but {year}, {number} and {office}."""
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name}
    except ValueError:
        names = None
    if names is None or "number" not in names or names - {"year", "number", "office"}:
        raise ValidationError(
            _(
                "Use {number}, and optionally {year} and {office}, "
                "e.g. 人社信息办函〔{year}〕{number}号."
            )
        )


class DepartmentQuerySet(models.QuerySet):
    def ministry(self) -> "Department":
        return self.get(kind=Department.Kind.MINISTRY)

    def information_center(self) -> "Department":
        return self.get(kind=Department.Kind.INFORMATION_CENTER)

    def authorisation_office(self) -> "Department":
        """The office that issues keys and PSAM cards and runs the general test: the
        Information Center by default (settings.AUTHORISATION_OFFICE)."""
        return self.get(kind=settings.AUTHORISATION_OFFICE)


class Department(models.Model):
    """A government body that uses the system: the Ministry IT Office, HRSS departments, others."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry IT Office")
        INFORMATION_CENTER = "infocenter", _("Ministry Information Center")
        PROVINCIAL = "provincial", _("Provincial HRSS department")
        MUNICIPAL = "municipal", _("Municipal HRSS bureau")
        DISTRICT = "district", _("District or county HRSS bureau")
        OTHER = "other", _("Other organisation")

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, null=True, blank=True, related_name="departments"
    )
    document_number_pattern = models.CharField(
        _("document number pattern"),
        max_length=60,
        blank=True,
        validators=[validate_document_number_pattern],
        help_text=_(
            "The number of the documents this office issues (文号), e.g. "
            "人社信息办函〔{year}〕{number}号. {year} and {number} are filled in; numbers run "
            "per office and year without gaps. Empty: the office's name, the year and the number."
        ),
    )

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["division__code", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        # Object permissions, granted per department by issuers.membership.
        permissions = [
            ("submit_application", _("Can submit and correct applications of this department")),
            ("examine_application", _("Can do the preliminary examination for this province")),
            ("review_application", _("Can review applications for the Ministry")),
            ("file_issuer", _("Can file issuer IDs with the registration centre")),
            (
                "handle_readiness",
                _("Can issue keys and PSAM cards and run the general test (Information Center)"),
            ),
            (
                "supervise_department",
                _(
                    "Supervises this department: its members and roles, the distribution of "
                    "its tasks, suspensions and extensions of its time limits"
                ),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="ministry"),
                name="one_ministry_it_office",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="infocenter"),
                name="one_ministry_information_center",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def may_apply(self) -> bool:
        """Only provincial departments and municipal bureaus may issue cards (Measures, ch. 2)."""
        if self.division is None or self.division.code[:2] in NON_ISSUING_PROVINCES:
            return False
        if self.kind == self.Kind.PROVINCIAL:
            return self.division.level == Division.Level.PROVINCE
        if self.kind == self.Kind.MUNICIPAL:
            return self.division.level == Division.Level.PREFECTURE
        return False

    @property
    def needs_provincial_examination(self) -> bool:
        return self.kind == self.Kind.MUNICIPAL

    def document_number(self, year: int, number: int) -> str:
        """The number (文号) of this office's document `number` of `year`."""
        pattern = self.document_number_pattern or "{office}〔{year}〕{number}号"
        return pattern.format(office=self.name, year=year, number=number)

    def examining_department(self) -> "Department | None":
        """The provincial department that examines this bureau's applications first."""
        if not self.needs_provincial_examination:
            return None
        return Department.objects.filter(
            kind=self.Kind.PROVINCIAL, division__code=self.division.province_code
        ).first()

    @property
    def province_code(self) -> str | None:
        return self.division.province_code if self.division else None


class Membership(models.Model):
    """A user works for exactly one department; the membership is what gives access."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="members")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"


class MembershipEvent(models.Model):
    """Who changed a department's members or roles, when and why. Append-only."""

    class Change(models.TextChoices):
        ADDED = "added", _("Member added")
        REMOVED = "removed", _("Member removed")
        SUPERVISOR_GRANTED = "sup_granted", _("Made a supervisor")
        SUPERVISOR_REVOKED = "sup_revoked", _("No longer a supervisor")
        ABSENCE_RECORDED = "absence", _("Absence recorded")
        ABSENCE_ENDED = "absence_end", _("Absence ended")

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    change = models.CharField(_("change"), max_length=12, choices=Change.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("membership change")
        verbose_name_plural = _("membership changes")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.user} {self.change}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("The membership trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The membership trail is append-only.")


class Absence(models.Model):
    """An official away (leave, illness) from one day to another, with a substitute of the
    same department who receives what is addressed to them meanwhile."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="substitutions",
        verbose_name=_("substitute"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after"
            )
        ]
        indexes = [models.Index(fields=["substitute", "ends_on"], name="substitute_absences")]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_on}–{self.ends_on} → {self.substitute}"


class IssuerSerial(models.Model):
    """The national counter behind issuer IDs: one row, locked while a number is taken."""

    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.last_value)


class IssuerQuerySet(models.QuerySet):
    def active(self) -> "IssuerQuerySet":
        """Filed with the registration centre, whether or not yet authorised to issue."""
        return self.filter(status__in=Issuer.FILED_STATUSES)


class Issuer(models.Model):
    """An approved issuing area in the issuer register."""

    class Status(models.TextChoices):
        ALLOCATED = "allocated", _("Allocated, awaiting filing")
        FILED = "filed", _("Filed and active")
        # 社会保障卡发行管理流程 (2014) art. 2: after the key application, the PSAM application
        # and the general test.
        AUTHORISED = "authorised", _("Authorised to issue")

    FILED_STATUSES = (Status.FILED, Status.AUTHORISED)

    issuer_id = models.CharField(_("issuer ID"), max_length=32, unique=True, editable=False)
    serial = models.PositiveIntegerField(_("serial"), unique=True, editable=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="issuers")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="issuers")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ALLOCATED
    )
    allocated_at = models.DateTimeField(_("allocated at"), auto_now_add=True)
    filing_reference = models.CharField(_("filing reference"), max_length=64, blank=True)
    filing_date = models.DateField(_("filing date"), null=True, blank=True)
    filing_receipt = models.FileField(_("filing receipt"), upload_to="receipts/", blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    # The gates between filing and issuing cards, each dated when passed.
    keys_issued_on = models.DateField(_("keys issued"), null=True, blank=True, editable=False)
    psam_issued_on = models.DateField(_("PSAM cards issued"), null=True, blank=True, editable=False)
    authorised_on = models.DateField(
        _("authorised to issue"), null=True, blank=True, editable=False
    )
    # A supplier, product, surface or file-structure change in force since the general test:
    # the version whose cards must pass the test again before they are issued.
    retest_version = models.PositiveIntegerField(
        _("general test required again for version"), null=True, blank=True, editable=False
    )

    objects = IssuerQuerySet.as_manager()

    class Meta:
        ordering = ["serial"]
        verbose_name = _("issuer")
        verbose_name_plural = _("issuers")
        constraints = [
            # A filing reference names one issuer at the registration centre.
            models.UniqueConstraint(
                fields=["filing_reference"],
                condition=~models.Q(filing_reference=""),
                name="issuer_filing_reference_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer_id} {self.department}"

    def delete(self, *args, **kwargs):
        raise ValueError("Issuer IDs are never deleted or reused.")

    def current_specification(self) -> "CardSpecification | None":
        return self.specifications.order_by("-version").first()

    def standing(self) -> str:
        """The status as the register shows it, a pending retest included."""
        if self.status == self.Status.AUTHORISED and self.retest_version is not None:
            return _("Authorised to issue; general test pending for v%(version)s") % {
                "version": self.retest_version
            }
        return str(self.get_status_display())

    def readiness_gates(self) -> list[tuple[str, datetime.date | None]]:
        """The steps from filing to issuing cards (社会保障卡发行管理流程 art. 2), each with
        the day it was passed."""
        return [
            (_("Filed with the registration centre"), self.filing_date),
            (_("Keys issued"), self.keys_issued_on),
            (_("PSAM cards issued"), self.psam_issued_on),
            (_("General test passed: authorised to issue"), self.authorised_on),
        ]

    @property
    def is_filed(self) -> bool:
        return self.status in self.FILED_STATUSES

    def may_issue(self, version: int | None = None) -> bool:
        """Whether cards (of the registered version `version`, else of the current one) may
        be issued: authorised, and no general test pending for that version. The one check
        the cardholder services rely on."""
        if self.status != self.Status.AUTHORISED or self.retest_version is not None:
            return False
        return version is None or version == self.current_specification().version


class CardholderCategory(models.TextChoices):
    """Who an issuing area gives cards to. A set of these, so that a wider population (filed
    for the record) and a narrower or different one (re-approved) are told apart by data."""

    EMPLOYEES = "employees", _("Insured employees")
    URBAN_RURAL_RESIDENTS = "residents", _("Urban and rural residents")
    STUDENTS = "students", _("Students and children")
    RETIREES = "retirees", _("Retirees")
    FLEXIBLE_WORKERS = "flexible", _("Flexibly employed workers")
    MIGRANT_WORKERS = "migrant", _("Insured people from elsewhere working in the area")

    @classmethod
    def labels_of(cls, codes: list[str]) -> str:
        return "、".join(str(cls(code).label) for code in codes if code in cls.values)


def specification_surface_to(instance: "CardSpecification", filename: str) -> str:
    return f"surfaces/{uuid.uuid4().hex}"


class CardSpecification(models.Model):
    """One registered version of what an issuer issues. Versions are never edited:
    an approved or acknowledged change adds the next one."""

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="specifications")
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("in force since"), auto_now_add=True)

    card_supplier = models.CharField(_("card supplier"), max_length=200)
    card_product = models.CharField(_("card product"), max_length=200)
    cardholder_categories = models.JSONField(_("cardholders"), default=list)
    cardholder_population = models.TextField(_("cardholder population, local note"), blank=True)
    planned_quantity = models.PositiveIntegerField(_("planned card quantity"))
    spec_version = models.CharField(_("card specification version"), max_length=4)
    surface = models.FileField(_("card surface design"), upload_to=specification_surface_to)
    surface_content_type = models.CharField(max_length=100)
    # What a change's surface is compared with: content, not the upload event.
    surface_sha256 = models.CharField(max_length=64, blank=True, db_default="")
    # An image of a PDF surface, to compare surfaces as images; blank for an image surface.
    surface_preview = models.FileField(
        upload_to=specification_surface_to, blank=True, db_default=""
    )
    surface_version = models.PositiveIntegerField(_("surface version"), default=1)
    file_structure = models.JSONField(_("file structure"), default=list)

    class Meta:
        ordering = ["issuer", "-version"]
        verbose_name = _("registered card specification")
        verbose_name_plural = _("registered card specifications")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "version"], name="one_specification_version")
        ]

    def __str__(self) -> str:
        return f"{self.issuer.issuer_id} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Registered versions are never edited; add a new version.")
        super().save(*args, **kwargs)
