"""The documents the system issues for a case (行政许可 documents served on the applicant, and
the filing form sent to the National IC Card Registration Center): rendered once with
WeasyPrint from templates under templates/approvals/pdf/, numbered, signed, kept as issued and
served from what was kept.

Layout follows GB/T 9704-2012 where it applies: the issuing office's mark, the document number
(文号), title, addressee (主送), body, issuing office and date, copy-to (抄送), the seal; and a QR
code and printed code that lead anyone to the public verification page.

The fetcher reads only the project's own static files and the office's seal: no file:// URLs,
no network. Applicant text is auto-escaped by the template engine.
"""

import hashlib
import secrets
from pathlib import Path

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from issuers.models import Department

from . import audit, signing
from .models import (
    Action,
    Application,
    Case,
    CaseDocument,
    CaseEvent,
    ChangeRequest,
    DocumentSerial,
)

Kind = CaseDocument.Kind
PDF_BASE_URL = "https://pdf.invalid/"
STATIC_PREFIX = PDF_BASE_URL + "static/"
SEAL_URL = PDF_BASE_URL + "seal"
REGISTRATION_CENTER = "国家IC卡注册中心"

# The timeline entries that call for a document. A notice to supplement goes with every
# return, so a case may have several (each its own edition); a corrected filing record
# reissues the filing form as a new edition that supersedes the earlier one.
ISSUED_AFTER = {
    Action.ACCEPTED: [Kind.ACCEPTANCE_NOTICE],
    Action.DEEMED_ACCEPTED: [Kind.ACCEPTANCE_NOTICE],
    Action.RETURNED: [Kind.SUPPLEMENT_NOTICE],
    Action.REJECTED: [Kind.REJECTION],
    Action.EXTENDED: [Kind.EXTENSION_NOTICE],
    Action.ISSUER_ID_ALLOCATED: [Kind.DECISION_LETTER],
    Action.FILED: [Kind.FILING_FORM],
    Action.FILING_CORRECTED: [Kind.FILING_FORM],
    Action.VERSION_CREATED: [Kind.CHANGE_DECISION],
    Action.AUTHORISED: [Kind.AUTHORISATION],
}
ISSUING_ACTIONS = {
    kind: [action for action, kinds in ISSUED_AFTER.items() if kind in kinds] for kind in Kind
}
TEMPLATES = {
    Kind.ACCEPTANCE_NOTICE: "approvals/pdf/acceptance_notice.html",
    Kind.SUPPLEMENT_NOTICE: "approvals/pdf/supplement_notice.html",
    Kind.DECISION_LETTER: "approvals/pdf/decision_letter.html",
    Kind.REJECTION: "approvals/pdf/rejection.html",
    Kind.EXTENSION_NOTICE: "approvals/pdf/extension_notice.html",
    Kind.FILING_FORM: "approvals/pdf/filing_form.html",
    Kind.CHANGE_DECISION: "approvals/pdf/change_decision.html",
    Kind.AUTHORISATION: "approvals/pdf/authorisation.html",
}
# Without 0, O, 1, I: a code read off paper is typed without doubt. 16 of 32 symbols: 80 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class StaticFilesOnlyFetcher(URLFetcher):
    def __init__(self, *args, seal: tuple[bytes, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seal = seal

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url == SEAL_URL and self.seal is not None:
            body, mime_type = self.seal
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})
        if not url.startswith(STATIC_PREFIX):
            raise ValueError(f"Refused to fetch {url!r} while rendering a PDF.")
        relative = url.removeprefix(STATIC_PREFIX).split("?")[0]
        path = finders.find(relative) if ".." not in relative.split("/") else None
        if not path:
            raise ValueError(f"No static file for {url!r}.")
        with open(path, "rb") as handle:
            return URLFetcherResponse(url, body=handle.read())


def render_pdf(
    template_name: str, context: dict, *, seal: tuple[bytes, str] | None = None
) -> bytes:
    html = render_to_string(template_name, context)
    fetcher = StaticFilesOnlyFetcher(seal=seal)
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher).write_pdf(
        pdf_variant="pdf/a-3b"
    )


