"""Application pages: list, draft editing, materials, submission, detail and documents;
and what every case page shares (the applicant's own case, open steps, timeline)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from issuers.membership import Official, department_of
from issuers.models import CardholderCategory

from . import actions, assignments, structure_views
from .access import C, get_case_for_user, get_material_for_user
from .clocks import clock_panel
from .documents import attachment_response, document_response, render_pdf
from .flows import IssuanceFlow
from .forms import ApplicationForm, FilingCorrectionForm, MaterialForm
from .models import Action, Application, Case, CaseDocument, Material, event_details
from .revocation import may_revoke
from .search import CaseListing, paginate


def get_own_case(request: HttpRequest, model: type[C], pk: int) -> C:
    """A case of the user's own department (the applicant's pages), else 404."""
    case = get_case_for_user(request.user, model, pk)
    if case.department != department_of(request.user):
        raise Http404
    return case


def open_tasks(case: Case, user: object) -> list[dict]:
    """The case's open human tasks, with what user may do with each."""
    process = getattr(case, "process", None)
    if process is None:
        return []
    tasks = []
    for task in Task.objects.filter(
        process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
    ).select_related("owner"):
        node = task.flow_task
        tasks.append(
            {
                "task": task,
                "can_assign": node.can_assign(user, task),
                "can_execute": node.can_execute(user, task),
                "may_distribute": not getattr(node, "applicant_side", False)
                and assignments.may_distribute(user, task),
                "may_take_over": task.owner_id in Official.of(user).stands_in_for,
                "assign_url": node.reverse("assign", args=[process.pk, task.pk]),
                "execute_url": node.reverse("execute", args=[process.pk, task.pk]),
            }
        )
    return tasks


def case_page(request: HttpRequest, case: Case) -> dict:
    """What every case page shows besides the kind's own data."""
    is_own = case.department == department_of(request.user)
    return {
        "events": [
            (event, event_details.shown(event, case))
            for event in case.events.select_related("actor")
        ],
        "tasks": open_tasks(case, request.user),
        "clock": clock_panel(case, request.user),
        "reasons": case.last_reasons(),
        "documents": [
            (document, CaseDocument.Standing(document.standing), may_revoke(request.user, document))
            for document in case.documents.select_related("office").order_by("created_at", "pk")
        ],
        "may_edit": is_own and case.is_editable,
        "may_submit": is_own and case.status == case.Status.DRAFT,
    }


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    listing = CaseListing(request.user, request.GET, Application)
    department = department_of(request.user)
    try:
        actions.refuse_second_application(actions.applicant_department(request.user))
        may_apply, why_not_apply = True, ""
    except actions.ActionRefused as refusal:
        # The Ministry reviews; it needs no daily reminder that it does not apply.
        may_apply, why_not_apply = (
            False,
            "" if department and department.kind == department.Kind.MINISTRY else str(refusal),
        )
    return render(
        request,
        "approvals/case_list.html",
        {
            "applications": paginate(request, listing.cases),
            "listing": listing,
            "may_apply": may_apply,
            "why_not_apply": why_not_apply,
            "department": department,
        },
    )


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    try:
        actions.refuse_second_application(actions.applicant_department(request.user))
    except actions.ActionRefused as refusal:
        return render(request, "approvals/refused.html", {"reason": str(refusal)}, status=403)
    form = ApplicationForm(request.POST or None)
    if form.is_valid():
        try:
            application = actions.create_application(by=request.user, data=form.cleaned_data)
        except actions.ActionRefused as refusal:
            # Another request of the department started its application meanwhile.
            return render(request, "approvals/refused.html", {"reason": str(refusal)}, status=403)
        messages.success(request, _("Draft saved. Now upload the six materials."))
        return redirect(application)
    return render(request, "approvals/case_form.html", {"form": form})


@login_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_own_case(request, Application, pk)
    if not application.is_editable:
        messages.error(request, _("This application can no longer be edited."))
        return redirect(application)
    # The form validates a copy; the stored row changes only through the action.
    form = ApplicationForm(request.POST or None, instance=get_own_case(request, Application, pk))
    if form.is_valid():
        actions.update_case(application, by=request.user, data=form.cleaned_data)
        messages.success(request, _("Changes saved."))
        return redirect(application)
    return render(request, "approvals/case_form.html", {"form": form, "application": application})


@login_required
@require_POST
def material_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_own_case(request, Application, pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            material = actions.upload_material(
                application, form.cleaned_data["kind"], form.cleaned_data["file"], by=request.user
            )
        except (ValidationError, actions.ActionRefused) as error:
            message = error.messages[0] if isinstance(error, ValidationError) else str(error)
            messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(material)s uploaded (version %(version)s).")
                % {"material": material.get_kind_display(), "version": material.version},
            )
    else:
        messages.error(request, _("Choose a material and a file to upload."))
    return redirect(application)


