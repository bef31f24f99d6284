"""Time-limit pages of every kind of case: the clock shown on case and task pages, the
examining office's acceptance, and a supervisor's suspension, resumption and extension; and
a supervisor's release or reassignment of a task, a substitute's take-over."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from issuers.membership import members_of

from . import assignments, clocks
from .access import case_jurisdiction, get_case_for_user
from .clocks import clock_panel
from .forms import ClockReasonForm, ReassignForm, ReleaseForm
from .models import Case
from .recording import ActionRefused


def _back(request: HttpRequest, case: Case) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(case.get_absolute_url())


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, Case, pk).specific
    try:
        clocks.accept(case, by=request.user)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Accepted. The acceptance notice is on the timeline."))
    return _back(request, case)


CLOCK_ACTIONS = {
    "suspend": (clocks.suspend, _("Suspend the time limit"), _("Time limit suspended.")),
    "resume": (clocks.resume, _("Resume the time limit"), _("Time limit resumed.")),
    "extend": (clocks.extend, _("Extend the time limit"), _("Time limit extended.")),
}


@login_required
def change_clock(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """A supervisor's suspension (art. 45), resumption or extension (art. 42), with reason."""
    if what not in CLOCK_ACTIONS:
        raise Http404
    act, title, done = CLOCK_ACTIONS[what]
    case = get_case_for_user(request.user, Case, pk).specific
    panel = clock_panel(case, request.user)
    if panel is None or not panel[f"may_{what}"]:
        return render(
            request,
            "approvals/refused.html",
            {"reason": _("Only a supervisor of the office whose step it is may do this.")},
            status=403,
        )
    form = ClockReasonForm(request.POST or None)
    if what == "resume":
        form.fields["reason"].required = False
    if form.is_valid():
        try:
            act(case, by=request.user, reason=form.cleaned_data["reason"])
        except ActionRefused as refusal:
            form.add_error("reason" if refusal.field else None, str(refusal))
        else:
            messages.success(request, done)
            return redirect(case.get_absolute_url())
    return render(
        request,
        "approvals/clock_form.html",
        {"form": form, "case": case, "title": title, "what": what, "clock": panel},
    )


def _task_for(request: HttpRequest, task_pk: int) -> Task:
    """An open human task of a case in the user's jurisdiction, else 404."""
    tasks = Task.objects.filter(
        case_jurisdiction(request.user, "process__caseprocess__case__"),
        flow_task_type="HUMAN",
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    ).select_related("owner", "process")
    task = tasks.filter(pk=task_pk).first()
    if task is None:
        raise Http404
    return task


def _task_page(request: HttpRequest, task: Task, form, template: str) -> HttpResponse:
    case = assignments.case_of(task)
    return render(request, template, {"form": form, "task": task, "case": case})


@login_required
def release(request: HttpRequest, task_pk: int) -> HttpResponse:
    task = _task_for(request, task_pk)
    if task.owner is None or not assignments.may_distribute(request.user, task):
        raise Http404
    form = ReleaseForm(request.POST or None)
    if form.is_valid():
        try:
            assignments.release(task, by=request.user, reason=form.cleaned_data["reason"])
        except ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("The task is back in the department's queue."))
            return redirect(assignments.case_of(task).get_absolute_url())
    return _task_page(request, task, form, "approvals/task_release.html")


@login_required
def reassign(request: HttpRequest, task_pk: int) -> HttpResponse:
    task = _task_for(request, task_pk)
    if not assignments.may_distribute(request.user, task):
        raise Http404
    department = assignments.task_department(task)
    form = ReassignForm(
        request.POST or None, colleagues=members_of(department).order_by("username")
    )
    if form.is_valid():
        try:
            assignments.reassign(
                task, form.cleaned_data["to"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except ActionRefused as refusal:
            form.add_error("reason" if refusal.field else "to", str(refusal))
        else:
            messages.success(request, _("Task reassigned; both colleagues are told."))
            return redirect(assignments.case_of(task).get_absolute_url())
    return _task_page(request, task, form, "approvals/task_reassign.html")


@login_required
@require_POST
def take_over(request: HttpRequest, task_pk: int) -> HttpResponse:
    task = _task_for(request, task_pk)
    try:
        assignments.take_over(task, by=request.user)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(assignments.case_of(task).get_absolute_url())
    messages.success(request, _("You hold the task now, as the substitute."))
    return redirect(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))
