"""Who works where, and the object permissions that follow from it.

Permissions are granted on Department objects (scope objects), never on cases, so
viewflow's queue filter and guardian stay small whatever the number of cases.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
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
    membership = Membership.objects.filter(user=user).select_related("department").first()
    if membership is None:
        return
    department = membership.department
    for codename in get_perms(user, department):
        remove_perm(f"issuers.{codename}", user, department)
    membership.delete()
