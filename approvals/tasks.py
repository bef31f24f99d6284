"""Celery tasks. Each one is safe to run twice: a message is acknowledged only after the task
has finished (acks_late), so a worker lost mid-task leaves it to be delivered again."""

from celery import shared_task
from django.core.management import call_command
from django.db import OperationalError

from . import background
from .models import CaseEvent

# A database that is briefly away (failover, restart) is worth retrying; anything else is a bug
# and is logged by Celery instead.
RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 8,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


@shared_task(**RETRY)
def issue_document(event_pk: int, kind: str) -> int:
    """Render and keep the document an event calls for; returns its id."""
    event = CaseEvent.objects.select_related("application", "change_request").get(pk=event_pk)
    return background.issue_document(kind, event.case).pk


@shared_task(**RETRY)
def notify(event_pk: int) -> str:
    """E-mail the officials an event concerns; returns the recipients."""
    event = CaseEvent.objects.select_related("application", "change_request").get(pk=event_pk)
    return background.notify(event).recipients


@shared_task(acks_late=True)
def fire_workflow_timers() -> None:
    """viewflow's database timers and deadlines; celery beat runs this every minute."""
    call_command("workflow_timers")
