"""My department: its members and roles, absences and substitutes, the queue and who holds
what. Every member sees it; a supervisor changes it, within the department and never beyond.
Each change is on the department's membership trail."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from issuers import membership
from issuers.models import Absence, Department, MembershipEvent

from . import assignments
from .access import TASK_CASE
from .forms import AbsenceForm, AddMemberForm, DistributeForm
from .recording import ActionRefused


def _department(request: HttpRequest) -> Department:
    department = membership.department_of(request.user)
    if department is None:
        raise Http404
    return department


def _member(department: Department, user_pk: int):
    return get_object_or_404(membership.members_of(department), pk=user_pk)


def department_tasks(department: Department):
    """The department's open human tasks (those created for it), each with its case."""
    return (
        Task.objects.filter(
            owner_permission_obj_pk=str(department.pk),
            flow_task_type="HUMAN",
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
        )
        .select_related("owner", "process", f"{TASK_CASE}department", f"{TASK_CASE}current_clock")
        .order_by(f"{TASK_CASE}current_clock__due_at", "pk")
    )


def _distribute_form(request: HttpRequest, department: Department, queue: list[Task]):
    choices = [
        (str(task.pk), f"{task.process.caseprocess.case.reference} · {task.flow_task.task_title}")
        for task in queue
    ]
    return DistributeForm(
        request.POST if request.POST.get("form") == "distribute" else None,
        tasks=choices,
        colleagues=membership.members_of(department).order_by("username"),
    )


@login_required
def team(request: HttpRequest) -> HttpResponse:
    department = _department(request)
    supervisor = membership.is_supervisor(request.user, department)
    members = list(membership.members_of(department).order_by("username"))
    supervisors = set(membership.supervisors_of(department).values_list("pk", flat=True))
    today = timezone.localdate()
    absences = list(
        Absence.objects.filter(user__in=members, ends_on__gte=today).select_related(
            "user", "substitute"
        )
    )
    tasks = list(department_tasks(department))
    held = {}
    for task in tasks:
        if task.owner_id:
            held[task.owner_id] = held.get(task.owner_id, 0) + 1
    queue = [t for t in tasks if t.owner_id is None and not t.flow_task.applicant_side]
    rows = [
        {
            "user": user,
            "is_supervisor": user.pk in supervisors,
            "absences": [a for a in absences if a.user_id == user.pk],
            "held": held.get(user.pk, 0),
        }
        for user in members
    ]
    colleagues = membership.members_of(department).order_by("username")
    absence_form = AbsenceForm(colleagues=colleagues, initial={"user": request.user})
    if not supervisor:
        absence_form.fields["user"].queryset = colleagues.filter(pk=request.user.pk)
    return render(
        request,
        "approvals/team.html",
        {
            "department": department,
            "supervisor": supervisor,
            "rows": rows,
            "tasks": tasks,
            "queue": queue,
            "add_form": AddMemberForm(),
            "absence_form": absence_form,
            "distribute_form": _distribute_form(request, department, queue),
            "trail": MembershipEvent.objects.filter(department=department).select_related(
                "user", "by"
            )[:50],
        },
    )


def _supervised(request: HttpRequest) -> Department:
    department = _department(request)
    if not membership.is_supervisor(request.user, department):
        raise Http404
    return department


def _done(request: HttpRequest, error: Exception | None, success: str) -> HttpResponse:
    if error is not None:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("team:index")


@login_required
@require_POST
def add_member(request: HttpRequest) -> HttpResponse:
    department = _supervised(request)
    form = AddMemberForm(request.POST)
    if not form.is_valid():
        return _done(request, ActionRefused(_("Enter a user name.")), "")
    try:
        user = membership.member_to_add(department, form.cleaned_data["username"])
        membership.add_member(user, department, by=request.user)
    except membership.MembershipRefused as refusal:
        return _done(request, refusal, "")
    return _done(request, None, _("%(name)s is a member now.") % {"name": user})


@login_required
@require_POST
def remove_member(request: HttpRequest, user_pk: int) -> HttpResponse:
    department = _supervised(request)
    user = _member(department, user_pk)
    if user == request.user:
        return _done(request, ActionRefused(_("Another supervisor removes you.")), "")
    with transaction.atomic():
        released = assignments.release_all_of(user, by=request.user)
        membership.remove_member(user, by=request.user)
    return _done(
        request,
        None,
        _("%(name)s is no longer a member; %(count)s tasks went back to the queue.")
        % {"name": user, "count": released},
    )


@login_required
@require_POST
def supervisor_role(request: HttpRequest, user_pk: int) -> HttpResponse:
    department = _supervised(request)
    user = _member(department, user_pk)
    if user == request.user:
        return _done(request, ActionRefused(_("Another supervisor changes your role.")), "")
    if request.POST.get("grant") == "1":
        membership.make_supervisor(user, department, by=request.user)
        return _done(request, None, _("%(name)s is a supervisor now.") % {"name": user})
    membership.revoke_supervisor(user, department, by=request.user)
    return _done(request, None, _("%(name)s is no longer a supervisor.") % {"name": user})


@login_required
@require_POST
def record_absence(request: HttpRequest) -> HttpResponse:
    department = _department(request)
    form = AbsenceForm(request.POST, colleagues=membership.members_of(department))
    if not form.is_valid():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return _done(request, ActionRefused(problems), "")
    try:
        membership.record_absence(
            form.cleaned_data["user"],
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            substitute=form.cleaned_data["substitute"],
            by=request.user,
        )
    except membership.MembershipRefused as refusal:
        return _done(request, refusal, "")
    return _done(request, None, _("Absence recorded."))


@login_required
@require_POST
def end_absence(request: HttpRequest, pk: int) -> HttpResponse:
    department = _department(request)
    absence = get_object_or_404(Absence, pk=pk, user__membership__department=department)
    try:
        membership.end_absence(absence, by=request.user)
    except membership.MembershipRefused as refusal:
        return _done(request, refusal, "")
    return _done(request, None, _("Absence ended."))


@login_required
@require_POST
def distribute(request: HttpRequest) -> HttpResponse:
    department = _supervised(request)
    queue = [t for t in department_tasks(department) if t.owner_id is None]
    form = _distribute_form(request, department, queue)
    if not form.is_valid():
        return _done(request, ActionRefused(_("Choose tasks and colleagues.")), "")
    chosen = [t for t in queue if str(t.pk) in form.cleaned_data["tasks"]]
    try:
        given = assignments.distribute(
            chosen, list(form.cleaned_data["colleagues"]), by=request.user
        )
    except ActionRefused as refusal:
        return _done(request, refusal, "")
    left = len(chosen) - len(given)
    message = _("%(given)s tasks distributed.") % {"given": len(given)}
    if left:
        message += " " + _(
            "%(left)s could not go to any of the chosen colleagues (four-eyes rule)."
        ) % {"left": left}
    return _done(request, None, message)
