"""The things officials do to a case. Each takes the actor, checks the rules of the procedure
and writes the timeline entry; each is one transaction (or runs in the caller's).

The flows call the actions of their steps inside viewflow's lock and transaction, and then
route on the status the action wrote: the actions decide, the flows follow. Actions never
import the flows.
"""

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from issuers import file_structure
from issuers.identifiers import next_issuer_id
from issuers.membership import department_of
from issuers.models import CardSpecification, Department, Issuer

from . import clocks
from .models import Action, Application, Case, CaseEvent, Material, event_details
from .recording import ActionRefused, record_event, set_status
from .uploads import check_upload, surface_preview

Status = Application.Status


def applicant_department(user: AbstractBaseUser) -> Department:
    """The department a user applies for, or ActionRefused with the reason.

    Only a provincial department or a municipal bureau may apply (seed 000; Measures ch. 2).
    """
    department = department_of(user)
    if department is None:
        raise ActionRefused(_("Your account is not a member of any department."))
    if not department.may_apply:
        raise ActionRefused(
            _(
                "%(department)s may not apply. Only provincial HRSS departments and "
                "municipal (prefecture-level) HRSS bureaus may issue social security cards."
            )
            % {"department": department}
        )
    return department


def refuse_second_application(department: Department) -> None:
    """One issuing area, one issuer ID: while an application is in progress or approved,
    the department cannot start another (changes go through change requests)."""
    existing = (
        Application.objects.filter(department=department).exclude(status=Status.REJECTED).first()
    )
    if existing is None:
        return
    if existing.status in (Status.APPROVED, Status.FILED):
        raise ActionRefused(
            _(
                "%(department)s is already an approved issuer. To change what it registered, "
                "request a change from its page in the issuer register."
            )
            % {"department": department}
        )
    raise ActionRefused(
        _("%(department)s already has an application in progress (%(reference)s).")
        % {"department": department, "reference": existing.reference}
    )


@transaction.atomic
def create_application(*, by: AbstractBaseUser, data: dict) -> Application:
    department = applicant_department(by)
    # Lock the department so two drafts can't be started at once.
    Department.objects.select_for_update().filter(pk=department.pk).order_by("pk").first()
    refuse_second_application(department)
    application = Application.objects.create(department=department, created_by=by, **data)
    record_event(application, Action.CREATED, by=by)
    return application


def require_editable(case: Case) -> None:
    if not case.is_editable:
        raise ActionRefused(
            _("This %(kind)s can no longer be edited.") % {"kind": case._meta.verbose_name}
        )


@transaction.atomic
def update_case(case: Case, *, by: AbstractBaseUser, data: dict) -> None:
    """The applicant's edit of a draft or of a case returned for correction."""
    require_editable(case)
    changed = [f for f in case.EDITABLE_FIELDS if getattr(case, f) != data[f]]
    if not changed:
        return
    before = {field: getattr(case, field) for field in changed}
    for field in changed:
        setattr(case, field, data[field])
    case.save(update_fields=changed)
    case.update_route()
    after = {field: getattr(case, field) for field in changed}
    detail = CaseEvent.pack_detail(event_details.fields_edited(before, after))
    record_event(case, Action.EDITED, by=by, detail=detail)


@transaction.atomic
def replace_file_structure(case: Case, nodes: list[dict], *, by: AbstractBaseUser) -> None:
    """The applicant's in-card file structure (an application's, or a change request's)."""
    require_editable(case)
    nodes = file_structure.validate(nodes)
    if nodes == file_structure.normalise(case.file_structure):
        return
    case.file_structure = nodes
    case.save(update_fields=["file_structure"])
    case.update_route()
    record_event(case, Action.EDITED, by=by, detail=CaseEvent.pack_detail({"t": "structure"}))


