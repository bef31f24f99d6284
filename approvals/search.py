"""Finding cases: the search box and the filters of every case list, and the paginator that
keeps a national list's cost independent of its length.

Every filter narrows a queryset the caller already scoped (`access.visible_cases`), and the
choices offered (provinces, areas) are those of departments within the user's jurisdiction:
a search never finds, nor names, what the user could not open.
"""

import re

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters import (
    BooleanFilter,
    CharFilter,
    ChoiceFilter,
    DateFromToRangeFilter,
    FilterSet,
)
from django_filters.widgets import DateRangeWidget, SuffixedMultiWidget

from issuers.access import jurisdiction, visible_departments, visible_issuers
from issuers.membership import department_of
from issuers.models import Department, Division, Issuer
from issuers.search import ASCII_CODE, departments_matching, issuer_search, issuers_matching

from .access import visible_cases
from .models import Application, Case, ChangeRequest, ClockState, StepClock
from .models.clock import Step

User = AbstractBaseUser | AnonymousUser

# "SSC-2026-000123", "ssc-000123", "000123", "123": the number is the case's key.
REFERENCE = re.compile(r"^(?:[A-Za-z]{3}-)?(?:\d{4}-)?0*(\d{1,9})$")
# Up to this many cases of matching issuers are handed to the query as keys; more (a
# fragment most issuers share) stay a subquery.
MATCHED_KEYS = 2000


def case_search(text: str, path: str = "") -> Q:
    """Cases (reached by `path`) whose reference, applicant department (Chinese or English
    name), area (code or name), issuer ID or filing reference matches text.

    Every clause ends as a condition on the case row itself, its key or its department, so
    the database combines index lookups (a bitmap OR) and sorts only the matches: names are
    matched in the small department and division tables; issuer IDs and filing references
    through their trigram indexes, and only when text has a letter or a digit, as they do.
    A full case reference ("SSC-2026-000123") finds that case alone."""
    text = text.strip()
    found = Q(pk__in=[])
    reference = REFERENCE.match(text)
    if reference:
        found |= Q(**{f"{path}pk": int(reference.group(1))})
        if text[:1].isalpha():  # "SSC-…": a reference, nothing else
            return found
    departments = list(departments_matching(text).values_list("pk", flat=True))
    if departments:
        found |= Q(**{f"{path}department__in": departments})
    if ASCII_CODE.search(text):
        issuers = issuers_matching(text).values("pk")
        for kind in (Application, ChangeRequest):
            cases = kind.objects.filter(issuer__in=issuers).values_list("pk", flat=True)
            keys = list(cases[: MATCHED_KEYS + 1])
            found |= Q(**{f"{path}pk__in": cases if len(keys) > MATCHED_KEYS else keys})
    return found


def waiting_for(department: Department | None, path: str = "") -> Q:
    """Cases whose next step is the department's: its office's running time limit, or its
    own case returned to it for correction."""
    if department is None:
        return Q(pk__in=[])
    return Q(
        **{
            f"{path}current_clock__department": department,
            f"{path}current_clock__stopped_at__isnull": True,
        }
    ) | Q(**{f"{path}department": department, f"{path}status": "returned"})


ALL = _("All")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")  # ISO in every language


class DatesWidget(DateRangeWidget):
    """From and to, as date inputs: ?submitted_after=2026-01-01&submitted_before=..."""

    template_name = "django/forms/widgets/multiwidget.html"  # django_filters' needs the app

    def __init__(self, attrs=None) -> None:
        SuffixedMultiWidget.__init__(self, (DateInput, DateInput), attrs)


