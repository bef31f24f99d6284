"""Change requests: what an issuer may change, how the change is routed, and putting it in force.

The applicant edits a copy of the registered version; the system computes the diff and
routes by it (the applicant never picks the route). One change request per issuer may be
open at a time: a second one is refused until the first is decided or withdrawn, so every
change is reviewed against the version that is in force when it is approved.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from issuers import file_structure
from issuers.models import CardSpecification, Issuer

from .access import department_of
from .actions import ActionRefused, record_event, require_complete, resubmit, set_status
from .models import CaseEvent, ChangeKind, ChangeRequest
from .uploads import check_upload

Action = CaseEvent.Action
Status = ChangeRequest.Status

# Fields compared with the registered version, and the kind of change each one makes.
FIELD_KINDS = {"card_supplier": "supplier", "card_product": "product"}


def compute_diff(change: ChangeRequest) -> dict:
    """What differs from the registered version, field by field and node by node."""
    base = change.base_version
    fields = []
    for name in ("card_supplier", "card_product", "cardholder_population", "planned_quantity"):
        before, after = getattr(base, name), getattr(change, name)
        if before != after:
            label = ChangeRequest._meta.get_field(name).verbose_name
            fields.append({"name": name, "label": label, "before": before, "after": after})
    return {
        "fields": fields,
        "surface_changed": bool(change.surface),
        "structure": file_structure.diff(base.file_structure, change.file_structure),
    }


def kinds_of_change(change: ChangeRequest, diff: dict) -> list[str]:
    kinds = [FIELD_KINDS[f["name"]] for f in diff["fields"] if f["name"] in FIELD_KINDS]
    for field in diff["fields"]:
        if field["name"] == "cardholder_population":
            kinds.append("population")
        if field["name"] == "planned_quantity":
            more = field["after"] > field["before"]
            # Fewer cards is in neither of the regulation's lists, so it is an unknown kind.
            kinds.append("quantity_increase" if more else "quantity_decrease")
    if diff["surface_changed"]:
        kinds.append("surface")
    if any(diff["structure"].values()):
        kinds.append("file_structure")
    return sorted(set(kinds))


def route_for(kinds: list[str]) -> str:
    """The strictest route of the kinds; a kind not in the table takes re-approval."""
    routes = dict(ChangeKind.objects.filter(code__in=kinds).values_list("code", "route"))
    if any(
        routes.get(kind, ChangeKind.Route.REAPPROVAL) == ChangeKind.Route.REAPPROVAL
        for kind in kinds
    ):
        return ChangeKind.Route.REAPPROVAL
    return ChangeKind.Route.FILING


def reroute(change: ChangeRequest) -> None:
    """Decide the route from the diff and the table of kinds as they are now."""
    kinds = kinds_of_change(change, compute_diff(change))
    change.change_kinds = kinds
    change.route = route_for(kinds) if kinds else ""
    change.test_cards_required = bool({"supplier", "product"} & set(kinds))
    change.save(update_fields=["change_kinds", "route", "test_cards_required"])


def _require_editable(change: ChangeRequest) -> None:
    if not change.is_editable:
        raise ActionRefused(_("This change request can no longer be edited."))


@transaction.atomic
def start_change_request(issuer: Issuer, *, by: AbstractBaseUser) -> ChangeRequest:
    """A draft copy of the issuer's registered version, for its own department to edit."""
    issuer = Issuer.objects.select_for_update().get(pk=issuer.pk)
    department = department_of(by)
    if department is None or department.pk != issuer.department_id:
        raise ActionRefused(_("Only the issuer's own department may request a change."))
    if issuer.status != Issuer.Status.FILED:
        raise ActionRefused(_("Changes can be requested once the issuer is filed and active."))
    if issuer.open_change_request():
        raise ActionRefused(
            _("A change request for this issuer is still open. Finish or withdraw it first.")
        )
    base = issuer.current_specification()
    change = ChangeRequest.objects.create(
        issuer=issuer,
        department=issuer.department,
        created_by=by,
        base_version=base,
        description="",
        card_supplier=base.card_supplier,
        card_product=base.card_product,
        cardholder_population=base.cardholder_population,
        planned_quantity=base.planned_quantity,
        file_structure=base.file_structure,
    )
    record_event(change, Action.CREATED, by=by, detail=f"{issuer.issuer_id} v{base.version}")
    return change


