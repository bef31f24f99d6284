"""From filed to authorised to issue (社会保障卡发行管理流程, 人社厅发〔2014〕20号, art. 2 and
steps 6-9): the key application and the PSAM card application, examined side by side by the
Ministry Information Center, then the general test of cards made with both.

The system records applications, decisions, quantities and the references of what was issued;
it never stores key material (validators.reject_key_material on every text field)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from issuers.models import Department, Issuer

from .case import Case
from .clock import Step
from .validators import reject_key_material


class Authorisation(Case):
    """A filed issuer's way to authorisation, or its retest after a change."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        GATES = "gates", _("Key and PSAM applications with the Information Center")
        # Case requires the status; here a return concerns one gate at a time (Gate.RETURNED).
        RETURNED = "returned", _("Returned for correction")
        TEST_APPLICATION = "test_apply", _("Keys and PSAM cards issued: apply for the general test")
        GENERAL_TEST = "testing", _("General test with the Information Center")
        TEST_FAILED = "test_failed", _("General test failed: fix and retest")
        AUTHORISED = "authorised", _("Authorised to issue")

    class Gate(models.TextChoices):
        EXAMINATION = "examination", _("With the Information Center")
        RETURNED = "returned", _("Returned for correction")
        ISSUED = "issued", _("Issued")

    # One period for the Information Center's two applications, one for the test; the
    # department's own steps (corrections, the test application) run against none.
    CLOCKED_STEPS = {Status.GATES: Step.KEYS_AND_PSAM, Status.GENERAL_TEST: Step.GENERAL_TEST}
    REFERENCE_PREFIX = "AUT"
    DETAIL_URL = "authorisations:detail"
    LIST_URL = "authorisations:index"
    LIST_RELATED = ("issuer",)

    issuer = models.ForeignKey(
        Issuer, on_delete=models.PROTECT, related_name="authorisations", editable=False
    )
    # A retest of the version a change put in force: the gates were passed before.
    is_retest = models.BooleanField(_("retest"), default=False, editable=False)

    # The key application (密钥申领).
    # Both empty on a retest, whose gates were passed before; the application form asks for them.
    key_request = models.TextField(
        _("key application"),
        blank=True,
        validators=[reject_key_material],
        help_text=_(
            "Which keys are applied for and for what (card version, key cards or key files, "
            "quantity). Never key values: the system stores no key material."
        ),
    )
    key_state = models.CharField(
        _("keys"), max_length=12, choices=Gate.choices, default=Gate.EXAMINATION, editable=False
    )
    key_references = models.TextField(
        _("references of the keys issued"),
        blank=True,
        editable=False,
        validators=[reject_key_material],
    )
    keys_issued_on = models.DateField(_("keys issued"), null=True, editable=False)

    # The PSAM card application (PSAM卡申领).
    psam_quantity = models.PositiveIntegerField(_("PSAM cards applied for"), null=True, blank=True)
    psam_state = models.CharField(
        _("PSAM cards"),
        max_length=12,
        choices=Gate.choices,
        default=Gate.EXAMINATION,
        editable=False,
    )
    psam_serials = models.CharField(
        _("serial numbers of the PSAM cards issued"),
        max_length=200,
        blank=True,
        editable=False,
        validators=[reject_key_material],
    )
    psam_issued_on = models.DateField(_("PSAM cards issued"), null=True, editable=False)

    # The general test (通用测试): the test cards and the registered version they carry.
    test_card_count = models.PositiveSmallIntegerField(_("test cards"), null=True, blank=True)
    test_card_serials = models.TextField(
        _("card serial numbers of the test cards"),
        blank=True,
        validators=[reject_key_material],
        help_text=_("One per line."),
    )
    tested_version = models.PositiveIntegerField(
        _("registered version tested"), null=True, editable=False
    )
    test_round = models.PositiveSmallIntegerField(_("test round"), default=0, editable=False)
    test_report = models.FileField(
        _("test report"), upload_to="test-reports/%Y/", blank=True, editable=False
    )

    class Meta:
        verbose_name = _("authorisation to issue")
        verbose_name_plural = _("authorisations to issue")

    def __str__(self) -> str:
        return f"{self.reference} {self.issuer.issuer_id}"

    def status_after_submission(self) -> str:
        """A retest goes straight to the test application: the gates were passed before."""
        return self.Status.TEST_APPLICATION if self.is_retest else self.Status.GATES

    def office_for(self, status: str) -> Department:
        """Every step of this procedure is the Information Center's."""
        return Department.objects.authorisation_office()

    def submission_problems(self) -> list[str]:
        return []

    @property
    def gates_passed(self) -> bool:
        return self.key_state == self.psam_state == self.Gate.ISSUED

    def failed_items(self) -> list["GeneralTestItem"]:
        """What failed in the last round: carried over and shown when the test is retaken."""
        return list(self.test_items.filter(round=self.test_round, passed=False))


class GeneralTestItem(models.Model):
    """One item of one round of the general test (LD/T 6001.3-2023; the general test
    procedure): recorded by the Information Center, pass or fail, with a note."""

    class Item(models.TextChoices):
        APPLICATION_FILES = "files", _("Application files of the specification present")
        KEYS_MATCH_PSAM = "keys", _("National keys loaded and matching the PSAM")
        EXTERNAL_AUTH = "external_auth", _("External authentication")
        READ = "read", _("Read")
        UPDATE = "update", _("Update")
        INTERNAL_AUTH = "internal_auth", _("Internal authentication")
        MEDICAL_PAYMENT = "medical", _("Medical-payment transaction")
        STANDARDS = "standards", _("Standards conformance")
        SECURITY = "security", _("Security review")
        CROSS_REGION = "cross_region", _("Cross-region interoperability")

    case = models.ForeignKey(Authorisation, on_delete=models.PROTECT, related_name="test_items")
    round = models.PositiveSmallIntegerField()
    item = models.CharField(max_length=16, choices=Item.choices)
    passed = models.BooleanField()
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["round", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round", "item"], name="one_result_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {'pass' if self.passed else 'fail'}"