def attachment_response(
    data_or_file: bytes | object, filename: str, content_type: str
) -> HttpResponse:
    if isinstance(data_or_file, bytes):
        response = HttpResponse(data_or_file, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(
            data_or_file, as_attachment=True, filename=filename, content_type=content_type
        )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def document_filename(kind: str, case: Case, edition: int = 1) -> str:
    suffix = f"-{edition}" if edition > 1 else ""
    if kind == Kind.CHANGE_DECISION:
        outcome = "decision" if case.status == ChangeRequest.Status.APPROVED else "acknowledgement"
        return f"{case.reference}-{outcome}.pdf"
    if kind == Kind.FILING_FORM:
        return f"{case.issuer.issuer_id}-filing-form{suffix}.pdf"
    name = {
        Kind.ACCEPTANCE_NOTICE: "acceptance-notice",
        Kind.SUPPLEMENT_NOTICE: "notice-to-supplement",
        Kind.DECISION_LETTER: "decision",
        Kind.REJECTION: "rejection",
        Kind.EXTENSION_NOTICE: "extension-notice",
        Kind.AUTHORISATION: "authorised-to-issue",
    }[kind]
    return f"{case.reference}-{name}{suffix}.pdf"


# --- The face: who issues, to whom, under which number -----------------------------------


def issuing_office(kind: str, case: Case, event: CaseEvent) -> Department:
    """The office whose step the event decided (the kind's `office_for`): the province for
    its own acceptance, notice to supplement or rejection of a municipal case, the Information
    Center on the way to authorisation, else the Ministry."""
    if kind in (Kind.DECISION_LETTER, Kind.FILING_FORM, Kind.CHANGE_DECISION):
        return Department.objects.ministry()
    return case.office_for(event.status_before) or Department.objects.ministry()


def addressee_and_copy_to(kind: str, case: Case, office: Department) -> tuple[str, str]:
    """主送 and 抄送: the applicant, and the examining province of a municipal applicant when
    the Ministry writes; the filing form goes to the registration centre."""
    province = case.department.examining_department()
    copied = [province.name] if province is not None and province != office else []
    if kind == Kind.FILING_FORM:
        return REGISTRATION_CENTER, "、".join([case.department.name, *copied])
    return case.department.name, "、".join(copied)


def take_document_number(office: Department, year: int) -> int:
    """The next number of the office's year, held by a row lock until the issuing transaction
    ends: a rollback gives the number back, so numbers have no gaps and none is given twice."""
    DocumentSerial.objects.get_or_create(office=office, year=year)
    serial = DocumentSerial.objects.select_for_update().get(office=office, year=year)
    serial.last_number += 1
    serial.save(update_fields=["last_number"])
    return serial.last_number


def new_verification_code() -> str:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(code[i : i + 4] for i in range(0, 16, 4))


def normalise_code(typed: str) -> str:
    """A code as typed (any case, spaces or none, O for 0) in its printed form."""
    letters = "".join(c for c in typed.upper().replace("O", "0") if c.isalnum())
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def verification_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("public_verify", args=[code])


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000")


def seal_image(office: Department) -> tuple[bytes, str]:
    """The office's seal from DOCUMENT_SEAL_DIR (`<area code>.png|svg`, `ministry.png|svg`),
    else the demo seal."""
    folder = Path(settings.DOCUMENT_SEAL_DIR) if settings.DOCUMENT_SEAL_DIR else None
    stem = office.division.code if office.division_id else "ministry"
    for suffix, mime_type in ((".svg", "image/svg+xml"), (".png", "image/png")):
        if folder is not None and (folder / f"{stem}{suffix}").is_file():
            return (folder / f"{stem}{suffix}").read_bytes(), mime_type
    demo = finders.find("approvals/seal-demo.svg")
    with open(demo, "rb") as handle:
        return handle.read(), "image/svg+xml"


# --- Which document, which edition ------------------------------------------------------


def issuing_event(kind: str, case: Case) -> CaseEvent | None:
    """The latest timeline entry that called for a document of this kind."""
    return case.events.filter(action__in=ISSUING_ACTIONS[kind]).order_by("sequence").last()


def edition_of(kind: str, case: Case, event: CaseEvent) -> int:
    """A kind's documents are numbered in the order of the entries that called for them."""
    return case.events.filter(
        action__in=ISSUING_ACTIONS[kind], sequence__lte=event.sequence
    ).count()


def document_context(
    kind: str, case: Application | ChangeRequest, event: CaseEvent | None = None
) -> tuple[str, dict]:
    """Template and context of a document of this kind for this case (its body)."""
    event = event or issuing_event(kind, case)
    context = {"case": case, "event": event}
    if kind == Kind.CHANGE_DECISION:
        context.update(
            change=case,
            version=case.resulting_version,
            decision=case.events.filter(action__in=[Action.APPROVED, Action.ACKNOWLEDGED]).last(),
            diff=case.diff(),
        )
    elif kind in (Kind.DECISION_LETTER, Kind.FILING_FORM):
        context.update(
            application=case,
            issuer=case.issuer,
            approval=case.events.filter(action=Action.APPROVED).select_related("actor").last(),
            correction=case.events.filter(action=Action.FILING_CORRECTED).last(),
        )
    elif kind == Kind.SUPPLEMENT_NOTICE:
        context["items"] = [line.strip() for line in event.reason.splitlines() if line.strip()]
    elif kind == Kind.AUTHORISATION:
        context["items"] = case.test_items.filter(round=case.test_round)
    elif kind == Kind.EXTENSION_NOTICE:
        context["clock"] = case.clocks.filter(extended_by__gt=0).order_by("-started_at").first()
    return TEMPLATES[kind], context


def issue_document(
    kind: str, case: Application | ChangeRequest, event: CaseEvent | None = None
) -> CaseDocument:
    """Number, render, sign and keep the document the event calls for, unless it was issued
    already. All in one transaction: the number, the timeline entry, the audit checkpoint
    and the kept bytes exist together or not at all."""
    event = event or issuing_event(kind, case)
    edition = edition_of(kind, case, event)
    existing = CaseDocument.objects.filter(kind=kind, case=case, edition=edition).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            document = _issue(kind, case, event, edition)
    except IntegrityError:
        # Issued meanwhile by another delivery of the same task: keep the first. The number
        # this attempt took was rolled back with it.
        return CaseDocument.objects.get(kind=kind, case=case, edition=edition)
    return document


def _issue(kind: str, case: Case, event: CaseEvent, edition: int) -> CaseDocument:
    office = issuing_office(kind, case, event)
    today = timezone.localdate()
    addressee, copy_to = addressee_and_copy_to(kind, case, office)
    issuer = getattr(case, "issuer", None)
    document = CaseDocument(
        kind=kind,
        case=case,
        event=event,
        edition=edition,
        office=office,
        number=office.document_number(today.year, take_document_number(office, today.year)),
        issued_on=today,
        addressee=addressee,
        copy_to=copy_to,
        issuer_id=issuer.issuer_id if issuer is not None else "",
        verification_code=new_verification_code(),
    )
    CaseEvent.objects.create(
        case=case,
        action=Action.DOCUMENT_ISSUED,
        actor=None,
        actor_department=office.name,
        status_before=case.status,
        status_after=case.status,
        detail=CaseEvent.pack_detail(
            {"t": "issued", "kind": kind, "number": document.number, "edition": edition}
        ),
    )
    head = audit.checkpoint()
    document.chain_sequence, document.chain_hash = head.sequence, head.hash
    template, context = document_context(kind, case, event)
    url = verification_url(document.verification_code)
    with translation.override(settings.LANGUAGE_CODE):
        pdf = render_pdf(
            template,
            {
                **context,
                "document": document,
                "office": office,
                "edition": edition,
                "verify_url": url,
                "qr": qr_svg(url),
            },
            seal=seal_image(office),
        )
    signed = signing.sign_pdf(pdf, reason=f"{document.get_kind_display()} {document.number}")
    document.sha256 = hashlib.sha256(signed).hexdigest()
    filename = document_filename(kind, case, edition)
    try:
        document.file.save(filename, ContentFile(signed), save=True)
    except IntegrityError:
        document.file.delete(save=False)
        raise
    return document


def document_response(kind: str, case: Application | ChangeRequest) -> HttpResponse:
    """Download of the latest issued document of a kind. If the background task has not
    issued it yet, it is issued now, exactly as the task would: the same bytes are served from
    then on."""
    if kind == Kind.FILING_FORM and not case.issuer.is_filed:
        # Before filing the form is a working copy for the Ministry to send: rendered, not kept.
        template, context = document_context(kind, case)
        ministry = Department.objects.ministry()
        pdf = render_pdf(template, {**context, "document": None, "office": ministry, "edition": 1})
        return attachment_response(pdf, document_filename(kind, case), "application/pdf")
    return issued_response(issue_document(kind, case))


def issued_response(document: CaseDocument) -> HttpResponse:
    filename = document_filename(document.kind, document.case.specific, document.edition)
    with document.file.open("rb") as pdf:  # a few hundred kilobytes at most
        return attachment_response(pdf.read(), filename, "application/pdf")
