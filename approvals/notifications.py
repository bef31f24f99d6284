"""E-mails about a case: to the department that must act next, or to the applicant when its
case is decided. Each timeline event is told once (its Notification row)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from issuers.models import Department

from .models import Action, Case, CaseEvent, Notification

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


def recipients_for(event: CaseEvent) -> list[str]:
    """E-mail addresses of the active officials of the department the event concerns.

    Read from the event, not the case: by the time a worker runs, the case may have moved on.
    """
    case = event.case
    if NOTIFY_ON.get(event.action) == APPLICANT:
        department = case.department
    elif event.status_after == case.specific_class.Status.PROVINCIAL_EXAMINATION:
        department = case.department.examining_department()
    else:
        department = Department.objects.ministry()
    users = (
        get_user_model()
        .objects.filter(membership__department=department, is_active=True)
        .exclude(email="")
    )
    return sorted(users.values_list("email", flat=True))


def message(event: CaseEvent, case: Case) -> tuple[str, str]:
    """Subject and body, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "event": event,
            "case": case,
            "url": settings.SITE_URL.rstrip("/") + case.get_absolute_url(),
        }
        subject = render_to_string("approvals/email/subject.txt", context).strip()
        body = render_to_string("approvals/email/body.txt", context)
    return subject, body


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
            subject, body = message(event, event.case)
            send_mail(subject, body, None, recipients)
        notification.recipients = ", ".join(recipients)
        notification.sent_at = timezone.now()
        notification.save(update_fields=["recipients", "sent_at"])
    return notification
