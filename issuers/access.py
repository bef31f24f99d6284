"""Jurisdiction: the one rule that decides which departments' records a user may see.

Everything a department owns (its issuer, its cases, and what later apps add) is scoped by
`jurisdiction()`, as a filter in the query: an object outside it is a 404, never a 403 that
would confirm it exists.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from .membership import Official, department_of
from .models import Department, Issuer


def jurisdiction(
    user: AbstractBaseUser | AnonymousUser,
    path: str = "",
    *,
    shared: Q | None = None,
    field: str = "department",
) -> Q:
    """The rows user may see, as a filter on the row found at `path` from the queried model
    (e.g. "process__caseprocess__case__"); that row names its department in `field` (a
    case's clock keeps the case's department as `applicant`).

    A department sees its own rows; a province also its municipal bureaus'; the Ministry
    every department's. `shared`, when given, is the condition under which a row is shown
    outside its own department (a case: once it was first submitted).
    """
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Q()
    department = department_of(user)
    if department is None:
        return Q(pk__in=[])
    own = Q(**{f"{path}{field}": department})
    # An empty Q() stands for "everything" in a filter but vanishes when combined with |.
    others = shared if shared is not None else Q()
    if department.kind == Department.Kind.MINISTRY:
        return Q() if shared is None else own | shared
    if department.kind == Department.Kind.PROVINCIAL:
        # Its municipal bureaus by key: the department index serves the filter, where a join
        # on their kind and area code made the database read every row to count a list.
        municipalities = Q(**{f"{path}{field}__in": Official.of(user).bureaus})
        return own | (municipalities & others)
    return own


def visible_departments(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Department]:
    """The departments whose records user may see (the same rule as `jurisdiction`): what a
    list may offer to filter by without naming a department the user could not open."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Department.objects.all()
    department = department_of(user)
    if department is None:
        return Department.objects.none()
    if department.kind == Department.Kind.MINISTRY:
        return Department.objects.all()
    own = Q(pk=department.pk)
    if department.kind == Department.Kind.PROVINCIAL:
        return Department.objects.filter(
            own
            | Q(
                kind=Department.Kind.MUNICIPAL,
                division__code__startswith=department.division.code[:2],
            )
        )
    return Department.objects.filter(own)


def visible_issuers(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Issuer]:
    return Issuer.objects.filter(jurisdiction(user))
