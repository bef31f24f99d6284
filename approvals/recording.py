"""Writing a step down: the refusal every action may raise, the case's status, and its
timeline entry (which queues the documents and e-mails the entry calls for)."""

from django.contrib.auth.models import AbstractBaseUser

from issuers.membership import department_of

from . import tasks
from .models import Case, CaseEvent


class ActionRefused(Exception):
    """A business rule forbids the action; the message is shown to the official, next to
    `field` when the rule concerns one field of the form."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def record_event(
    case: Case,
    action: str,
    *,
    by: AbstractBaseUser | None,
    status_before: str = "",
    reason: str = "",
    detail: str = "",
) -> CaseEvent:
    department = department_of(by) if by is not None else None
    event = CaseEvent.objects.create(
        case=case,
        action=action,
        actor=by,
        actor_department=department.name if department else "",
        status_before=status_before or case.status,
        status_after=case.status,
        reason=reason,
        detail=detail,
    )
    tasks.after_event(event)
    return event


def set_status(case: Case, status: str, *extra_fields: str) -> str:
    before = case.status
    case.status = status
    case.save(update_fields=["status", *extra_fields])
    return before
