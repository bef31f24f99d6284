"""The things officials do to a case. Each takes the actor and writes the timeline entry.

Flow-driven steps (examination, review, filing, correction) are called from the task
views inside viewflow's lock and transaction; the flow then routes on Application.status.
"""

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from issuers.identifiers import next_issuer_id
from issuers.models import Department, Issuer

from .models import Application, CaseEvent, Material
from .uploads import check_upload

Status = Application.Status
Action = CaseEvent.Action


class ActionRefused(Exception):
    """A business rule forbids the action; the message is shown to the official."""


def record_event(
    application: Application,
    action: str,
    *,
    by: AbstractBaseUser | None,
    status_before: str = "",
    reason: str = "",
    detail: str = "",
) -> CaseEvent:
    membership = getattr(by, "membership", None) if by is not None else None
    return CaseEvent.objects.create(
        application=application,
        action=action,
        actor=by,
        actor_department=membership.department.name if membership else "",
        status_before=status_before or application.status,
        status_after=application.status,
        reason=reason,
        detail=detail,
    )


def _set_status(application: Application, status: str, *extra_fields: str) -> str:
    before = application.status
    application.status = status
    application.save(update_fields=["status", *extra_fields])
    return before


def applicant_department(user: AbstractBaseUser) -> Department:
    """The department a user applies for, or ActionRefused with the reason."""
    membership = getattr(user, "membership", None)
    if membership is None:
        raise ActionRefused(_("Your account is not a member of any department."))
    department = membership.department
    if not department.may_apply:
        raise ActionRefused(
            _(
                "%(department)s may not apply. Only provincial HRSS departments and "
                "municipal (prefecture-level) HRSS bureaus may issue social security cards."
            )
            % {"department": department}
        )
    return department


@transaction.atomic
def create_application(*, by: AbstractBaseUser, data: dict) -> Application:
    department = applicant_department(by)
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


def _require_complete(application: Application) -> None:
    missing = application.missing_materials()
    if missing:
        raise ActionRefused(
            _("The application cannot be submitted: missing %(materials)s.")
            % {"materials": "; ".join(str(m) for m in missing)}
        )


def _status_after_submission(application: Application) -> str:
    if application.needs_provincial_examination:
        return Status.PROVINCIAL_EXAMINATION
    return Status.MINISTRY_REVIEW


@transaction.atomic
def submit_application(application: Application, *, by: AbstractBaseUser) -> None:
    """Send a draft on its way: to the province (municipal bureaus) or the Ministry."""
    from .flows import IssuanceFlow

    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Status.DRAFT:
        raise ActionRefused(_("Only a draft can be submitted."))
    applicant_department(by)
    _require_complete(application)
    if (
        application.needs_provincial_examination
        and not application.department.examining_department()
    ):
        raise ActionRefused(
            _("No provincial department is registered to examine this application.")
        )
    application.submitted_at = timezone.now()
    before = _set_status(application, _status_after_submission(application), "submitted_at")
    record_event(application, Action.SUBMITTED, by=by, status_before=before)
    IssuanceFlow.submit.run(application=application)


def resubmit_application(application: Application, *, by: AbstractBaseUser, note: str) -> None:
    """After a return for correction: the case goes through every review again."""
    if application.status != Status.RETURNED:
        raise ActionRefused(_("Only a returned application can be resubmitted."))
    _require_complete(application)
    before = _set_status(application, _status_after_submission(application))
    record_event(application, Action.RESUBMITTED, by=by, status_before=before, reason=note)


class Outcome:
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    RETURN = "return"
    REJECT = "reject"


def record_examination(
    application: Application, outcome: str, *, by: AbstractBaseUser, reasons: str
) -> None:
    """The province's preliminary examination (初审) of a municipal application."""
    if application.status != Status.PROVINCIAL_EXAMINATION:
        raise ActionRefused(_("This application is not awaiting the provincial examination."))
    target, action = {
        Outcome.PASS: (Status.MINISTRY_REVIEW, Action.EXAMINATION_PASSED),
        Outcome.RETURN: (Status.RETURNED, Action.RETURNED),
        Outcome.REJECT: (Status.REJECTED, Action.REJECTED),
    }[outcome]
    before = _set_status(application, target)
    record_event(application, action, by=by, status_before=before, reason=reasons)


def record_review(
    application: Application, outcome: str, *, by: AbstractBaseUser, reasons: str
) -> None:
    """The Ministry IT Office's review (审核): approve, return or reject."""
    if application.status != Status.MINISTRY_REVIEW:
        raise ActionRefused(_("This application is not awaiting the Ministry review."))
    target, action = {
        Outcome.PASS: (Status.APPROVED, Action.APPROVED),
        Outcome.RETURN: (Status.RETURNED, Action.RETURNED),
        Outcome.REJECT: (Status.REJECTED, Action.REJECTED),
    }[outcome]
    before = _set_status(application, target)
    record_event(application, action, by=by, status_before=before, reason=reasons)


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
    return issuer


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
    before = _set_status(application, Status.FILED)
    record_event(
        application,
        Action.FILED,
        by=by,
        status_before=before,
        detail=f"{reference} ({filing_date})",
    )
    return issuer