@login_required
def material_download(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    material = get_material_for_user(request.user, pk, material_pk)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
    filename = f"{material.case.reference}-{material.kind}-v{material.version}"
    return attachment_response(
        material.file.open("rb"),
        f"{filename}.{extension.get(material.content_type, 'bin')}",
        material.content_type,
    )


@login_required
@require_POST
def case_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_own_case(request, Application, pk)
    try:
        IssuanceFlow.submit_case(application, by=request.user)
    except actions.ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Application submitted."))
    return redirect(application)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_case_for_user(request.user, Application, pk)
    current = application.current_materials()
    versions = list(application.materials.all())
    slots = [
        {
            "kind": kind,
            "label": label,
            "current": current.get(kind),
            "versions": [m for m in versions if m.kind == kind],
        }
        for kind, label in Material.Kind.choices
    ]
    return render(
        request,
        "approvals/case_detail.html",
        {
            **case_page(request, application),
            "application": application,
            "slots": slots,
            "issuer": application.issuer,
            "may_correct_filing": may_correct_filing(request.user, application),
            "material_form": MaterialForm(),
        },
    )


def _approved_application(request: HttpRequest, pk: int) -> Application:
    application = get_case_for_user(request.user, Application, pk)
    if application.issuer_id is None:
        raise Http404
    return application


@login_required
def case_structure(request: HttpRequest, pk: int) -> HttpResponse:
    return structure_views.structure_page(request, get_own_case(request, Application, pk))


@login_required
@require_POST
def case_structure_node(request: HttpRequest, pk: int) -> HttpResponse:
    return structure_views.structure_node(request, get_own_case(request, Application, pk))


@login_required
def case_structure_export(request: HttpRequest, pk: int) -> HttpResponse:
    return structure_views.structure_export(get_case_for_user(request.user, Application, pk))


@login_required
def filing_correction(request: HttpRequest, pk: int) -> HttpResponse:
    """The Ministry's correction of a filing record entered wrongly."""
    application = get_case_for_user(request.user, Application, pk)
    if not may_correct_filing(request.user, application):
        raise PermissionDenied
    issuer = application.issuer
    initial = {"reference": issuer.filing_reference, "filing_date": issuer.filing_date}
    form = FilingCorrectionForm(request.POST or None, request.FILES or None, initial=initial)
    if form.is_valid():
        try:
            actions.correct_filing(application, by=request.user, **form.cleaned_data)
        except actions.ActionRefused as refusal:
            form.add_error(refusal.field, str(refusal))
        except ValidationError as error:  # the receipt's upload check
            form.add_error("receipt", error)
        else:
            messages.success(request, _("Filing record corrected; the filing form is reissued."))
            return redirect(application)
    return render(
        request, "approvals/filing_correction.html", {"form": form, "application": application}
    )


def may_correct_filing(user: AbstractBaseUser, application: Application) -> bool:
    try:
        actions.refuse_filing_correction(application, by=user)
    except actions.ActionRefused:
        return False
    return True


@login_required
def decision_letter(request: HttpRequest, pk: int) -> HttpResponse:
    application = _approved_application(request, pk)
    return document_response(CaseDocument.Kind.DECISION_LETTER, application)


@login_required
def filing_form(request: HttpRequest, pk: int) -> HttpResponse:
    application = _approved_application(request, pk)
    return document_response(CaseDocument.Kind.FILING_FORM, application)


SUMMARY_DECISIONS = (Action.APPROVED, Action.RETURNED, Action.REJECTED, Action.ACKNOWLEDGED)


class LabelsOf:
    """Cardholder categories named in whichever language is active when shown."""

    def __init__(self, codes: list[str]) -> None:
        self.codes = codes

    def __str__(self) -> str:
        return CardholderCategory.labels_of(self.codes)


def _both(label: object) -> tuple[str, str]:
    """A label in Chinese and in English, for a bilingual document."""
    with translation.override("zh-hans"):
        chinese = str(label)
    with translation.override("en"):
        english = str(label)
    return chinese, english


@login_required
def case_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """One page for the paper file: the case's data, current materials, decisions, timeline."""
    case = get_case_for_user(request.user, Case, pk).specific
    fields = []
    for name in getattr(case, "EDITABLE_FIELDS", ()):
        field = case._meta.get_field(name)
        value = getattr(case, name)
        if name == "cardholder_categories":
            value = " / ".join(_both(LabelsOf(value)))
        elif field.choices:
            value = " / ".join(_both(field.flatchoices and dict(field.flatchoices)[value]))
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        fields.append((" ".join(capfirst(label) for label in _both(field.verbose_name)), value))
    # Uploads are in the materials table; the timeline keeps the page to one sheet.
    events = list(case.events.exclude(action=Action.MATERIAL_UPLOADED).select_related("actor"))
    timeline = []
    with translation.override("zh-hans"):
        for event in events:
            timeline.append(
                (
                    event,
                    " / ".join(_both(Action(event.action).label)),
                    event_details.shown(event, case),
                )
            )
    decisions = [(e, label) for e, label, _detail in timeline if e.action in SUMMARY_DECISIONS]
    clock = case.current_clock if case.current_clock and not case.current_clock.stopped_at else None
    materials = [
        {**vars(m), "label": " / ".join(_both(Material.Kind(m.kind).label))}
        for m in case.current_materials().values()
    ]
    context = {
        "case": case,
        "printed": timezone.now(),
        "fields": fields,
        "materials": sorted(materials, key=lambda m: m["kind"]),
        "decisions": decisions,
        "timeline": timeline,
        "clock": clock,
    }
    context["kind_zh"], context["kind_en"] = _both(case._meta.verbose_name)
    context["status_zh"], context["status_en"] = _both(case.get_status_display())
    if clock:
        context["step_zh"], context["step_en"] = _both(clock.get_step_display())
    data = render_pdf("approvals/pdf/case_summary.html", context)
    return attachment_response(data, f"{case.reference}-summary.pdf", "application/pdf")
