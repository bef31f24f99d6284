"""What a timeline event sets in motion outside the request: issued documents and e-mails,
as Celery tasks.

`after_event` queues them once the recording transaction commits, so a worker never sees an
event that was rolled back. Each task is safe to run twice: a message is acknowledged only
after the task has finished (acks_late), so a worker lost mid-task leaves it to be delivered
again, and the work itself is idempotent (one document of a kind per case, one notification
per event). With no broker configured (the embedded SQLite mode) Celery runs them in-process.
"""

from collections.abc import Iterable

from celery import shared_task
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import call_command
from django.db import OperationalError, transaction

from . import audit, dashboard, documents, exports, notifications
from .models import Case, CaseEvent, Export

# A database that is briefly away (failover, restart) is worth retrying; anything else is a bug
# and is logged by Celery instead.
RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 8,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


def after_event(event: CaseEvent) -> None:
    """Queue the background work for an event once the current transaction commits."""
    kinds = documents.ISSUED_AFTER.get(event.action, [])
    notify_too = event.action in notifications.NOTIFY_ON

    def enqueue() -> None:
        for kind in kinds:
            issue_document.delay(event.pk, kind)
        if notify_too:
            notify.delay(event.pk)

    if kinds or notify_too:
        transaction.on_commit(enqueue)


def tell(users: Iterable[AbstractBaseUser], kind: str, case: Case, key: str, values: dict) -> None:
    """Store the in-app notices now; their e-mails go out once the transaction commits."""
    if notifications.tell(users, kind, case, key, values):
        transaction.on_commit(lambda: email_notices.delay(key))


def _event(event_pk: int) -> CaseEvent:
    return CaseEvent.objects.select_related("case").get(pk=event_pk)


@shared_task(**RETRY)
def issue_document(event_pk: int, kind: str) -> int:
    """Render and keep the document an event calls for; returns its id."""
    event = _event(event_pk)
    return documents.issue_document(kind, event.case.specific, event).pk


@shared_task(**RETRY)
def notify(event_pk: int) -> str:
    """E-mail the officials an event concerns; returns the recipients."""
    return notifications.notify(_event(event_pk)).recipients


@shared_task(**RETRY)
def email_notices(key: str) -> int:
    """E-mail the notices stored under one key to those who want them by e-mail."""
    return notifications.email_notices(key)


@shared_task(acks_late=True)
def sweep_time_limits() -> None:
    """Reminders, overdue notices, escalations and deemed acceptances; celery beat runs this
    every five minutes (safe to run twice at once)."""
    call_command("sweep_time_limits")


@shared_task(acks_late=True)
def refresh_dashboards() -> int:
    """Count the dashboards' figures again; celery beat runs this every ten minutes."""
    return dashboard.refresh()


@shared_task(acks_late=True)
def discard_stale_change_drafts() -> None:
    """Change-request drafts left alone for 30 days; celery beat runs this every night."""
    call_command("discard_stale_drafts")


@shared_task(**RETRY)
def write_audit_checkpoint() -> int:
    """Sign the audit chain's head (approvals.audit); celery beat runs this every hour. With
    no event since the last checkpoint nothing is written. Returns the sequence signed."""
    return audit.checkpoint().sequence


@shared_task(acks_late=True)
def fire_workflow_timers() -> None:
    """viewflow's database timers and deadlines; celery beat runs this every minute."""
    call_command("workflow_timers")


@shared_task(**RETRY)
def write_export(export_pk: int) -> int:
    """Write a large export's file; returns the rows written."""
    export = Export.objects.select_related("requested_by").get(pk=export_pk)
    if export.status == Export.Status.DONE:  # a redelivered task finds it written
        return export.rows_done
    try:
        exports.run_export(export)
    except Exception:
        Export.objects.filter(pk=export_pk).update(status=Export.Status.FAILED)
        raise
    return export.rows_done
