"""The things officials do to a case. Each takes the actor and writes the timeline entry.

Flow-driven steps (examination, review, filing, correction) are called from the task
views inside viewflow's lock and transaction; the flow then routes on Application.status.
"""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from issuers.file_structure import national_structure
from issuers.identifiers import next_issuer_id
from issuers.models import CardSpecification, Department, Issuer

from . import background
from .access import department_of
from .models import Application, CaseEvent, ChangeRequest, Material
from .uploads import check_upload

Status = Application.Status
Action = CaseEvent.Action


class ActionRefused(Exception):
    """A business rule forbids the action; the message is shown to the official."""


def record_event(
    case: Application | ChangeRequest,
    action: str,
    *,
    by: AbstractBaseUser | None,
    status_before: str = "",
    reason: str = "",
    detail: str = "",
) -> CaseEvent:
    department = department_of(by) if by is not None else None
    event = CaseEvent.objects.create(
        application=case if isinstance(case, Application) else None,
        change_request=case if isinstance(case, ChangeRequest) else None,
        action=action,
        actor=by,
        actor_department=department.name if department else "",
        status_before=status_before or case.status,
        status_after=case.status,
        reason=reason,
        detail=detail,
    )
    background.after_event(event)
    return event


def set_status(case: Application | ChangeRequest, status: str, *extra_fields: str) -> str:
    before = case.status
    case.status = status
    case.save(update_fields=["status", *extra_fields])
    return before


def applicant_department(user: AbstractBaseUser) -> Department:
    """The department a user applies for, or ActionRefused with the reason."""
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
    existing = department.applications.exclude(status=Status.REJECTED).first()
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


@transaction.atomic
def update_application(application: Application, *, by: AbstractBaseUser, data: dict) -> None:
    if not application.is_editable:
        raise ActionRefused(_("This application can no longer be edited."))
    changed = [f for f in Application.EDITABLE_FIELDS if getattr(application, f) != data[f]]
    if not changed:
        return
    for field in changed:
        setattr(application, field, data[field])
    application.save(update_fields=changed)
    labels = [str(Application._meta.get_field(f).verbose_name) for f in changed]
    record_event(application, Action.EDITED, by=by, detail=", ".join(labels)[:255])


@transaction.atomic
def upload_material(
    application: Application, kind: str, upload: UploadedFile, *, by: AbstractBaseUser
) -> Material:
    """Store a new version of a material; earlier versions are kept."""
    if not application.is_editable:
        raise ActionRefused(_("Materials can only be changed while the application is editable."))
    content_type = check_upload(upload)
    # Lock the application row so two uploads of one slot get distinct versions.
    Application.objects.select_for_update().filter(pk=application.pk).first()
    version = 1 + (
        application.materials.filter(kind=kind)
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
        application=application,
        kind=kind,
        version=version,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )
    material.file.save("upload", upload, save=False)
    material.save()
    record_event(
        application,
        Action.MATERIAL_UPLOADED,
        by=by,
        detail=f"{material.get_kind_display()} v{version}: {material.original_name}"[:255],
    )
    return material


def require_complete(case: Application | ChangeRequest) -> None:
    problems = case.submission_problems()
    if problems:
        raise ActionRefused(" ".join(str(p) for p in problems))


@transaction.atomic
def submit_application(application: Application, *, by: AbstractBaseUser) -> None:
    """Send a draft on its way: to the province (municipal bureaus) or the Ministry."""
    from .flows import IssuanceFlow

    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("department__division")
        .get(pk=application.pk)
    )
    if application.status != Status.DRAFT:
        raise ActionRefused(_("Only a draft can be submitted."))
    applicant_department(by)
    require_complete(application)
    application.submitted_at = timezone.now()
    before = set_status(application, application.status_after_submission(), "submitted_at")
    record_event(application, Action.SUBMITTED, by=by, status_before=before)
    IssuanceFlow.submit.run(application=application)


