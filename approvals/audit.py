"""Checking the case timeline's hash chain (`manage.py verify_audit`); see models.timeline."""

from .models import AuditChainHead, CaseEvent
from .models.timeline import GENESIS


def first_problem() -> str | None:
    """Walk the chain; describe the first altered, missing or inserted event, if any."""
    expected_sequence, previous = 1, GENESIS
    for event in CaseEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        if event.sequence != expected_sequence:
            return f"event #{expected_sequence} is missing (found #{event.sequence} next)"
        if event.prev_hash != previous or event.digest() != event.hash:
            return f"event #{event.sequence} (id {event.pk}) was altered"
        expected_sequence, previous = expected_sequence + 1, event.hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.last_sequence != expected_sequence - 1 or head.last_hash != previous):
        return f"the last events after #{expected_sequence - 1} are missing"
    return None
