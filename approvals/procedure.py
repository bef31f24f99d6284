"""The procedure done in-process by named officials, step by step as the pages do it: the same
forms, actions and flow calls, the same permission and four-eyes checks, without HTTP.

For the demo data, the tests' preconditions (fast, where HTTP is not the subject) and the
in-process benchmark. Each step forgets what the official's previous step remembered, as a
new request would.
"""

import datetime
from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from issuers.membership import Official
from issuers.models import Issuer

from . import actions, changes, readiness
from .flows import AuthorisationFlow, ChangeFlow, IssuanceFlow
from .forms import ApplicationForm, ChangeRequestForm
from .models import Application, Authorisation, Case, ChangeRequest, GeneralTestItem, Material

APPLICATION = {
    "contact_person": "张明",
    "contact_phone": "0571-8888 0000",
    "cardholder_categories": ["employees", "residents"],
    "cardholder_population": "参保职工及城乡居民 / insured employees and residents",
    "planned_quantity": 1_200_000,
    "card_supplier": "东信和平科技股份有限公司",
    "card_product": "EW-SSC3 双界面卡",
    "spec_version": "3.00",
}


def sample_application() -> dict:
    """A complete application's fields, issuing to start in three months."""
    return {**APPLICATION, "planned_start": timezone.localdate() + datetime.timedelta(days=90)}


def sample_pdf(title: str) -> bytes:
    """A small valid one-page PDF, enough to stand in for a scanned material."""
    text = title.encode("latin-1", "replace")
    stream = b"BT /F1 14 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def pdf_upload(name: str = "material.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, sample_pdf(name), "application/pdf")


def _valid(form_class: type, data: dict, case: Case | None = None) -> dict:
    # The form validates a copy, as the pages do: the case changes only through the action.
    copy = type(case).objects.get(pk=case.pk) if case is not None else None
    form = form_class(data, instance=copy)
    if not form.is_valid():
        raise ValidationError(form.errors.as_text())
    return form.cleaned_data


def draft(by: AbstractBaseUser, **fields: object) -> Application:
    """A new application with all six materials, not yet submitted."""
    Official.forget(by)
    application = actions.create_application(
        by=by, data=_valid(ApplicationForm, {**sample_application(), **fields})
    )
    for kind in Material.Kind.values:
        actions.upload_material(application, kind, pdf_upload(f"{kind}.pdf"), by=by)
    return application


def apply(by: AbstractBaseUser, **fields: object) -> Application:
    """A complete application, submitted: with its province or the Ministry."""
    application = draft(by, **fields)
    Official.forget(by)
    return IssuanceFlow.submit_case(application, by=by)


def open_task(case: Case, node: object) -> Task:
    return case.process.task_set.get(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED])


def do(case: Case, node: object, by: AbstractBaseUser, work: Callable[[Case], object]) -> None:
    """Take the step's task (unless already taken) and complete it with `work`, as the task's
    assign and execute pages do; PermissionDenied where the pages would refuse."""
    task = open_task(case, node)
    Official.forget(by)
    if task.owner_id is None:
        with task.activation() as activation:
            if not node.can_assign(by, activation.task):
                raise PermissionDenied(f"{by} may not take {node.name}")
            activation.assign(by)
    Official.forget(by)
    with task.activation() as activation:
        if not node.can_execute(by, activation.task):
            raise PermissionDenied(f"{by} may not execute {node.name}")
        activation.start(None)
        work(activation.process.get_case())
        activation.execute()
    case.refresh_from_db()


def decide(case: Case, node: object, by: AbstractBaseUser, outcome: str, reasons: str = "") -> None:
    do(
        case,
        node,
        by,
        lambda c: actions.record_decision(c, node.decides, outcome, by=by, reasons=reasons),
    )


def correct(case: Case, by: AbstractBaseUser, note: str = "corrected") -> None:
    flow = ChangeFlow if isinstance(case, ChangeRequest) else IssuanceFlow
    do(case, flow.correction, by, lambda c: actions.resubmit(c, by=by, note=note))


def file(
    application: Application,
    by: AbstractBaseUser,
    reference: str,
    filing_date: datetime.date | None = None,
) -> None:
    """Record the registration centre's filing, by default as filed today."""
    filing_date = filing_date or timezone.localdate()
    do(
        application,
        IssuanceFlow.registry_filing,
        by,
        lambda case: actions.record_filing(
            case,
            by=by,
            reference=reference,
            filing_date=filing_date,
            receipt=pdf_upload("receipt.pdf"),
        ),
    )


def request_change(issuer: Issuer, by: AbstractBaseUser, **fields: object) -> ChangeRequest:
    """A draft change request, edited as the change form would."""
    Official.forget(by)
    change = changes.start_change_request(issuer, by=by)
    data = {field: getattr(change, field) for field in ChangeRequest.EDITABLE_FIELDS}
    actions.update_case(change, by=by, data=_valid(ChangeRequestForm, {**data, **fields}, change))
    return change


def submit_change(change: ChangeRequest, by: AbstractBaseUser) -> ChangeRequest:
    Official.forget(by)
    return ChangeFlow.submit_case(change, by=by)


# --- From filed to authorised to issue --------------------------------------------------


def apply_for_authorisation(issuer: Issuer, by: AbstractBaseUser) -> Authorisation:
    """The department's application for keys and PSAM cards (or its retest), submitted."""
    Official.forget(by)
    case = readiness.draft_authorisation(
        issuer,
        by=by,
        key_request="城市级密钥卡 2 张（3.00 版）/ 2 city-level key cards (version 3.00)",
        psam_quantity=200,
    )
    return AuthorisationFlow.submit_case(case, by=by)


def issue_gate(case: Authorisation, gate: str, by: AbstractBaseUser, references: str) -> None:
    node = (
        AuthorisationFlow.key_examination if gate == "keys" else AuthorisationFlow.psam_examination
    )
    do(
        case,
        node,
        by,
        lambda c: readiness.issue_gate(
            c, gate, by=by, references=references, issued_on=timezone.localdate()
        ),
    )


def take_general_test(
    case: Authorisation, applicant: AbstractBaseUser, center: AbstractBaseUser, failing=()
) -> None:
    """The department applies for the general test and the center records its results."""
    do(
        case,
        AuthorisationFlow.test_application,
        applicant,
        lambda c: readiness.apply_for_test(
            c, by=applicant, test_card_count=1, test_card_serials="D156000000000001"
        ),
    )
    results = {code: (code not in failing, "") for code in GeneralTestItem.Item.values}
    do(
        case,
        AuthorisationFlow.general_test,
        center,
        lambda c: readiness.record_test(
            c, by=center, results=results, report=pdf_upload("test-report.pdf")
        ),
    )
