"""Which cases, processes and tasks a user may see: issuers.access.jurisdiction applied to cases.

Every list, detail, download and task page goes through these querysets; an object outside
them is a 404, never a 403 that would confirm it exists.
"""

from typing import TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from issuers.access import jurisdiction
from issuers.membership import Official, department_of

from .models import Authorisation, Case, CaseProcess, Material, StepClock

User = AbstractBaseUser | AnonymousUser
C = TypeVar("C", bound=Case)

# From a task to its case, for filters and joins.
TASK_CASE = "process__caseprocess__case__"


def case_jurisdiction(user: User, path: str = "") -> Q:
    """Cases user may see. A case stays private to the applying department until it is first
    submitted (a draft, or a draft withdrawn without ever being submitted). The Ministry
    Information Center sees, besides, the submitted applications for keys, PSAM cards and
    the general test: what is addressed to it, and nothing else."""
    submitted = Q(**{f"{path}submitted_at__isnull": False})
    seen = jurisdiction(user, path, shared=submitted)
    department = department_of(user) if user.is_authenticated else None
    if department is not None and department.kind == settings.AUTHORISATION_OFFICE:
        seen |= submitted & Q(**{f"{path}kind": Authorisation._meta.model_name})
    return seen


def visible_cases(user: User, model: type[C] = Case) -> QuerySet[C]:
    return model.objects.filter(case_jurisdiction(user))


def get_case_for_user(user: User, model: type[C], pk: int, *related: str) -> C:
    cases = visible_cases(user, model).select_related("department__division", *related)
    return get_object_or_404(cases, pk=pk)


def get_material_for_user(user: User, case_pk: int, pk: int) -> Material:
    return get_object_or_404(
        Material.objects.filter(case_jurisdiction(user, "case__")).select_related("case"),
        case_id=case_pk,
        pk=pk,
    )


def visible_processes(user: User, flow_class: type) -> QuerySet[CaseProcess]:
    return CaseProcess.objects.filter(case_jurisdiction(user, "case__"), flow_class=flow_class)


def visible_tasks(user: User, flow_class: type) -> QuerySet[Task]:
    """Tasks of a flow's cases within the user's jurisdiction, each with its case joined in."""
    return (
        Task.objects.filter(case_jurisdiction(user, TASK_CASE), process__flow_class=flow_class)
        .select_related("process", "owner", f"{TASK_CASE}department", f"{TASK_CASE}current_clock")
        .defer(*StepClock.list_deferred(f"{TASK_CASE}current_clock__"))
    )


def applicant_steps(flow_class: type) -> list[str]:
    """The task references of the applicant's own steps (its correction): reached from its
    case page, never listed in a queue beside the reviews."""
    return [
        get_task_ref(node)
        for node in flow_class.instance.nodes()
        if getattr(node, "applicant_side", False)
    ]


def task_queue(user: User, flow_class: type) -> QuerySet[Task]:
    """Open tasks the user may take: those whose permission the user holds on its object.

    viewflow's own queue filter compares CONCAT(owner_permission, '_', obj_pk) with every
    object permission of the user, which no index can serve: on a national table it reads
    every task. Here the few (permission, object) pairs of the user become plain column
    comparisons, which the index on (owner_permission, owner_permission_obj_pk, status) serves.
    """
    tasks = (
        visible_tasks(user, flow_class)
        .filter(flow_task_type="HUMAN", status=STATUS.NEW)
        .exclude(flow_task__in=applicant_steps(flow_class))
    )
    if user.is_superuser:
        return tasks
    held = Q(pk__in=[])
    for permission, object_pk in Official.of(user).object_permissions:
        held |= Q(owner_permission=permission, owner_permission_obj_pk=object_pk)
    return tasks.filter(held | Q(owner=user))
