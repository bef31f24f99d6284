"""Jurisdiction: the one place that decides which cases a user may see.

Every list, detail, download and task page goes through visible_applications();
an object outside it is a 404, never a 403 that would confirm it exists.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from issuers.models import Department, Issuer, Membership

from .models import Application, IssuanceProcess, Material


def department_of(user: AbstractBaseUser) -> Department | None:
    if not user.is_authenticated or not user.is_active:
        return None
    membership = Membership.objects.filter(user=user).select_related("department__division").first()
    return membership.department if membership else None


def visible_applications(user: AbstractBaseUser) -> QuerySet[Application]:
    """Own department's cases; a province also its municipalities'; the Ministry all.

    Drafts stay private to the applying department until they are submitted.
    """
    applications = Application.objects.all()
    if user.is_authenticated and user.is_active and user.is_superuser:
        return applications
    department = department_of(user)
    if department is None:
        return applications.none()
    own = Q(department=department)
    submitted = ~Q(status=Application.Status.DRAFT)
    if department.kind == Department.Kind.MINISTRY:
        return applications.filter(submitted)
    if department.kind == Department.Kind.PROVINCIAL:
        municipalities = Q(
            department__kind=Department.Kind.MUNICIPAL,
            department__division__code__startswith=department.division.code[:2],
        )
        return applications.filter(own | (municipalities & submitted))
    return applications.filter(own)


def get_application_for_user(user: AbstractBaseUser, pk: int) -> Application:
    return get_object_or_404(visible_applications(user).select_related("department"), pk=pk)


def get_material_for_user(user: AbstractBaseUser, application_pk: int, pk: int) -> Material:
    return get_object_or_404(
        Material.objects.filter(application__in=visible_applications(user)),
        application_id=application_pk,
        pk=pk,
    )


def visible_processes(user: AbstractBaseUser) -> QuerySet[IssuanceProcess]:
    return IssuanceProcess.objects.filter(application__in=visible_applications(user))


def visible_issuers(user: AbstractBaseUser) -> QuerySet[Issuer]:
    return Issuer.objects.filter(application__in=visible_applications(user))
