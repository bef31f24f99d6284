"""Who works where, and the object permissions that follow from it.

Permissions are granted on Department objects (scope objects), never on cases, so
viewflow's queue filter and guardian stay small whatever the number of cases.
"""

import datetime
from functools import cached_property

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import assign_perm, get_perms, remove_perm

from .models import Absence, Department, Membership, MembershipEvent

SUPERVISE = "issuers.supervise_department"
Change = MembershipEvent.Change


class MembershipRefused(Exception):
    """A supervisor's change of the department that the rules forbid; the message says why."""


def permissions_for(department: Department) -> list[str]:
    perms = []
    if department.may_apply:
        perms.append("issuers.submit_application")
    if department.kind == Department.Kind.PROVINCIAL:
        perms.append("issuers.examine_application")
    if department.kind == Department.Kind.MINISTRY:
        perms += ["issuers.review_application", "issuers.file_issuer"]
    if department.kind == settings.AUTHORISATION_OFFICE:
        perms.append("issuers.handle_readiness")
    return perms


@transaction.atomic
def add_member(
    user: AbstractBaseUser, department: Department, *, by: AbstractBaseUser | None = None
) -> Membership:
    """Make user a member of department (replacing any earlier membership)."""
    remove_member(user, by=by)
    membership = Membership.objects.create(user=user, department=department)
    for perm in permissions_for(department):
        assign_perm(perm, user, department)
    MembershipEvent.objects.create(department=department, user=user, change=Change.ADDED, by=by)
    return membership


@transaction.atomic
def remove_member(user: AbstractBaseUser, *, by: AbstractBaseUser | None = None) -> None:
    """End the membership and every role in the department; access ends with the user's
    next request."""
    Official.forget(user)
    membership = Membership.objects.filter(user=user).select_related("department").first()
    if membership is None:
        return
    department = membership.department
    for codename in get_perms(user, department):
        remove_perm(f"issuers.{codename}", user, department)
    membership.delete()
    MembershipEvent.objects.create(department=department, user=user, change=Change.REMOVED, by=by)


@transaction.atomic
def make_supervisor(
    user: AbstractBaseUser, department: Department, *, by: AbstractBaseUser | None = None
) -> None:
    """Grant the supervisor role of the user's own department."""
    if department_of(user) != department:
        raise MembershipRefused(_("Only a member of the department can supervise it."))
    assign_perm(SUPERVISE, user, department)
    Official.forget(user)
    MembershipEvent.objects.create(
        department=department, user=user, change=Change.SUPERVISOR_GRANTED, by=by
    )


@transaction.atomic
def revoke_supervisor(
    user: AbstractBaseUser, department: Department, *, by: AbstractBaseUser | None = None
) -> None:
    remove_perm(SUPERVISE, user, department)
    Official.forget(user)
    MembershipEvent.objects.create(
        department=department, user=user, change=Change.SUPERVISOR_REVOKED, by=by
    )


def is_supervisor(user: AbstractBaseUser | AnonymousUser, department: Department | None) -> bool:
    if department is None:
        return False
    return (SUPERVISE, str(department.pk)) in Official.of(user).object_permissions


def supervisors_of(department: Department) -> QuerySet:
    """Active users holding the supervisor role of department."""
    holders = UserObjectPermission.objects.filter(
        permission__codename="supervise_department", object_pk=str(department.pk)
    ).values("user_id")
    return get_user_model().objects.filter(
        pk__in=holders, is_active=True, membership__department=department
    )


def members_of(department: Department) -> QuerySet:
    return get_user_model().objects.filter(membership__department=department, is_active=True)


def refuse_unless_supervisor(by: AbstractBaseUser, department: Department) -> None:
    if not is_supervisor(by, department):
        raise MembershipRefused(_("Only a supervisor of the department may do this."))


