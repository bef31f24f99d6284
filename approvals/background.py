"""What a timeline event sets in motion outside the request: issued documents and e-mails.

record_event() calls `after_event` once the transaction commits, so a worker never sees an
event that was rolled back. Each task is idempotent (one document of a kind per case, one
notification per event): a task re-delivered after a worker was lost does its work once.
With no broker configured (the embedded SQLite mode) Celery runs the tasks in-process.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from issuers.models import Department, Issuer

from .documents import attachment_response, render_pdf
from .models import Application, CaseDocument, CaseEvent, ChangeRequest, Notification

log = logging.getLogger(__name__)
Action = CaseEvent.Action
Kind = CaseDocument.Kind

# What is kept as issued: the decision once the issuer ID is allocated (procedure step 3), the
# filing form once the National IC Card Registration Center has filed it (with its reference),
# a change decision or acknowledgement once the new version is in force.
DOCUMENTS_AFTER = {
    Action.ISSUER_ID_ALLOCATED: [Kind.DECISION_LETTER],
    Action.FILED: [Kind.FILING_FORM],
    Action.VERSION_CREATED: [Kind.CHANGE_DECISION],
}
# Who is told: the department that must act next, or the applicant when its case is decided.
NEXT_DEPARTMENT = "next"
APPLICANT = "applicant"
NOTIFY_ON = {
    Action.SUBMITTED: NEXT_DEPARTMENT,
    Action.RESUBMITTED: NEXT_DEPARTMENT,
    Action.EXAMINATION_PASSED: NEXT_DEPARTMENT,
    Action.RETURNED: APPLICANT,
    Action.REJECTED: APPLICANT,
    Action.APPROVED: APPLICANT,
    Action.FILED: APPLICANT,
    Action.ACKNOWLEDGED: APPLICANT,
}


def after_event(event: CaseEvent) -> None:
    """Queue the background work for an event once the current transaction commits."""
    from . import tasks

    kinds = DOCUMENTS_AFTER.get(event.action, [])
    notify = event.action in NOTIFY_ON

    def enqueue() -> None:
        for kind in kinds:
            tasks.issue_document.delay(event.pk, kind)
        if notify:
            tasks.notify.delay(event.pk)

    if kinds or notify:
        transaction.on_commit(enqueue)


# --- Documents ------------------------------------------------------------------------------


def document_filename(kind: str, case: Application | ChangeRequest) -> str:
    if kind == Kind.CHANGE_DECISION:
        outcome = "decision" if case.status == ChangeRequest.Status.APPROVED else "acknowledgement"
        return f"{case.reference}-{outcome}.pdf"
    if kind == Kind.DECISION_LETTER:
        return f"{case.reference}-decision.pdf"
    return f"{case.issuer.issuer_id}-filing-form.pdf"


def document_context(kind: str, case: Application | ChangeRequest) -> tuple[str, dict]:
    """Template and context of a document of this kind for this case."""
    if kind == Kind.CHANGE_DECISION:
        from .changes import compute_diff

        return "approvals/pdf/change_decision.html", {
            "change": case,
            "version": case.issuer.specifications.get(change_request=case),
            "decision": case.events.filter(
                action__in=[Action.APPROVED, Action.ACKNOWLEDGED]
            ).last(),
            "diff": compute_diff(case),
        }
    context = {
        "application": case,
        "issuer": case.issuer,
        "approval": case.events.filter(action=Action.APPROVED).select_related("actor").last(),
    }
    if kind == Kind.DECISION_LETTER:
        return "approvals/pdf/decision_letter.html", context
    return "approvals/pdf/filing_form.html", context


def issued_document(kind: str, case: Application | ChangeRequest) -> CaseDocument | None:
    owner = "application" if isinstance(case, Application) else "change_request"
    return CaseDocument.objects.filter(kind=kind, **{owner: case}).first()


def issue_document(kind: str, case: Application | ChangeRequest) -> CaseDocument:
    """Render and keep the document, unless it was issued already."""
    existing = issued_document(kind, case)
    if existing is not None:
        return existing
    template, context = document_context(kind, case)
    with translation.override(settings.LANGUAGE_CODE):
        pdf = render_pdf(template, context)
    owner = "application" if isinstance(case, Application) else "change_request"
    document = CaseDocument(kind=kind, sha256=hashlib.sha256(pdf).hexdigest(), **{owner: case})
    try:
        with transaction.atomic():
            document.file.save(document_filename(kind, case), ContentFile(pdf), save=True)
    except IntegrityError:
        # Issued meanwhile by another delivery of the same task: keep the first.
        document.file.delete(save=False)
        return issued_document(kind, case)
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


# --- Notifications --------------------------------------------------------------------------


def recipients_for(event: CaseEvent) -> list[str]:
    """E-mail addresses of the active officials of the department the event concerns.

    Read from the event, not the case: by the time a worker runs, the case may have moved on.
    """
    case = event.case
    if NOTIFY_ON.get(event.action) == APPLICANT:
        department = case.department
    elif event.status_after == Application.Status.PROVINCIAL_EXAMINATION:
        department = case.department.examining_department()
    else:
        department = Department.objects.ministry()
    users = (
        get_user_model()
        .objects.filter(membership__department=department, is_active=True)
        .exclude(email="")
    )
    return sorted(users.values_list("email", flat=True))


def notify(event: CaseEvent) -> Notification:
    """Send the e-mail about an event once. The row lock makes a second delivery wait and
    then find it sent; only a worker lost between sending and committing sends it again."""
    with transaction.atomic():
        Notification.objects.get_or_create(event=event)
        notification = Notification.objects.select_for_update().get(event=event)
        if notification.sent_at is not None:
            return notification
        recipients = recipients_for(event)
        if recipients:
            case = event.case
            with translation.override(settings.LANGUAGE_CODE):
                context = {
                    "event": event,
                    "case": case,
                    "url": settings.SITE_URL.rstrip("/") + case_url(case),
                }
                subject = render_to_string("approvals/email/subject.txt", context).strip()
                body = render_to_string("approvals/email/body.txt", context)
            send_mail(subject, body, None, recipients)
        notification.recipients = ", ".join(recipients)
        notification.sent_at = timezone.now()
        notification.save(update_fields=["recipients", "sent_at"])
    return notification


def case_url(case: Application | ChangeRequest) -> str:
    name = "cases:detail" if isinstance(case, Application) else "changes:detail"
    return reverse(name, kwargs={"pk": case.pk})