@transaction.atomic
def update_change_request(change: ChangeRequest, *, by: AbstractBaseUser, data: dict) -> None:
    _require_editable(change)
    changed = [f for f in ChangeRequest.EDITABLE_FIELDS if getattr(change, f) != data[f]]
    if not changed:
        return
    for field in changed:
        setattr(change, field, data[field])
    change.save(update_fields=changed)
    reroute(change)
    labels = [str(ChangeRequest._meta.get_field(f).verbose_name) for f in changed]
    record_event(change, Action.EDITED, by=by, detail=", ".join(labels)[:255])


@transaction.atomic
def replace_surface(change: ChangeRequest, upload: UploadedFile, *, by: AbstractBaseUser) -> None:
    _require_editable(change)
    change.surface_content_type = check_upload(upload)
    change.surface.save("surface", upload, save=False)
    change.save(update_fields=["surface", "surface_content_type"])
    reroute(change)
    record_event(change, Action.MATERIAL_UPLOADED, by=by, detail=_("New card surface design"))


@transaction.atomic
def replace_file_structure(
    change: ChangeRequest, nodes: list[dict], *, by: AbstractBaseUser
) -> None:
    _require_editable(change)
    nodes = file_structure.validate(nodes)
    if nodes == file_structure.normalise(change.file_structure):
        return
    change.file_structure = nodes
    change.save(update_fields=["file_structure"])
    reroute(change)
    record_event(change, Action.EDITED, by=by, detail=_("File structure"))


@transaction.atomic
def submit_change_request(change: ChangeRequest, *, by: AbstractBaseUser) -> None:
    from .flows import ChangeFlow

    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.DRAFT:
        raise ActionRefused(_("Only a draft can be submitted."))
    if not change.description.strip():
        raise ActionRefused(_("Say what changes and why before submitting."))
    reroute(change)
    require_complete(change)
    change.submitted_at = timezone.now()
    before = set_status(change, change.status_after_submission(), "submitted_at")
    record_event(
        change,
        Action.SUBMITTED,
        by=by,
        status_before=before,
        detail=f"{change.get_route_display()}: {', '.join(change.change_kinds)}"[:255],
    )
    ChangeFlow.submit.run(change_request=change)


def resubmit_change_request(change: ChangeRequest, *, by: AbstractBaseUser, note: str) -> None:
    """After a return: routed again by what the corrected request changes."""
    reroute(change)
    resubmit(change, by=by, note=note)


@transaction.atomic
def withdraw_change_request(change: ChangeRequest, *, by: AbstractBaseUser) -> None:
    """A draft, or a request returned for correction, that the issuer will not pursue.
    Frees the issuer for another change request; the registered version stays as it is."""
    from .flows import ChangeFlow

    if change.status not in (Status.DRAFT, Status.RETURNED):
        raise ActionRefused(_("Only a draft or a returned change request can be withdrawn."))
    if change.status == Status.RETURNED:
        # Ends the waiting correction task, under the case lock.
        ChangeFlow.instance.cancel(change.process)
    before = set_status(change, Status.WITHDRAWN)
    record_event(change, Action.WITHDRAWN, by=by, status_before=before)


def record_acknowledgement(
    change: ChangeRequest, outcome: str, *, by: AbstractBaseUser, reasons: str
) -> None:
    """The Ministry IT Office acknowledges a change for the record, or returns it."""
    from .actions import Outcome

    if change.status != Status.AWAITING_ACKNOWLEDGEMENT:
        raise ActionRefused(_("This change request is not awaiting acknowledgement."))
    target, action = {
        Outcome.PASS: (Status.ACKNOWLEDGED, Action.ACKNOWLEDGED),
        Outcome.RETURN: (Status.RETURNED, Action.RETURNED),
    }[outcome]
    before = set_status(change, target)
    record_event(change, action, by=by, status_before=before, reason=reasons)


def put_in_force(change: ChangeRequest) -> CardSpecification:
    """The approved or acknowledged change becomes the issuer's next registered version."""
    issuer = Issuer.objects.select_for_update().get(pk=change.issuer_id)
    current = issuer.current_specification()
    if current.pk != change.base_version_id:
        raise ActionRefused(_("The registered version changed since this request was made."))
    specification = CardSpecification(
        issuer=issuer,
        version=current.version + 1,
        change_request=change,
        card_supplier=change.card_supplier,
        card_product=change.card_product,
        cardholder_population=change.cardholder_population,
        planned_quantity=change.planned_quantity,
        spec_version=current.spec_version,
        surface_content_type=change.surface_content_type or current.surface_content_type,
        surface_version=current.surface_version + (1 if change.surface else 0),
        file_structure=change.file_structure,
    )
    # Stored files are never modified, so versions can share them.
    specification.surface.name = change.surface.name if change.surface else current.surface.name
    specification.save()
    record_event(change, Action.VERSION_CREATED, by=None, detail=f"v{specification.version}")
    return specification
