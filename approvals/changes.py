"""The actions of change requests: start one from the registered version, edit what the
generic actions don't (surface, file structure), withdraw it, and put it in force.

One change request per issuer may be open at a time: a second one is refused until the first
is decided or withdrawn, so every change is reviewed against the version that is in force
when it is approved.
"""

import datetime
import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from issuers.membership import department_of
from issuers.models import CardSpecification, Issuer

from . import clocks
from .actions import ActionRefused, record_event, require_editable, set_status
from .models import Action, CaseEvent, ChangeRequest
from .uploads import check_upload, surface_preview

Status = ChangeRequest.Status


# The kinds of change after which an authorised issuer's cards pass the general test again.
RETESTED_CHANGES = {"supplier", "product", "surface", "file_structure"}


def refuse_change_request(issuer: Issuer, *, by: AbstractBaseUser) -> None:
    """ActionRefused with the reason when `by` may not start a change request of `issuer`."""
    department = department_of(by)
    if department is None or department.pk != issuer.department_id:
        raise ActionRefused(_("Only the issuer's own department may request a change."))
    if not issuer.is_filed:
        raise ActionRefused(_("Changes can be requested once the issuer is filed and active."))
    if ChangeRequest.objects.filter(issuer=issuer).open().exists():
        raise ActionRefused(
            _("A change request for this issuer is still open. Finish or withdraw it first.")
        )


def refuse_withdrawal(change: ChangeRequest) -> None:
    if change.status not in (Status.DRAFT, Status.RETURNED):
        raise ActionRefused(_("Only a draft or a returned change request can be withdrawn."))


@transaction.atomic
def start_change_request(issuer: Issuer, *, by: AbstractBaseUser) -> ChangeRequest:
    """A draft copy of the issuer's registered version, for its own department to edit."""
    issuer = Issuer.objects.select_for_update().get(pk=issuer.pk)
    refuse_change_request(issuer, by=by)
    base = issuer.current_specification()
    change = ChangeRequest.objects.create(
        issuer=issuer,
        department=issuer.department,
        created_by=by,
        base_version=base,
        description="",
        card_supplier=base.card_supplier,
        card_product=base.card_product,
        cardholder_categories=base.cardholder_categories,
        cardholder_population=base.cardholder_population,
        planned_quantity=base.planned_quantity,
        spec_version=base.spec_version,
        file_structure=base.file_structure,
    )
    record_event(change, Action.CREATED, by=by, detail=f"{issuer.issuer_id} v{base.version}")
    return change


@transaction.atomic
def replace_surface(change: ChangeRequest, upload: UploadedFile, *, by: AbstractBaseUser) -> None:
    require_editable(change)
    change.surface_content_type = check_upload(upload)
    change.surface.save("surface", upload, save=False)
    upload.seek(0)
    data = upload.read()
    change.surface_sha256 = hashlib.sha256(data).hexdigest()
    preview = surface_preview(data, change.surface_content_type)
    if preview:
        change.surface_preview.save("preview", ContentFile(preview), save=False)
    else:
        change.surface_preview = ""
    change.save(
        update_fields=["surface", "surface_content_type", "surface_sha256", "surface_preview"]
    )
    change.reroute()
    record_event(
        change, Action.MATERIAL_UPLOADED, by=by, detail=CaseEvent.pack_detail({"t": "surface"})
    )


def withdraw_change_request(
    change: ChangeRequest, *, by: AbstractBaseUser | None, reason: str = ""
) -> None:
    """A draft, or a request returned for correction, that the issuer will not pursue.
    Frees the issuer for another change request; the registered version stays as it is.
    A returned request's waiting correction task is ended by the flow (ChangeFlow.withdraw)."""
    refuse_withdrawal(change)
    before = set_status(change, Status.WITHDRAWN)
    record_event(change, Action.WITHDRAWN, by=by, status_before=before, reason=reason)
    clocks.follow(change)


# A draft blocks its issuer's next change request; one left alone this long is discarded.
STALE_DRAFT = datetime.timedelta(days=30)


def discard_stale_drafts(now: datetime.datetime | None = None) -> list[ChangeRequest]:
    """Withdraw, as the system and on the timeline, every change-request draft whose last
    event (its creation, an edit, an upload) is older than STALE_DRAFT."""
    cutoff = (now or timezone.now()) - STALE_DRAFT
    stale = (
        ChangeRequest.objects.filter(status=Status.DRAFT)
        .annotate(last_touched=Max("events__at"))
        .filter(last_touched__lt=cutoff)
        .values_list("pk", flat=True)
    )
    discarded = []
    for pk in list(stale):
        with transaction.atomic():
            change = ChangeRequest.objects.select_for_update().get(pk=pk)
            if change.status != Status.DRAFT or change.events.filter(at__gte=cutoff).exists():
                continue  # touched meanwhile
            withdraw_change_request(
                change,
                by=None,
                reason=_("Discarded: nobody worked on this draft for %(days)s days.")
                % {"days": STALE_DRAFT.days},
            )
            discarded.append(change)
    return discarded


def put_in_force(change: ChangeRequest) -> CardSpecification:
    """The approved or acknowledged change becomes the issuer's next registered version."""
    issuer = Issuer.objects.select_for_update().get(pk=change.issuer_id)
    current = issuer.current_specification()
    if current.pk != change.base_version_id:
        raise ActionRefused(_("The registered version changed since this request was made."))
    new_surface = change.surface_changed()
    specification = CardSpecification(
        issuer=issuer,
        version=current.version + 1,
        card_supplier=change.card_supplier,
        card_product=change.card_product,
        cardholder_categories=change.cardholder_categories,
        cardholder_population=change.cardholder_population,
        planned_quantity=change.planned_quantity,
        spec_version=change.spec_version,
        surface_content_type=(
            change.surface_content_type if new_surface else current.surface_content_type
        ),
        surface_sha256=change.surface_sha256 if new_surface else current.surface_sha256,
        surface_version=current.surface_version + (1 if new_surface else 0),
        file_structure=change.file_structure,
    )
    # Stored files are never modified, so versions can share them.
    specification.surface.name = change.surface.name if new_surface else current.surface.name
    specification.surface_preview.name = (
        change.surface_preview.name if new_surface else current.surface_preview.name
    )
    specification.save()
    change.resulting_version = specification
    change.save(update_fields=["resulting_version"])
    record_event(change, Action.VERSION_CREATED, by=None, detail=f"v{specification.version}")
    if issuer.status == Issuer.Status.AUTHORISED and RETESTED_CHANGES & set(change.change_kinds):
        # 社会保障卡发行管理流程: cards of another supplier or product, surface or file
        # structure are tested again before they are issued.
        issuer.retest_version = specification.version
        issuer.save(update_fields=["retest_version"])
        record_event(change, Action.RETEST_REQUIRED, by=None, detail=f"v{specification.version}")
    return specification
