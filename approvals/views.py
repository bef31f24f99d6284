"""Case pages: list, draft editing, materials, submission, detail and documents."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from . import actions, background
from .access import (
    department_of,
    get_application_for_user,
    get_material_for_user,
    visible_applications,
)
from .documents import attachment_response
from .forms import ApplicationForm, MaterialForm
from .models import Application, CaseDocument, Material


def paginate(request: HttpRequest, queryset, per_page: int = 50):  # noqa: ANN001, ANN201
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    applications = (
        visible_applications(request.user)
        .select_related("department__division", "issuer")
        .order_by("-created", "-pk")
    )
    status = request.GET.get("status", "")
    if status in Application.Status.values:
        applications = applications.filter(status=status)
    department = department_of(request.user)
    try:
        actions.refuse_second_application(actions.applicant_department(request.user))
        may_apply = True
    except actions.ActionRefused:
        may_apply = False
    return render(
        request,
        "approvals/case_list.html",
        {
            "applications": paginate(request, applications),
            "statuses": Application.Status.choices,
            "current_status": status,
            "may_apply": may_apply,
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
        application = actions.create_application(by=request.user, data=form.cleaned_data)
        messages.success(request, _("Draft saved. Now upload the six materials."))
        return redirect("cases:detail", pk=application.pk)
    return render(request, "approvals/case_form.html", {"form": form})


def _get_own(request: HttpRequest, pk: int) -> Application:
    application = get_application_for_user(request.user, pk)
    if application.department != department_of(request.user):
        raise Http404
    return application


@login_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_own(request, pk)
    if not application.is_editable:
        messages.error(request, _("This application can no longer be edited."))
        return redirect("cases:detail", pk=pk)
    # The form validates a copy; the stored row changes only through the action.
    form = ApplicationForm(request.POST or None, instance=_get_own(request, pk))
    if form.is_valid():
        actions.update_application(application, by=request.user, data=form.cleaned_data)
        messages.success(request, _("Changes saved."))
        return redirect("cases:detail", pk=pk)
    return render(request, "approvals/case_form.html", {"form": form, "application": application})


@login_required
@require_POST
def material_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_own(request, pk)
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
    return redirect("cases:detail", pk=pk)


@login_required
def material_download(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    material = get_material_for_user(request.user, pk, material_pk)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
    filename = f"{material.application.reference}-{material.kind}-v{material.version}"
    return attachment_response(
        material.file.open("rb"),
        f"{filename}.{extension.get(material.content_type, 'bin')}",
        material.content_type,
    )


@login_required
@require_POST
def case_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_own(request, pk)
    try:
        actions.submit_application(application, by=request.user)
    except actions.ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Application submitted."))
    return redirect("cases:detail", pk=pk)


def open_tasks(case, user) -> list[dict]:  # noqa: ANN001
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
                "assign_url": node.reverse("assign", args=[process.pk, task.pk]),
                "execute_url": node.reverse("execute", args=[process.pk, task.pk]),
            }
        )
    return tasks


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    current = application.current_materials()
    slots = [
        {
            "kind": kind,
            "label": label,
            "current": current.get(kind),
            "versions": [m for m in application.materials.all() if m.kind == kind],
        }
        for kind, label in Material.Kind.choices
    ]
    is_own = application.department == department_of(request.user)
    return render(
        request,
        "approvals/case_detail.html",
        {
            "application": application,
            "slots": slots,
            "events": application.events.select_related("actor"),
            "tasks": open_tasks(application, request.user),
            "issuer": getattr(application, "issuer", None),
            "may_edit": is_own and application.is_editable,
            "may_submit": is_own and application.status == Application.Status.DRAFT,
            "material_form": MaterialForm(),
            "reasons": application.last_reasons(),
        },
    )


def _issuer_or_404(application: Application):  # noqa: ANN202
    issuer = getattr(application, "issuer", None)
    if issuer is None:
        raise Http404
    return issuer


@login_required
def decision_letter(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    _issuer_or_404(application)
    return background.document_response(CaseDocument.Kind.DECISION_LETTER, application)


@login_required
def filing_form(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    _issuer_or_404(application)
    return background.document_response(CaseDocument.Kind.FILING_FORM, application)