@transaction.atomic
def upload_material(
    case: Case, kind: str, upload: UploadedFile, *, by: AbstractBaseUser
) -> Material:
    """Store a new version of a material; earlier versions are kept."""
    if not case.is_editable:
        raise ActionRefused(_("Materials can only be changed while the application is editable."))
    if kind not in case.REQUIRED_MATERIALS:
        raise ActionRefused(_("This case takes no such material."))
    content_type = check_upload(upload)
    # Lock the case row so two uploads of one slot get distinct versions.
    Case.objects.select_for_update().filter(pk=case.pk).first()
    version = 1 + (
        case.materials.filter(kind=kind)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
        or 0
    )
    if version > settings.MATERIAL_MAX_VERSIONS:
        raise ActionRefused(
            _("This material already has %(count)s versions, the most one case may keep.")
            % {"count": settings.MATERIAL_MAX_VERSIONS}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    material = Material(
        case=case,
        kind=kind,
        version=version,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )
    material.file.save("upload", upload, save=False)
    if kind == Material.Kind.CARD_SURFACE:
        upload.seek(0)
        preview = surface_preview(upload.read(), content_type)
        if preview:
            material.preview.save("preview", ContentFile(preview), save=False)
    material.save()
    record_event(
        case,
        Action.MATERIAL_UPLOADED,
        by=by,
        detail=CaseEvent.pack_detail(
            {"t": "material", "kind": kind, "v": version, "name": material.original_name[:100]}
        ),
    )
    return material


def require_complete(case: Case) -> None:
    problems = case.submission_problems()
    if problems:
        raise ActionRefused(" ".join(str(p) for p in problems))


def submit(case: Case, *, by: AbstractBaseUser) -> Case:
    """Send a draft on its way. Only an official of the applying department submits, and
    only a department that may apply (seed 000: a provincial department or a municipal
    bureau). The status written is the route: the provincial examination for a municipal
    bureau, the Ministry for a province (or, for a change only filed, its acknowledgement).

    Runs in the flow's transaction (flows.CaseFlow.submit_case), which starts the process.
    """
    case = (
        type(case)
        .objects.select_for_update(of=("self", "case_ptr"))
        .select_related("department__division")
        .get(pk=case.pk)
    )
    if case.status != case.Status.DRAFT:
        raise ActionRefused(_("Only a draft can be submitted."))
    if applicant_department(by) != case.department:
        raise ActionRefused(_("Only the applying department may submit its case."))
    case.update_route()
    require_complete(case)
    case.submitted_at = timezone.now()
    case.accepted_at = None
    before = set_status(case, case.status_after_submission(), "submitted_at", "accepted_at")
    record_event(
        case, Action.SUBMITTED, by=by, status_before=before, detail=case.submission_summary()
    )
    clocks.follow(case)
    return case


def resubmit(case: Case, *, by: AbstractBaseUser, note: str) -> None:
    """After a return for correction: routed again, and through every review again."""
    if case.status != case.Status.RETURNED:
        raise ActionRefused(_("Only a returned case can be resubmitted."))
    case.update_route()
    require_complete(case)
    # A complete resubmission is received anew: accepted, and its periods started, again.
    case.accepted_at = None
    before = set_status(case, case.status_after_submission(), "accepted_at")
    record_event(case, Action.RESUBMITTED, by=by, status_before=before, reason=note)
    clocks.follow(case)


def record_decision(
    case: Case, step: str, outcome: str, *, by: AbstractBaseUser, reasons: str
) -> None:
    """The decision of a step (the provincial examination, the Ministry's review, the
    acknowledgement of a change for the record): the outcomes of `case.DECISIONS[step]`.
    Returning and rejecting need reasons, which the applicant reads."""
    if case.status != step or step not in case.DECISIONS:
        raise ActionRefused(
            _("This case is not awaiting that decision; it is now: %(status)s.")
            % {"status": case.get_status_display()}
        )
    decision = case.DECISIONS[step].get(outcome)
    if decision is None:
        raise ActionRefused(_("Choose one of the decisions offered."), field="outcome")
    reasons = reasons.strip()
    if decision.needs_reasons and not reasons:
        raise ActionRefused(
            _("Please give the reasons for returning or rejecting."), field="reasons"
        )
    awaiting_acceptance = step in case.ACCEPTED_IN and case.accepted_at is None
    supplement = awaiting_acceptance and decision.action == Action.RETURNED
    if awaiting_acceptance and not supplement:
        # Deciding on the merits accepts the case first (art. 32); a return before
        # acceptance is the notice to supplement, the status stays unaccepted.
        clocks.accept(case, by=by)
    before = set_status(case, decision.status)
    detail = CaseEvent.pack_detail({"t": "supplement"}) if supplement else ""
    record_event(case, decision.action, by=by, status_before=before, reason=reasons, detail=detail)
    clocks.follow(case)


def allocate_issuer(application: Application) -> Issuer:
    """Give an approved area its issuer ID from the national serial (procedure step 3)."""
    if application.issuer_id is not None:
        raise ActionRefused(_("An issuer ID was already allocated for this application."))
    serial, issuer_id = next_issuer_id(application.department.division)
    issuer = Issuer.objects.create(
        issuer_id=issuer_id,
        serial=serial,
        department=application.department,
        division=application.department.division,
    )
    application.issuer = issuer
    application.save(update_fields=["issuer"])
    record_event(application, Action.ISSUER_ID_ALLOCATED, by=None, detail=issuer_id)
    register_first_version(issuer, application)
    return issuer


def register_first_version(issuer: Issuer, application: Application) -> CardSpecification:
    """The approved application becomes version 1 of the issuer's registered specification."""
    surface = application.current_materials()[Material.Kind.CARD_SURFACE]
    specification = CardSpecification(
        issuer=issuer,
        version=1,
        card_supplier=application.card_supplier,
        card_product=application.card_product,
        cardholder_categories=application.cardholder_categories,
        cardholder_population=application.cardholder_population,
        planned_quantity=application.planned_quantity,
        spec_version=application.spec_version,
        surface_content_type=surface.content_type,
        surface_sha256=surface.sha256,
        file_structure=application.file_structure,
    )
    # Stored files are never modified, so the version can share the material's files.
    specification.surface.name = surface.file.name
    specification.surface_preview.name = surface.preview.name
    specification.save()
    return specification


def check_filing_record(issuer: Issuer, reference: str, filing_date: datetime.date) -> None:
    """The centre files an approved issuer: not before the approval, not in the future, and
    each of its filing references belongs to one issuer."""
    approved_on = timezone.localdate(issuer.allocated_at)
    if filing_date > timezone.localdate():
        raise ActionRefused(_("The filing date cannot be in the future."), field="filing_date")
    if filing_date < approved_on:
        raise ActionRefused(
            _("The filing date cannot be before the approval (%(date)s).")
            % {"date": formats.date_format(approved_on)},
            field="filing_date",
        )
    holder = Issuer.objects.filter(filing_reference=reference).exclude(pk=issuer.pk).first()
    if holder is not None:
        raise ActionRefused(
            _("The filing reference %(reference)s is already recorded for issuer %(issuer)s.")
            % {"reference": reference, "issuer": holder.issuer_id},
            field="reference",
        )


def refuse_filing_correction(application: Application, *, by: AbstractBaseUser) -> None:
    """ActionRefused unless `by` may correct the application's filing record."""
    if application.status != Status.FILED:
        raise ActionRefused(_("Only a filed application's filing record can be corrected."))
    if not by.has_perm("issuers.file_issuer", Department.objects.ministry()):
        raise ActionRefused(_("Only the Ministry's filing officials correct a filing record."))


@transaction.atomic
def correct_filing(
    application: Application,
    *,
    by: AbstractBaseUser,
    reference: str,
    filing_date: datetime.date,
    receipt: UploadedFile | None,
    reason: str,
) -> Issuer:
    """The Ministry corrects a filing record entered wrongly: never edited in place, but
    recorded with its reason (the old and new record on the timeline) and the filing form
    reissued as a new edition."""
    refuse_filing_correction(application, by=by)
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("Say why the filing record is corrected."), field="reason")
    issuer = Issuer.objects.select_for_update().get(pk=application.issuer_id)
    old = f"{issuer.filing_reference} ({issuer.filing_date})"
    if (reference, filing_date) == (issuer.filing_reference, issuer.filing_date) and not receipt:
        raise ActionRefused(_("Nothing differs from the filing record as it is."))
    check_filing_record(issuer, reference, filing_date)
    if receipt:
        check_upload(receipt)
        issuer.filing_receipt.save("receipt", receipt, save=False)
    issuer.filing_reference, issuer.filing_date = reference, filing_date
    issuer.save(update_fields=["filing_reference", "filing_date", "filing_receipt"])
    record_event(
        application,
        Action.FILING_CORRECTED,
        by=by,
        reason=reason,
        detail=f"{old} → {reference} ({filing_date})",
    )
    return issuer


def record_filing(
    application: Application,
    *,
    by: AbstractBaseUser,
    reference: str,
    filing_date: datetime.date,
    receipt: UploadedFile,
) -> Issuer:
    """Record the registration centre's filing; the issuer becomes active."""
    if application.status != Status.APPROVED:
        raise ActionRefused(_("Only an approved application can be filed."))
    issuer = Issuer.objects.select_for_update().get(pk=application.issuer_id)
    check_filing_record(issuer, reference, filing_date)
    check_upload(receipt)
    issuer.filing_reference = reference
    issuer.filing_date = filing_date
    issuer.filing_receipt.save("receipt", receipt, save=False)
    issuer.filed_at = timezone.now()
    issuer.status = Issuer.Status.FILED
    issuer.save(
        update_fields=["filing_reference", "filing_date", "filing_receipt", "filed_at", "status"]
    )
    before = set_status(application, Status.FILED)
    record_event(
        application,
        Action.FILED,
        by=by,
        status_before=before,
        detail=f"{reference} ({filing_date})",
    )
    clocks.follow(application)
    return issuer
