"""Jurisdiction: the one place that decides which cases a user may see.

Every list, detail, download and task page goes through visible_applications();
an object outside it is a 404, never a 403 that would confirm it exists.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from guardian.models import GroupObjectPermission, UserObjectPermission
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from issuers.models import Department, Issuer, Membership

from .models import Application, ChangeProcess, ChangeRequest, IssuanceProcess, Material


def department_of(user: AbstractBaseUser) -> Department | None:
    """The user's department, read once per user object (that is, once per request)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if "_department" not in user.__dict__:
        membership = (
            Membership.objects.filter(user=user).select_related("department__division").first()
        )
        user.__dict__["_department"] = membership.department if membership else None
    return user.__dict__["_department"]


def jurisdiction(user: AbstractBaseUser, path: str = "") -> Q:
    """The cases (applications or change requests) user may see, as a filter on the case
    found at `path` from the queried model (e.g. "process__issuanceprocess__application__").

    Own department's cases; a province also its municipalities'; the Ministry all.
    A case stays private to the applying department until it is first submitted
    (a draft, or a draft withdrawn without ever being submitted).
    """
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Q()
    department = department_of(user)
    if department is None:
        return Q(pk__in=[])
    own = Q(**{f"{path}department": department})
    submitted = Q(**{f"{path}submitted_at__isnull": False})
    if department.kind == Department.Kind.MINISTRY:
        return submitted
    if department.kind == Department.Kind.PROVINCIAL:
        municipalities = Q(
            **{
                f"{path}department__kind": Department.Kind.MUNICIPAL,
                f"{path}department__division__code__startswith": department.division.code[:2],
            }
        )
        return own | (municipalities & submitted)
    return own


def in_jurisdiction(cases: QuerySet, user: AbstractBaseUser) -> QuerySet:
    """Filter cases (applications or change requests) to what user may see."""
    return cases.filter(jurisdiction(user))


def visible_applications(user: AbstractBaseUser) -> QuerySet[Application]:
    return in_jurisdiction(Application.objects.all(), user)


def visible_change_requests(user: AbstractBaseUser) -> QuerySet[ChangeRequest]:
    return in_jurisdiction(ChangeRequest.objects.all(), user)


def get_application_for_user(user: AbstractBaseUser, pk: int) -> Application:
    return get_object_or_404(visible_applications(user).select_related("department"), pk=pk)


def get_material_for_user(user: AbstractBaseUser, application_pk: int, pk: int) -> Material:
    return get_object_or_404(
        Material.objects.filter(application__in=visible_applications(user)),
        application_id=application_pk,
        pk=pk,
    )


def get_change_request_for_user(user: AbstractBaseUser, pk: int) -> ChangeRequest:
    return get_object_or_404(
        visible_change_requests(user).select_related("issuer", "department", "base_version"),
        pk=pk,
    )


def visible_processes(user: AbstractBaseUser, process_class: type = IssuanceProcess) -> QuerySet:
    if process_class is ChangeProcess:
        return ChangeProcess.objects.filter(change_request__in=visible_change_requests(user))
    return IssuanceProcess.objects.filter(application__in=visible_applications(user))


def visible_issuers(user: AbstractBaseUser) -> QuerySet[Issuer]:
    return Issuer.objects.filter(application__in=visible_applications(user))


def visible_tasks(user: AbstractBaseUser, flow_class: type) -> QuerySet[Task]:
    """Tasks of a flow's cases within the user's jurisdiction, each with its case joined in."""
    process_class = flow_class.process_class
    if process_class is ChangeProcess:
        case = "process__changeprocess__change_request"
    else:
        case = "process__issuanceprocess__application"
    return Task.objects.filter(
        jurisdiction(user, f"{case}__"), process__flow_class=flow_class
    ).select_related("process", "owner", f"{case}__department")


def task_queue(user: AbstractBaseUser, flow_class: type) -> QuerySet[Task]:
    """Open tasks the user may take: those whose permission the user holds on its object.

    viewflow's own queue filter compares CONCAT(owner_permission, '_', obj_pk) with every
    object permission of the user, which no index can serve: on a national table it reads
    every task. Here the few (permission, object) pairs of the user become plain column
    comparisons, which the index on (owner_permission, owner_permission_obj_pk, status) serves.
    """
    tasks = visible_tasks(user, flow_class).filter(flow_task_type="HUMAN", status=STATUS.NEW)
    if user.is_superuser:
        return tasks
    held = Q(pk__in=[])
    for permission, object_pk in _object_permissions(user):
        held |= Q(owner_permission=permission, owner_permission_obj_pk=object_pk)
    return tasks.filter(held | Q(owner=user))


def _object_permissions(user: AbstractBaseUser) -> list[tuple[str, str]]:
    """The user's (permission, object pk) pairs, own and through groups; read once per user
    object, that is once per request (the menu and the queue page both ask)."""
    if "_object_permissions" not in user.__dict__:
        pairs = []
        for grants in (
            UserObjectPermission.objects.filter(user=user),
            GroupObjectPermission.objects.filter(group__user=user),
        ):
            rows = grants.values_list(
                "permission__content_type__app_label", "permission__codename", "object_pk"
            )
            pairs += [(f"{app}.{codename}", object_pk) for app, codename, object_pk in rows]
        user.__dict__["_object_permissions"] = pairs
    return user.__dict__["_object_permissions"]
