"""Revoking an issued document: the issuing office's supervisor withdraws it, with the
reason, and the public verification page says so from then on."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from issuers.membership import is_supervisor

from .models import Action, CaseDocument, CaseEvent
from .recording import ActionRefused, record_event


def may_revoke(user: AbstractBaseUser, document: CaseDocument) -> bool:
    return document.revoked_at is None and is_supervisor(user, document.office)


@transaction.atomic
def revoke_document(document: CaseDocument, *, by: AbstractBaseUser, reason: str) -> None:
    document = CaseDocument.objects.select_for_update().get(pk=document.pk)
    if document.office is None or not is_supervisor(by, document.office):
        raise ActionRefused(_("Only a supervisor of the issuing office may revoke a document."))
    if document.revoked_at is not None:
        raise ActionRefused(_("This document was already revoked."))
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("Please give the reason for revoking."), field="reason")
    document.revoked_at = timezone.now()
    document.revoked_by = by
    document.revocation_reason = reason
    document.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    record_event(
        document.case.specific,
        Action.DOCUMENT_REVOKED,
        by=by,
        reason=reason,
        detail=CaseEvent.pack_detail(
            {"t": "revoked", "kind": document.kind, "number": document.number}
        ),
    )
