"""The documents the system issues for a case: rendered once with WeasyPrint from templates
under templates/approvals/pdf/, kept as issued, and served from what was kept.

The fetcher reads only the project's own static files from disk: no file:// URLs, no network.
Applicant text is auto-escaped by the template engine.
"""

import hashlib

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from issuers.models import Issuer

from .models import Action, Application, Case, CaseDocument, ChangeRequest

Kind = CaseDocument.Kind
PDF_BASE_URL = "https://pdf.invalid/"
STATIC_PREFIX = PDF_BASE_URL + "static/"

# What is kept as issued: the decision once the issuer ID is allocated (procedure step 3), the
# filing form once the National IC Card Registration Center has filed it (with its reference),
# a change decision or acknowledgement once the new version is in force.
ISSUED_AFTER = {
    Action.ISSUER_ID_ALLOCATED: [Kind.DECISION_LETTER],
    Action.FILED: [Kind.FILING_FORM],
    Action.FILING_CORRECTED: [Kind.FILING_FORM],
    Action.VERSION_CREATED: [Kind.CHANGE_DECISION],
}


class StaticFilesOnlyFetcher(URLFetcher):
    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if not url.startswith(STATIC_PREFIX):
            raise ValueError(f"Refused to fetch {url!r} while rendering a PDF.")
        relative = url.removeprefix(STATIC_PREFIX).split("?")[0]
        path = finders.find(relative) if ".." not in relative.split("/") else None
        if not path:
            raise ValueError(f"No static file for {url!r}.")
        with open(path, "rb") as handle:
            return URLFetcherResponse(url, body=handle.read())


def render_pdf(template_name: str, context: dict) -> bytes:
    html = render_to_string(template_name, context)
    return HTML(
        string=html, base_url=PDF_BASE_URL, url_fetcher=StaticFilesOnlyFetcher()
    ).write_pdf()


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


def document_filename(kind: str, case: Case) -> str:
    if kind == Kind.CHANGE_DECISION:
        outcome = "decision" if case.status == ChangeRequest.Status.APPROVED else "acknowledgement"
        return f"{case.reference}-{outcome}.pdf"
    if kind == Kind.DECISION_LETTER:
        return f"{case.reference}-decision.pdf"
    return f"{case.issuer.issuer_id}-filing-form.pdf"


def document_context(kind: str, case: Application | ChangeRequest) -> tuple[str, dict]:
    """Template and context of a document of this kind for this case."""
    if kind == Kind.CHANGE_DECISION:
        return "approvals/pdf/change_decision.html", {
            "change": case,
            "version": case.resulting_version,
            "decision": case.events.filter(
                action__in=[Action.APPROVED, Action.ACKNOWLEDGED]
            ).last(),
            "diff": case.diff(),
        }
    context = {
        "application": case,
        "issuer": case.issuer,
        "approval": case.events.filter(action=Action.APPROVED).select_related("actor").last(),
        "correction": case.events.filter(action=Action.FILING_CORRECTED).last(),
    }
    if kind == Kind.DECISION_LETTER:
        return "approvals/pdf/decision_letter.html", context
    return "approvals/pdf/filing_form.html", context


def current_edition(kind: str, case: Application | ChangeRequest) -> int:
    """Each correction of the filing record reissues the filing form as a new edition."""
    if kind == Kind.FILING_FORM:
        return 1 + case.events.filter(action=Action.FILING_CORRECTED).count()
    return 1


def issue_document(kind: str, case: Application | ChangeRequest) -> CaseDocument:
    """Render and keep the document's current edition, unless it was issued already."""
    edition = current_edition(kind, case)
    existing = CaseDocument.objects.filter(kind=kind, case=case, edition=edition).first()
    if existing is not None:
        return existing
    template, context = document_context(kind, case)
    with translation.override(settings.LANGUAGE_CODE):
        pdf = render_pdf(template, {**context, "edition": edition})
    document = CaseDocument(
        kind=kind, case=case, edition=edition, sha256=hashlib.sha256(pdf).hexdigest()
    )
    try:
        with transaction.atomic():
            document.file.save(document_filename(kind, case), ContentFile(pdf), save=True)
    except IntegrityError:
        # Issued meanwhile by another delivery of the same task: keep the first.
        document.file.delete(save=False)
        return CaseDocument.objects.get(kind=kind, case=case, edition=edition)
    return document


def document_response(kind: str, case: Application | ChangeRequest) -> HttpResponse:
    """Download of the issued document. If the background task has not issued it yet, it is
    issued now, exactly as the task would: the same bytes are served from then on."""
    filename = document_filename(kind, case)
    if kind == Kind.FILING_FORM and case.issuer.status != Issuer.Status.FILED:
        # Before filing the form is a working copy for the Ministry to send: rendered, not kept.
        pdf = render_pdf(*document_context(kind, case))
        return attachment_response(pdf, filename, "application/pdf")
    document = issue_document(kind, case)
    with document.file.open("rb") as pdf:  # a few hundred kilobytes at most
        return attachment_response(pdf.read(), filename, "application/pdf")