def resubmit(case: Application | ChangeRequest, *, by: AbstractBaseUser, note: str) -> None:
    """After a return for correction: the case goes through every review again."""
    if case.status != case.Status.RETURNED:
        raise ActionRefused(_("Only a returned case can be resubmitted."))
    require_complete(case)
    before = set_status(case, case.status_after_submission())
    record_event(case, Action.RESUBMITTED, by=by, status_before=before, reason=note)


class Outcome:
    # An outcome, not a password.
    PASS = "pass"  # noqa: S105  # nosec B105
    RETURN = "return"
    REJECT = "reject"


def record_examination(
    case: Application | ChangeRequest, outcome: str, *, by: AbstractBaseUser, reasons: str
) -> None:
    """The province's preliminary examination (初审) of a municipal bureau's case."""
    if case.status != case.Status.PROVINCIAL_EXAMINATION:
        raise ActionRefused(_("This case is not awaiting the provincial examination."))
    target, action = {
        Outcome.PASS: (case.Status.MINISTRY_REVIEW, Action.EXAMINATION_PASSED),
        Outcome.RETURN: (case.Status.RETURNED, Action.RETURNED),
        Outcome.REJECT: (case.Status.REJECTED, Action.REJECTED),
    }[outcome]
    before = set_status(case, target)
    record_event(case, action, by=by, status_before=before, reason=reasons)


def record_review(
    case: Application | ChangeRequest, outcome: str, *, by: AbstractBaseUser, reasons: str
) -> None:
    """The Ministry IT Office's review (审核): approve, return or reject."""
    if case.status != case.Status.MINISTRY_REVIEW:
        raise ActionRefused(_("This case is not awaiting the Ministry review."))
    target, action = {
        Outcome.PASS: (case.Status.APPROVED, Action.APPROVED),
        Outcome.RETURN: (case.Status.RETURNED, Action.RETURNED),
        Outcome.REJECT: (case.Status.REJECTED, Action.REJECTED),
    }[outcome]
    before = set_status(case, target)
    record_event(case, action, by=by, status_before=before, reason=reasons)


def allocate_issuer(application: Application) -> Issuer:
    """Give an approved area its issuer ID from the national serial."""
    if Issuer.objects.filter(application=application).exists():
        raise ActionRefused(_("An issuer ID was already allocated for this application."))
    serial, issuer_id = next_issuer_id(application.department.division)
    issuer = Issuer.objects.create(
        issuer_id=issuer_id,
        serial=serial,
        department=application.department,
        division=application.department.division,
        application=application,
    )
    record_event(application, Action.ISSUER_ID_ALLOCATED, by=None, detail=issuer_id)
    register_first_version(issuer, application)
    return issuer


def register_first_version(issuer: Issuer, application: Application) -> CardSpecification:
    """The approved application becomes version 1 of the issuer's registered specification."""
    surface = application.current_materials()[Material.Kind.CARD_SURFACE]
    specification = CardSpecification(
        issuer=issuer,
        version=1,
        application=application,
        card_supplier=application.card_supplier,
        card_product=application.card_product,
        cardholder_population=application.cardholder_population,
        planned_quantity=application.planned_quantity,
        spec_version=application.spec_version,
        surface_content_type=surface.content_type,
        file_structure=national_structure(),
    )
    # Stored files are never modified, so the version can share the material's file.
    specification.surface.name = surface.file.name
    specification.save()
    return specification


def record_filing(
    application: Application,
    *,
    by: AbstractBaseUser,
    reference: str,
    filing_date: "timezone.datetime.date",
    receipt: UploadedFile,
) -> Issuer:
    """Record the registration centre's filing; the issuer becomes active."""
    if application.status != Status.APPROVED:
        raise ActionRefused(_("Only an approved application can be filed."))
    check_upload(receipt)
    issuer = Issuer.objects.select_for_update().get(application=application)
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
    return issuer