class CaseFilter(FilterSet):
    """The search box and filters of a case list (GET parameters, so a search is a link)."""

    q = CharFilter(label=_("Search"), method="search")
    status = ChoiceFilter(label=_("Status"), empty_label=ALL)
    step = ChoiceFilter(label=_("Step"), choices=Step.choices, empty_label=ALL, method="at_step")
    province = ChoiceFilter(label=_("Province"), empty_label=ALL, method="in_province")
    area = ChoiceFilter(label=_("Area"), empty_label=ALL, field_name="department__division__code")
    level = ChoiceFilter(
        label=_("Applicant"),
        field_name="department__kind",
        empty_label=ALL,
        choices=[
            (Department.Kind.PROVINCIAL, _("Provincial departments")),
            (Department.Kind.MUNICIPAL, _("Municipal bureaus")),
        ],
    )
    submitted = DateFromToRangeFilter(
        label=_("Submitted between"),
        field_name="submitted_at__date",
        widget=DatesWidget,
    )
    due = ChoiceFilter(
        label=_("Time limit"), choices=ClockState.choices, empty_label=ALL, method="in_state"
    )
    mine = BooleanFilter(
        label=_("Waiting for my department"), method="for_my_department", widget=forms.CheckboxInput
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, data, queryset: QuerySet, *, user: User, statuses: list) -> None:
        super().__init__(data, queryset=queryset)
        self.user = user
        self.filters["status"].extra["choices"] = statuses
        departments = visible_departments(user).filter(
            kind__in=[Department.Kind.PROVINCIAL, Department.Kind.MUNICIPAL]
        )
        areas = list(
            Division.objects.filter(departments__in=departments).distinct().order_by("code")
        )
        provinces = {area.code[:2] for area in areas}
        if len(provinces) > 1:
            english = get_language().startswith("en")
            self.filters["province"].extra["choices"] = [
                (p.code[:2], p.name_en if english and p.name_en else p.name_zh)
                for p in Division.objects.filter(level=Division.Level.PROVINCE).order_by("code")
                if p.code[:2] in provinces
            ]
            # The areas of the province chosen (or of the area asked for): a national list
            # of every area is hundreds of options to draw on every page, and to scroll.
            chosen = (data or {}).get("province") or (data or {}).get("area", "")[:2]
            areas = [area for area in areas if chosen and area.code.startswith(chosen)]
        else:
            del self.filters["province"]
        if len(areas) > 1 or (areas and len(provinces) > 1):
            self.filters["area"].extra["choices"] = [(a.code, str(a)) for a in areas]
        elif len(provinces) > 1:
            del self.filters["area"]  # until a province is chosen
        else:
            del self.filters["area"], self.filters["level"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(case_search(value)) if value.strip() else queryset

    def at_step(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(current_clock__step=value, current_clock__stopped_at__isnull=True)

    def in_province(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(department__division__code__startswith=value)

    def in_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(StepClock.objects.in_state(value, timezone.now(), "current_clock__"))

    def for_my_department(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(waiting_for(department_of(self.user))) if value else queryset


class IssuerFilter(FilterSet):
    q = CharFilter(label=_("Search"), method="search")

    class Meta:
        model = Issuer
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(issuer_search(value.strip())) if value.strip() else queryset


class OverdueFilter(FilterSet):
    q = CharFilter(label=_("Search"), method="search")
    mine = BooleanFilter(
        label=_("Waiting for my department"), method="for_my_department", widget=forms.CheckboxInput
    )

    class Meta:
        model = StepClock
        fields: list[str] = []

    def __init__(self, data, queryset: QuerySet, *, user: User) -> None:
        super().__init__(data, queryset=queryset)
        self.user = user

    def for_my_department(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        """The steps of my department's office (the app bar's count links here)."""
        return queryset.filter(department=department_of(self.user)) if value else queryset

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        return queryset.filter(case_search(value, "case__"))


class CaseListing:
    """A list of one kind of case as asked for by GET parameters: the cases the user may
    see, searched, filtered and sorted (newest first, or sort=due: soonest due first, cases
    without a running time limit last). The pages and their exports read the same rows."""

    def __init__(self, user: User, params: QueryDict, model: type[Case]) -> None:
        self.model = model
        cases = (
            visible_cases(user, model)
            # Implied by the kind's table; said, so that the (kind, status, created) index
            # serves a list filtered by status.
            .filter(kind=model._meta.model_name)
            .select_related("current_clock", "department__division", *model.LIST_RELATED)
            .defer(
                *model.LIST_DEFERRED,
                *StepClock.list_deferred("current_clock__"),
            )
        )
        self.filters = CaseFilter(params or None, cases, user=user, statuses=model.Status.choices)
        self.sort = "due" if params.get("sort") == "due" else ""
        if self.sort:
            order = (F("current_clock__due_at").asc(nulls_last=True), "-pk")
        else:
            order = ("-created", "-pk")
        # A filter the form refuses finds nothing (and says why), rather than everything.
        valid = not self.filters.is_bound or self.filters.is_valid()
        found = self.filters.qs if valid else cases.none()
        self.cases = found.order_by(*order)
        self.query = kept_query(params)


class IssuerListing:
    """The issuer register as asked for by GET parameters: the issuers the user may see,
    searched, in serial order."""

    def __init__(self, user: User, params: QueryDict) -> None:
        issuers = (
            visible_issuers(user)
            .select_related("department", "division", "application")
            .defer("application__file_structure")  # a tree of JSON the register never shows
        )
        self.filters = IssuerFilter(params or None, issuers)
        self.issuers = self.filters.qs.order_by("serial")
        self.query = kept_query(params)


class OverdueListing:
    """The running time limits past their due date on cases the user may see, the longest
    overdue first; searched like the case lists."""

    def __init__(self, user: User, params: QueryDict) -> None:
        # A clock runs only once its case was submitted, so its applicant's jurisdiction is its
        # case's (`case_jurisdiction`), on the clock's own indexed column.
        clocks = (
            StepClock.objects.filter(jurisdiction(user, field="applicant"))
            .filter(StepClock.objects.in_state(ClockState.OVERDUE, timezone.now()))
            .select_related("case__department__division", "department")
        )
        self.filters = OverdueFilter(params or None, clocks, user=user)
        self.clocks = self.filters.qs.order_by("due_at", "pk")
        self.query = kept_query(params)


class CappedPaginator(Paginator):
    """Counts a list only up to CAP rows: the count of a national list would otherwise cost
    more than the page itself and grow with the table. Beyond the cap the list says "more
    than 1,000" and asks for a narrower search: a page of 50 needs no exact count beyond.
    Counting up to the cap costs the same at a hundred thousand cases as at a million once
    both lists are longer than the cap (bench.scale); the dashboards give the totals."""

    CAP = 1_000

    @cached_property
    def count(self) -> int:
        # Keys only: the rows' joins (department, issuer, clock) change nothing to the count.
        # In no particular order: which rows reach the cap changes nothing to the count.
        return self.object_list.values("pk").order_by()[: self.CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.CAP


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = 50) -> Page:
    return CappedPaginator(queryset, per_page).get_page(request.GET.get("page"))


def kept_query(params: QueryDict) -> str:
    """The list's GET parameters without the page: the pagination and export links keep the
    search and filters."""
    kept = params.copy()
    kept.pop("page", None)
    for key in [k for k, v in kept.items() if not v]:
        kept.pop(key)
    return kept.urlencode()