def member_to_add(department: Department, username: str) -> AbstractBaseUser:
    """The account a supervisor adds: active and in no department yet (it never moves an
    official away from another department)."""
    user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if user is None:
        raise MembershipRefused(_("No active account is called %(name)s.") % {"name": username})
    current = department_of(user)
    if current == department:
        raise MembershipRefused(_("%(name)s is already a member.") % {"name": username})
    if current is not None:
        raise MembershipRefused(
            _("%(name)s belongs to %(department)s, which must release the account first.")
            % {"name": username, "department": current}
        )
    return user


@transaction.atomic
def record_absence(
    user: AbstractBaseUser,
    *,
    starts_on: datetime.date,
    ends_on: datetime.date,
    substitute: AbstractBaseUser,
    by: AbstractBaseUser,
) -> Absence:
    """An absence, recorded by the official or a supervisor of the department; the
    substitute is a colleague of the same department."""
    department = department_of(user)
    if by != user:
        refuse_unless_supervisor(by, department)
    if substitute == user:
        raise MembershipRefused(_("Choose a colleague as the substitute."))
    if department is None or department_of(substitute) != department:
        raise MembershipRefused(_("The substitute must work in the same department."))
    if ends_on < starts_on:
        raise MembershipRefused(_("The absence cannot end before it starts."))
    if ends_on < timezone.localdate():
        raise MembershipRefused(_("The absence is already over."))
    absence = Absence.objects.create(
        user=user, starts_on=starts_on, ends_on=ends_on, substitute=substitute, created_by=by
    )
    MembershipEvent.objects.create(
        department=department,
        user=user,
        change=Change.ABSENCE_RECORDED,
        by=by,
        detail=f"{starts_on} – {ends_on} → {substitute.get_username()}",
    )
    return absence


@transaction.atomic
def end_absence(absence: Absence, *, by: AbstractBaseUser) -> None:
    """End an absence today (the official is back early)."""
    department = department_of(absence.user)
    if by != absence.user:
        refuse_unless_supervisor(by, department)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    if absence.starts_on > yesterday:
        absence.delete()
    else:
        absence.ends_on = min(absence.ends_on, yesterday)
        absence.save(update_fields=["ends_on"])
    MembershipEvent.objects.create(
        department=department, user=absence.user, change=Change.ABSENCE_ENDED, by=by
    )


def absence_of(user: AbstractBaseUser, day: datetime.date | None = None) -> Absence | None:
    day = day or timezone.localdate()
    return (
        Absence.objects.filter(user=user, starts_on__lte=day, ends_on__gte=day)
        .select_related("substitute")
        .first()
    )


def stands_in_for(user: AbstractBaseUser, day: datetime.date | None = None) -> list[int]:
    """The ids of the colleagues whose substitute user is on `day`."""
    day = day or timezone.localdate()
    return list(
        Absence.objects.filter(substitute=user, starts_on__lte=day, ends_on__gte=day).values_list(
            "user_id", flat=True
        )
    )


def addressee(user: AbstractBaseUser, day: datetime.date | None = None) -> AbstractBaseUser:
    """Who receives what is addressed to user: the substitute while user is away."""
    absence = absence_of(user, day)
    return absence.substitute if absence else user


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
    def bureaus(self) -> list[int]:
        """The ids of the municipal bureaus of the user's province, when the user works for a
        provincial department (whose jurisdiction they are); else none."""
        department = self.department
        if department is None or department.kind != Department.Kind.PROVINCIAL:
            return []
        return list(
            Department.objects.filter(
                kind=Department.Kind.MUNICIPAL,
                division__code__startswith=department.division.code[:2],
            ).values_list("pk", flat=True)
        )

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

    @cached_property
    def stands_in_for(self) -> list[int]:
        """The ids of the colleagues away today whose substitute this user is."""
        if not self.user.is_authenticated:
            return []
        return stands_in_for(self.user)


def department_of(user: AbstractBaseUser | AnonymousUser) -> Department | None:
    """The department the user works for, or None (also for inactive and anonymous users)."""
    return Official.of(user).department
