"""The case timeline as a hash chain: each event's hash covers the previous one's, so an
altered, removed or inserted row is found by `manage.py verify_audit`.

Writers take the chain head's row lock, so concurrent transactions still build one chain.
The head is locked, read and written inside the caller's transaction, without a savepoint of
its own: an event that fails to insert rolls the whole action back, head included.
"""

import hashlib
import json

from django.db import transaction
from django.utils import timezone

GENESIS = "0" * 64


def event_digest(event) -> str:  # noqa: ANN001 - a CaseEvent
    content = [
        event.sequence,
        event.prev_hash,
        event.application_id,
        event.change_request_id,
        event.at.isoformat(),
        event.actor_id,
        event.actor_department,
        event.action,
        event.status_before,
        event.status_after,
        event.reason,
        event.detail,
    ]
    encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


@transaction.atomic(savepoint=False)
def chain(event) -> None:  # noqa: ANN001
    """Give a new event its place in the chain; the caller then inserts it."""
    from .models import AuditChainHead

    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # the very first event
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    event.at = timezone.now()
    event.sequence = head.last_sequence + 1
    event.prev_hash = head.last_hash
    event.hash = event_digest(event)
    head.last_sequence = event.sequence
    head.last_hash = event.hash
    head.save(update_fields=["last_sequence", "last_hash"])


def first_problem() -> str | None:
    """Walk the chain; describe the first altered, missing or inserted event, if any."""
    from .models import AuditChainHead, CaseEvent

    expected_sequence, previous = 1, GENESIS
    for event in CaseEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        if event.sequence != expected_sequence:
            return f"event #{expected_sequence} is missing (found #{event.sequence} next)"
        if event.prev_hash != previous or event_digest(event) != event.hash:
            return f"event #{event.sequence} (id {event.pk}) was altered"
        expected_sequence, previous = expected_sequence + 1, event.hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.last_sequence != expected_sequence - 1 or head.last_hash != previous):
        return f"the last events after #{expected_sequence - 1} are missing"
    return None
