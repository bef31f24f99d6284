"""Work that never stalls: a department's supervisor releases a task taken by a colleague
back to the queue, reassigns it to a named colleague or distributes the queue among
colleagues; a substitute takes over the tasks of an official who is away.

Never across departments (the colleague is a member of the department the task was created
for), and the four-eyes rule still holds (the colleague must be fit to act on the task, as
the task itself checks). Each move is on the case's timeline and told to those it concerns.
"""

from collections.abc import Iterable
from itertools import cycle

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from issuers.membership import Official, addressee, department_of, is_supervisor
from issuers.models import Department

from . import tasks
from .locks import case_lock
from .models import Action, Case, CaseEvent, Notice
from .recording import ActionRefused, record_event

Kind = Notice.Kind


def task_department(task: Task) -> Department | None:
    """The department the task was created for (viewflow stored it with the task)."""
    if task.owner_permission_obj_pk is None:
        return None
    return Department.objects.filter(pk=task.owner_permission_obj_pk).first()


def case_of(task: Task) -> Case:
    return task.process.caseprocess.case.specific


def may_distribute(user: AbstractBaseUser, task: Task) -> bool:
    return is_supervisor(user, task_department(task))


def fit_to_act(user: AbstractBaseUser, task: Task) -> bool:
    """The checks the task makes of whoever executes it: department permission, four eyes."""
    Official.forget(user)
    return task.flow_task._check_official(user, task)


def _refuse_unless_supervisor(task: Task, by: AbstractBaseUser) -> None:
    if not may_distribute(by, task):
        raise ActionRefused(_("Only a supervisor of the task's department may do this."))


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("Please give the reason."), field="reason")
    return reason


def _detail(**values: object) -> str:
    return CaseEvent.pack_detail({"t": "assign", **values})


def _locked(task: Task, *statuses: str) -> Task:
    """The task again under the case lock, still in one of `statuses`."""
    fresh = Task.objects.select_related("owner", "process").get(pk=task.pk)
    if fresh.status not in statuses:
        raise ActionRefused(_("This task was done or moved meanwhile."))
    return fresh


def release(task: Task, *, by: AbstractBaseUser, reason: str) -> Task:
    """Back to the department's queue, by its holder or by a supervisor (with the reason)."""
    with transaction.atomic(), case_lock(task.process.flow_class, task.process_id):
        task = _locked(task, STATUS.ASSIGNED)
        holder = task.owner
        if holder != by:
            _refuse_unless_supervisor(task, by)
            reason = _reason(reason)
        with task.activation() as activation:
            activation.unassign()
        case = case_of(task)
        event = record_event(
            case,
            Action.RELEASED,
            by=by,
            reason=reason.strip(),
            detail=_detail(step=task.flow_task.name, **{"from": holder.get_username()}),
        )
        if holder != by:
            values = {"status": case.status, "from": holder.get_username(), "to": "-"}
            tasks.tell([holder], Kind.REASSIGNMENT, case, f"event:{event.pk}", values)
    return task


def reassign(task: Task, to: AbstractBaseUser, *, by: AbstractBaseUser, reason: str) -> Task:
    """Give a task, taken or still queued, to a named colleague (or to that colleague's
    substitute while away); both are told."""
    with transaction.atomic(), case_lock(task.process.flow_class, task.process_id):
        task = _locked(task, STATUS.NEW, STATUS.ASSIGNED)
        _refuse_unless_supervisor(task, by)
        reason = _reason(reason)
        holder = task.owner
        to = _colleague(task, to)
        if holder == to:
            raise ActionRefused(_("The task is already with %(name)s.") % {"name": to})
        with task.activation() as activation:
            if holder is None:
                activation.assign(to)
            else:
                activation.reassign(to)
        case = case_of(task)
        names = {"from": holder.get_username() if holder else "-", "to": to.get_username()}
        event = record_event(
            case,
            Action.REASSIGNED,
            by=by,
            reason=reason,
            detail=_detail(step=task.flow_task.name, **names),
        )
        values = {"status": case.status, **names}
        key = f"event:{event.pk}"
        tasks.tell([to], Kind.ASSIGNMENT, case, key, {**values, "by": by.get_username()})
        if holder is not None:
            tasks.tell([holder], Kind.REASSIGNMENT, case, key, values)
    return task


def _colleague(task: Task, user: AbstractBaseUser) -> AbstractBaseUser:
    """Who receives the task for `user`: the substitute while away; fit to act on it."""
    department = task_department(task)
    if department is None or department_of(user) != department:
        raise ActionRefused(
            _("%(name)s is not a member of the task's department.") % {"name": user}
        )
    user = addressee(user)
    if not fit_to_act(user, task):
        raise ActionRefused(
            _("%(name)s may not act on this case (for example, having acted for the applicant).")
            % {"name": user}
        )
    return user


def distribute(
    queue: Iterable[Task], colleagues: list[AbstractBaseUser], *, by: AbstractBaseUser
) -> dict[int, AbstractBaseUser]:
    """Hand out queued tasks in turn among colleagues, skipping for each task a colleague who
    may not act on it; returns task pk -> the colleague who has it now."""
    if not colleagues:
        raise ActionRefused(_("Choose at least one colleague."))
    given: dict[int, AbstractBaseUser] = {}
    turn = cycle(colleagues)
    for task in queue:
        for _attempt in range(len(colleagues)):
            colleague = next(turn)
            try:
                reassign(task, colleague, by=by, reason=_("Distributed by the supervisor."))
            except ActionRefused:
                continue
            given[task.pk] = addressee(colleague)
            break
    return given


def take_over(task: Task, *, by: AbstractBaseUser) -> Task:
    """The substitute of an official away takes one of that official's tasks; the timeline
    says for whom."""
    with transaction.atomic(), case_lock(task.process.flow_class, task.process_id):
        task = _locked(task, STATUS.ASSIGNED)
        holder = task.owner
        if holder is None or holder.pk not in Official.of(by).stands_in_for:
            raise ActionRefused(_("You are not the substitute of this task's holder."))
        with task.activation() as activation:
            activation.reassign(by)
        record_event(
            case_of(task),
            Action.TAKEN_OVER,
            by=by,
            detail=_detail(step=task.flow_task.name, **{"for": holder.get_username()}),
        )
    return task


def release_all_of(user: AbstractBaseUser, *, by: AbstractBaseUser) -> int:
    """A member leaving the department leaves no task behind: each goes back to the queue."""
    held = Task.objects.filter(owner=user, status=STATUS.ASSIGNED).select_related("process")
    count = 0
    for task in held:
        release(task, by=by, reason=_("%(name)s left the department.") % {"name": user})
        count += 1
    return count
