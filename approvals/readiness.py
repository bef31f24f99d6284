"""From filed to authorised to issue (社会保障卡发行管理流程 art. 2, steps 6-9), as actions:
the filed issuer's department applies for keys and PSAM cards, the Ministry Information Center
issues each or returns it for correction, then tests the cards made with both. Each action
checks its rule, writes the case and the timeline entry; the flow (flows.AuthorisationFlow)
routes on what it wrote."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from issuers.membership import department_of
from issuers.models import Department, Issuer

from . import clocks
from .models import Action, Authorisation, CaseEvent, GeneralTestItem
from .models.validators import reject_key_material
from .recording import ActionRefused, record_event, set_status
from .uploads import check_upload

Gate = Authorisation.Gate
Status = Authorisation.Status
GATES = {
    "keys": ("key_state", "key_request", Action.KEYS_ISSUED),
    "psam": ("psam_state", "psam_quantity", Action.PSAM_ISSUED),
}


def refuse_authorisation(issuer: Issuer, *, by: AbstractBaseUser) -> None:
    """ActionRefused with the reason when `by` may not start the way to authorisation (or a
    retest) of `issuer`."""
    if department_of(by) != issuer.department:
        raise ActionRefused(_("Only the issuer's own department applies."))
    if not issuer.is_filed:
        raise ActionRefused(_("The issuer ID must be filed with the registration centre first."))
    if issuer.status == Issuer.Status.AUTHORISED and issuer.retest_version is None:
        raise ActionRefused(_("This issuer is authorised to issue; no general test is due."))
    if issuer.authorisations.exclude(status=Status.AUTHORISED).exists():
        raise ActionRefused(_("An application for this issuer is still open."))


def draft_authorisation(
    issuer: Issuer,
    *,
    by: AbstractBaseUser,
    key_request: str = "",
    psam_quantity: int | None = None,
) -> Authorisation:
    """The department's application: keys and PSAM cards, or, when the issuer was
    authorised before and a change made the test due again, the retest alone."""
    refuse_authorisation(issuer, by=by)
    is_retest = issuer.status == Issuer.Status.AUTHORISED
    case = Authorisation(
        department=issuer.department,
        created_by=by,
        issuer=issuer,
        is_retest=is_retest,
        key_request=key_request,
        psam_quantity=psam_quantity,
    )
    if is_retest:
        # The gates were passed before: the case goes straight to the test application.
        case.key_state = case.psam_state = Gate.ISSUED
        case.keys_issued_on, case.psam_issued_on = issuer.keys_issued_on, issuer.psam_issued_on
    case.full_clean(exclude=["department", "created_by", "issuer", "kind"])
    case.save()
    record_event(case, Action.CREATED, by=by)
    return case


def _require_authorisation_office(by: AbstractBaseUser) -> None:
    if department_of(by) != Department.objects.authorisation_office():
        raise ActionRefused(_("Only the Ministry Information Center decides this."))


def _applicant(case: Authorisation, by: AbstractBaseUser) -> None:
    if department_of(by) != case.department:
        raise ActionRefused(_("Only the issuer's own department does this."))


def _clean_reference(text: str, field: str) -> str:
    text = text.strip()
    if not text:
        raise ActionRefused(_("Please enter the references of what was issued."), field=field)
    try:
        reject_key_material(text)
    except ValidationError as error:
        raise ActionRefused(error.messages[0], field=field) from error
    return text


def _gates_done(case: Authorisation) -> None:
    """Both issued: the department applies for the general test next."""
    if case.gates_passed and case.status == Status.GATES:
        set_status(case, Status.TEST_APPLICATION)
        clocks.follow(case)


def issue_gate(
    case: Authorisation,
    gate: str,
    *,
    by: AbstractBaseUser,
    references: str,
    issued_on: datetime.date,
) -> None:
    """The Information Center issues the keys (references of the key cards or key files) or
    the PSAM cards (their serial range); never the keys themselves."""
    _require_authorisation_office(by)
    state_field, _request, action = GATES[gate]
    if case.status != Status.GATES or getattr(case, state_field) != Gate.EXAMINATION:
        raise ActionRefused(_("This application is not with the Information Center."))
    if issued_on > timezone.localdate():
        raise ActionRefused(_("The date cannot be in the future."), field="issued_on")
    references = _clean_reference(references, "references")
    issuer = case.issuer
    if gate == "keys":
        case.key_references, case.keys_issued_on = references, issued_on
        issuer.keys_issued_on = issued_on
        fields = ["key_references", "keys_issued_on"]
    else:
        case.psam_serials, case.psam_issued_on = references[:200], issued_on
        issuer.psam_issued_on = issued_on
        fields = ["psam_serials", "psam_issued_on"]
    setattr(case, state_field, Gate.ISSUED)
    case.save(update_fields=[state_field, *fields])
    issuer.save(update_fields=["keys_issued_on", "psam_issued_on"])
    before = case.status
    _gates_done(case)
    record_event(case, action, by=by, status_before=before, detail=references[:200])


def return_gate(case: Authorisation, gate: str, *, by: AbstractBaseUser, reasons: str) -> None:
    """The Information Center returns one application for correction; the other goes on."""
    _require_authorisation_office(by)
    state_field, _request, _action = GATES[gate]
    if case.status != Status.GATES or getattr(case, state_field) != Gate.EXAMINATION:
        raise ActionRefused(_("This application is not with the Information Center."))
    reasons = reasons.strip()
    if not reasons:
        raise ActionRefused(_("Please give the reasons for returning."), field="reasons")
    setattr(case, state_field, Gate.RETURNED)
    case.save(update_fields=[state_field])
    record_event(
        case,
        Action.RETURNED,
        by=by,
        reason=reasons,
        detail=CaseEvent.pack_detail({"t": "gate", "gate": gate}),
    )


def correct_gate(
    case: Authorisation, gate: str, *, by: AbstractBaseUser, value: object, note: str
) -> None:
    """The department corrects the returned application and sends it back."""
    _applicant(case, by)
    state_field, request_field, _action = GATES[gate]
    if getattr(case, state_field) != Gate.RETURNED:
        raise ActionRefused(_("This application was not returned."))
    before = getattr(case, request_field)
    setattr(case, request_field, value)
    try:
        case.full_clean(exclude=["department", "created_by", "issuer", "kind"])
    except ValidationError as error:
        setattr(case, request_field, before)
        messages = error.message_dict.get(request_field) or error.messages
        raise ActionRefused(messages[0], field="value") from error
    setattr(case, state_field, Gate.EXAMINATION)
    case.save(update_fields=[state_field, request_field])
    record_event(
        case,
        Action.RESUBMITTED,
        by=by,
        reason=note.strip(),
        detail=CaseEvent.pack_detail(
            {"t": "edited", "fields": [[request_field, before, getattr(case, request_field)]]}
        ),
    )


def apply_for_test(
    case: Authorisation, *, by: AbstractBaseUser, test_card_count: int, test_card_serials: str
) -> None:
    """The test application: the test cards, made with the issued keys on the registered
    version in force; after a failure, the cards fixed for the retest."""
    _applicant(case, by)
    if case.status not in (Status.TEST_APPLICATION, Status.TEST_FAILED):
        raise ActionRefused(_("The general test cannot be applied for now."))
    serials = [line.strip() for line in test_card_serials.splitlines() if line.strip()]
    if len(serials) != test_card_count:
        raise ActionRefused(
            _("List one card serial number per test card (%(count)s).")
            % {"count": test_card_count},
            field="test_card_serials",
        )
    case.test_card_count, case.test_card_serials = test_card_count, "\n".join(serials)
    try:
        reject_key_material(case.test_card_serials)
    except ValidationError as error:
        raise ActionRefused(error.messages[0], field="test_card_serials") from error
    case.tested_version = case.issuer.current_specification().version
    case.test_round += 1
    before = set_status(
        case,
        Status.GENERAL_TEST,
        "test_card_count",
        "test_card_serials",
        "tested_version",
        "test_round",
    )
    record_event(case, Action.TEST_APPLIED, by=by, status_before=before)
    clocks.follow(case)


def record_test(
    case: Authorisation,
    *,
    by: AbstractBaseUser,
    results: dict[str, tuple[bool, str]],
    report: UploadedFile | None,
) -> bool:
    """The Information Center's result, item by item, with the test report. Every item
    passed: the issuer is authorised to issue (for the version tested). Any failed: the
    department fixes and retests, with the failed items carried over."""
    _require_authorisation_office(by)
    if case.status != Status.GENERAL_TEST:
        raise ActionRefused(_("No general test is under way for this case."))
    missing = set(GeneralTestItem.Item.values) - set(results)
    if missing:
        raise ActionRefused(_("Record a result for every item of the test."))
    if report is None:
        raise ActionRefused(_("Attach the test report."), field="report")
    try:
        content_type = check_upload(report)
    except ValidationError as error:
        raise ActionRefused(error.messages[0], field="report") from error
    if content_type != "application/pdf":
        raise ActionRefused(_("The test report must be a PDF."), field="report")
    case.test_report.save(f"test-report-{case.pk}-{case.test_round}.pdf", report, save=False)
    GeneralTestItem.objects.bulk_create(
        GeneralTestItem(case=case, round=case.test_round, item=item, passed=passed, note=note)
        for item, (passed, note) in results.items()
    )
    failed = [item for item, (ok, _note) in results.items() if not ok]
    passed = not failed
    before = set_status(case, Status.AUTHORISED if passed else Status.TEST_FAILED, "test_report")
    clocks.follow(case)
    record_event(
        case,
        Action.TEST_PASSED if passed else Action.TEST_FAILED,
        by=by,
        status_before=before,
        detail=CaseEvent.pack_detail({"t": "test", "round": case.test_round, "failed": failed}),
    )
    if passed:
        issuer = Issuer.objects.select_for_update().get(pk=case.issuer_id)
        issuer.status = Issuer.Status.AUTHORISED
        issuer.authorised_on = timezone.localdate()
        if issuer.retest_version == case.tested_version:
            issuer.retest_version = None
        issuer.save(update_fields=["status", "authorised_on", "retest_version"])
        record_event(case, Action.AUTHORISED, by=None, detail=f"v{case.tested_version}")
    return passed
