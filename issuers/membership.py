"""Who works where, and the object permissions that follow from it.

Permissions are granted on Department objects (scope objects), never on cases, so
viewflow's queue filter and guardian stay small whatever the number of cases.
"""

from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import assign_perm, get_perms, remove_perm

from .models import Department, Membership


def permissions_for(department: Department) -> list[str]:
    perms = []
    if department.may_apply:
        perms.append("issuers.submit_application")
    if department.kind == Department.Kind.PROVINCIAL:
        perms.append("issuers.examine_application")
    if department.kind == Department.Kind.MINISTRY:
        perms += ["issuers.review_application", "issuers.file_issuer"]
    return perms


@transaction.atomic
def add_member(user: AbstractBaseUser, department: Department) -> Membership:
    """Make user a member of department (replacing any earlier membership)."""
    remove_member(user)
    membership = Membership.objects.create(user=user, department=department)
    for perm in permissions_for(department):
        assign_perm(perm, user, department)
    return membership


@transaction.atomic
def remove_member(user: AbstractBaseUser) -> None:
    """End the membership; access ends with the user's next request."""
    Official.forget(user)
    membership = Membership.objects.filter(user=user).select_related("department").first()
    if membership is None:
        return
    department = membership.department
    for codename in get_perms(user, department):
        remove_perm(f"issuers.{codename}", user, department)
    membership.delete()


class Official:
    """What one request knows about its user: the department, the object permissions, and
    which tasks the user was found fit to act on. Each is read once, when first asked.

    viewflow asks its nodes about a *user*, not a request, and asks several times while it
    dispatches one request, so this is kept on the user object. Django's authentication
    middleware loads that object afresh for every request: what is kept here lives exactly as
    long as the request, and a membership revoked meanwhile counts from the next request.
    Code that keeps a user object longer (a shell, a test, a worker) calls `forget(user)`
    after changing the user's membership; add_member and remove_member do.
    """

    ATTRIBUTE = "_official"

    def __init__(self, user: AbstractBaseUser | AnonymousUser) -> None:
        self.user = user
        self.may_act: dict[int, bool] = {}  # task pk -> verdict, filled by the flows' tasks

    @classmethod
    def of(cls, user: AbstractBaseUser | AnonymousUser) -> "Official":
        official = user.__dict__.get(cls.ATTRIBUTE)
        if official is None:
            official = user.__dict__[cls.ATTRIBUTE] = cls(user)
        return official

    @classmethod
    def forget(cls, user: AbstractBaseUser) -> None:
        user.__dict__.pop(cls.ATTRIBUTE, None)

    @cached_property
    def department(self) -> Department | None:
        user = self.user
        if not user.is_authenticated or not user.is_active:
            return None
        membership = (
            Membership.objects.filter(user=user).select_related("department__division").first()
        )
        return membership.department if membership else None

    @cached_property
    def object_permissions(self) -> list[tuple[str, str]]:
        """The user's (permission, object pk) pairs, own and through groups."""
        if not self.user.is_authenticated:
            return []
        pairs = []
        for grants in (
            UserObjectPermission.objects.filter(user=self.user),
            GroupObjectPermission.objects.filter(group__user=self.user),
        ):
            rows = grants.values_list(
                "permission__content_type__app_label", "permission__codename", "object_pk"
            )
            pairs += [(f"{app}.{codename}", object_pk) for app, codename, object_pk in rows]
        return pairs


def department_of(user: AbstractBaseUser | AnonymousUser) -> Department | None:
    """The department the user works for, or None (also for inactive and anonymous users)."""
    return Official.of(user).department
