"""Jurisdiction: the one place that decides which cases a user may see.

Every list, detail, download and task page goes through visible_applications();
an object outside it is a 404, never a 403 that would confirm it exists.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from issuers.models import Department, Issuer, Membership

from .models import Application, ChangeProcess, ChangeRequest, IssuanceProcess, Material


def department_of(user: AbstractBaseUser) -> Department | None:
    if not user.is_authenticated or not user.is_active:
        return None
    membership = Membership.objects.filter(user=user).select_related("department__division").first()
    return membership.department if membership else None


def in_jurisdiction(cases: QuerySet, user: AbstractBaseUser) -> QuerySet:
    """Filter cases (applications or change requests) to what user may see.

    Own department's cases; a province also its municipalities'; the Ministry all.
    A case stays private to the applying department until it is first submitted
    (a draft, or a draft withdrawn without ever being submitted).
    """
    if user.is_authenticated and user.is_active and user.is_superuser:
        return cases
    department = department_of(user)
    if department is None:
        return cases.none()
    own = Q(department=department)
    submitted = Q(submitted_at__isnull=False)
    if department.kind == Department.Kind.MINISTRY:
        return cases.filter(submitted)
    if department.kind == Department.Kind.PROVINCIAL:
        municipalities = Q(
            department__kind=Department.Kind.MUNICIPAL,
            department__division__code__startswith=department.division.code[:2],
        )
        return cases.filter(own | (municipalities & submitted))
    return cases.filter(own)


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
