"""Telling officials: in-app notices (the bell) and, for the kinds each official chose,
e-mails in the official's language.

A notice is keyed (`event:<pk>`, `clock:<pk>:reminder`, ...) and unique per user and key, so
whatever tells twice stores it once; an e-mail is sent for a notice once (`emailed_at`, set
under the row lock). Events of the procedure are told by `notify`, once each (its
Notification row), to the department that must act next or to the applicant.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from issuers.membership import members_of

from .models import Action, Case, CaseEvent, Notice, NoticeSettings, Notification

Kind = Notice.Kind
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


def settings_of(user: AbstractBaseUser) -> NoticeSettings:
    found = NoticeSettings.objects.filter(user=user).first()
    return found or NoticeSettings(
        user=user, language=settings.LANGUAGE_CODE, email_kinds=NoticeSettings.default_kinds()
    )


def tell(
    users: Iterable[AbstractBaseUser], kind: str, case: Case, key: str, values: dict
) -> list[int]:
    """Store the notice for each active user not yet told under `key`; returns their ids."""
    wanted = {user.pk for user in users if user.is_active}
    told = set(Notice.objects.filter(key=key, user_id__in=wanted).values_list("user_id", flat=True))
    Notice.objects.bulk_create(
        [
            Notice(user_id=pk, kind=kind, case_id=case.pk, key=key, values=values)
            for pk in sorted(wanted - told)
        ],
        ignore_conflicts=True,  # a concurrent teller stored it first
    )
    return sorted(wanted - told)


def _wants_mail(users: Iterable[AbstractBaseUser], kind: str) -> dict[str, list[str]]:
    """language -> the addresses of users who want `kind` by e-mail."""
    chosen = {s.user_id: s for s in NoticeSettings.objects.filter(user__in=users)}
    by_language = defaultdict(list)
    for user in users:
        choice = chosen.get(user.pk)
        kinds = choice.email_kinds if choice else NoticeSettings.default_kinds()
        if user.email and kind in kinds:
            language = choice.language if choice else settings.LANGUAGE_CODE
            by_language[language].append(user.email)
    return {language: sorted(set(emails)) for language, emails in by_language.items()}


def email_notices(key: str) -> int:
    """E-mail the notices stored under `key` that are not yet sent; returns how many."""
    with transaction.atomic():
        notices = list(
            Notice.objects.select_for_update(skip_locked=True)
            .filter(key=key, emailed_at__isnull=True)
            .select_related("user", "case")
        )
        if not notices:
            return 0
        first = notices[0]
        for language, emails in _wants_mail([n.user for n in notices], first.kind).items():
            with translation.override(language):
                context = {
                    "notice": first,
                    "text": first.text(),
                    "url": settings.SITE_URL.rstrip("/") + first.case.get_absolute_url(),
                }
                subject = render_to_string("approvals/email/notice_subject.txt", context).strip()
                body = render_to_string("approvals/email/notice_body.txt", context)
            send_mail(subject, body, None, emails)
        Notice.objects.filter(pk__in=[n.pk for n in notices]).update(emailed_at=timezone.now())
    return len(notices)


def recipients_for(event: CaseEvent) -> list[AbstractBaseUser]:
    """The active officials of the department the event concerns.

    Read from the event, not the case: by the time a worker runs, the case may have moved on.
    """
    case = event.case
    if NOTIFY_ON.get(event.action) == APPLICANT:
        department = case.department
    else:
        # The office whose step the case entered: the province, the Ministry, or for the
        # way to authorisation the Information Center.
        department = case.specific.office_for(event.status_after)
    return list(members_of(department).order_by("pk"))


def kind_of(event: CaseEvent) -> str:
    if NOTIFY_ON.get(event.action) == NEXT_DEPARTMENT:
        return Kind.NEW_TASK
    return Kind.RETURN if event.action == Action.RETURNED else Kind.DECISION


def message(event: CaseEvent, case: Case) -> tuple[str, str]:
    """Subject and body, in the active language."""
    context = {
        "event": event,
        "case": case,
        "url": settings.SITE_URL.rstrip("/") + case.get_absolute_url(),
    }
    subject = render_to_string("approvals/email/subject.txt", context).strip()
    body = render_to_string("approvals/email/body.txt", context)
    return subject, body


def notify(event: CaseEvent) -> Notification:
    """Tell the officials an event concerns, once: a notice each, and the e-mail in each
    reader's language to those who want this kind by e-mail. The row lock makes a second
    delivery wait and then find it sent; only a worker lost between sending and committing
    sends it again."""
    with transaction.atomic():
        Notification.objects.get_or_create(event=event)
        notification = Notification.objects.select_for_update().get(event=event)
        if notification.sent_at is not None:
            return notification
        users = recipients_for(event)
        kind = kind_of(event)
        values = {"action": event.action, "status": event.status_after}
        tell(users, kind, event.case, f"event:{event.pk}", values)
        sent = []
        for language, emails in _wants_mail(users, kind).items():
            with translation.override(language):
                subject, body = message(event, event.case)
            send_mail(subject, body, None, emails)
            sent += emails
        Notice.objects.filter(key=f"event:{event.pk}").update(emailed_at=timezone.now())
        notification.recipients = ", ".join(sorted(sent))
        notification.sent_at = timezone.now()
        notification.save(update_fields=["recipients", "sent_at"])
    return notification
