"""The plainest way to serve each list, for bench.lists to compare the app against.

Each baseline is a function view over the same rows as the page it stands in for: the same
jurisdiction (approvals.access.case_jurisdiction / issuers.access.jurisdiction, written out
plainly for the user's department), the same joins the page shows (case, department,
division, issuer, the running time limit), the same ordering and the same page size, with
Django's plain Paginator (a real COUNT; the app's case list and register count only up to
10,001 rows). It renders the same columns with a minimal template and does nothing else: no
menu, no filter form, no per-row template.

The queue is the plainest correct query for its rows: open (NEW) human tasks of the flow,
except the applicant's own correction step, whose (owner_permission, owner_permission_obj_pk)
is a pair the user holds, or owned by the user -- plain column comparisons, which the index
`approvals_task_queue` (owner_permission, owner_permission_obj_pk, status, created) serves.

`<page>_tasks(user)` / `<page>_cases(user)` give each baseline's queryset, for bench.lists to
EXPLAIN. `urlpatterns` is the app's urlconf with the baselines mounted under /bench-baseline/
in front, so that candidate and baseline pass through one resolver and the same middleware.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission
from viewflow.workflow.models import Task

from approvals.flows import IssuanceFlow
from approvals.models import Application
from config.urls import urlpatterns as app_urlpatterns
from issuers.models import Absence, Department, Issuer, Membership

# Page sizes of the pages they stand in for: approvals.search.paginate (50) and viewflow's
# BaseListModelView.paginate_by (25).
CASE_PAGE = 50
TASK_PAGE = 25

TABLE = engines["django"].from_string(
    "<!doctype html><title>{{ title }}</title><table><tbody>"
    "{% for row in page %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>"
    "{% endfor %}</tbody></table><p>{{ page.paginator.count }}: "
    "{{ page.number }} / {{ page.paginator.num_pages }}</p>"
)

# From a task to its case.
CASE = "process__caseprocess__case__"


def department_of(user) -> Department | None:
    membership = (
        Membership.objects.filter(user=user, user__is_active=True)
        .select_related("department__division")
        .first()
    )
    return membership.department if membership else None


def jurisdiction(user, prefix: str = "", *, cases: bool) -> Q | None:
    """The rows user sees, on the row (case or issuer) reached through prefix; None: none.

    A department sees its own; a province also its municipal bureaus'; the Ministry all.
    A case is seen outside its department only once submitted; a register row always.
    """
    if user.is_superuser:
        return Q()
    department = department_of(user)
    if department is None:
        return None
    own = Q(**{f"{prefix}department_id": department.pk})
    submitted = Q(**{f"{prefix}submitted_at__isnull": False}) if cases else Q()
    if department.kind == Department.Kind.MINISTRY:
        return own | submitted if cases else Q()
    if department.kind == Department.Kind.PROVINCIAL:
        municipal = Q(
            **{
                f"{prefix}department__kind": Department.Kind.MUNICIPAL,
                f"{prefix}department__division__code__startswith": department.division.code[:2],
            }
        )
        return own | (municipal & submitted)
    return own


def scoped(queryset: QuerySet, condition: Q | None) -> QuerySet:
    return queryset.none() if condition is None else queryset.filter(condition)


def due(clock) -> str:
    """The due column the app's lists show (approvals/_due.html): due date and state of the
    running time limit, whether it was extended, whether it is provisional."""
    if clock is None or clock.stopped_at is not None:
        return ""
    marks = ("extended" if clock.extended_by else "", "provisional" if clock.provisional else "")
    return " ".join([str(clock.due_date), str(clock.current_state.label), *filter(None, marks)])


def _page(request: HttpRequest, queryset: QuerySet, per_page: int, row, title: str):
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    ids = [obj.pk for obj in page.object_list]  # bench.lists compares them with the page's
    page.object_list = [row(obj) for obj in page.object_list]
    return HttpResponse(TABLE.render({"page": page, "title": title, "ids": ids}, request))


# --- cases and issuers -----------------------------------------------------------------------


def cases_query(user) -> QuerySet:
    """/cases/ (approvals.search.CaseListing for Application, no search): newest first."""
    return scoped(
        Application.objects.select_related("department__division", "issuer", "current_clock"),
        jurisdiction(user, cases=True),
    ).order_by("-created", "-pk")


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    """Stands in for /cases/ (approvals.views.case_list)."""
    queryset = cases_query(request.user).only(
        "kind",
        "created",
        "status",
        "department__name",
        "department__division__code",
        "department__division__name_zh",
        "issuer__issuer_id",
        *(f"current_clock__{name}" for name in CLOCK_FIELDS),
    )

    def row(application: Application) -> tuple:
        issuer = application.issuer
        return (
            application.reference,
            application.department,
            application.department.division,
            application.get_status_display(),
            due(application.current_clock),
            issuer.issuer_id if issuer else "",
            application.created.date(),
        )

    return _page(request, queryset, CASE_PAGE, row, "cases")


# What due() reads of a clock.
CLOCK_FIELDS = (
    "stopped_at",
    "suspended_since",
    "due_at",
    "remind_at",
    "unit",
    "extended_by",
    "provisional",
)


def register_query(user) -> QuerySet:
    """/register/ (approvals.search.IssuerListing, no search): in serial order."""
    return scoped(
        Issuer.objects.select_related("department", "division", "application"),
        jurisdiction(user, cases=False),
    ).order_by("serial")


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Stands in for /register/ (approvals.register_views.register)."""
    queryset = register_query(request.user).only(
        "issuer_id",
        "status",
        "filing_reference",
        "filing_date",
        "department__name",
        "division__code",
        "division__name_zh",
        "application__kind",
        "application__created",
    )

    def row(issuer: Issuer) -> tuple:
        return (
            issuer.issuer_id,
            issuer.department,
            issuer.division,
            issuer.get_status_display(),
            issuer.filing_reference,
            issuer.filing_date or "",
            issuer.application.reference,
        )

    return _page(request, queryset, CASE_PAGE, row, "register")


# --- tasks -----------------------------------------------------------------------------------


def _flow_tasks() -> QuerySet:
    """The flow's tasks with what their rows show: the case, its department and clock."""
    return Task.objects.filter(process__flow_class=IssuanceFlow).select_related(
        "process", f"{CASE}department", f"{CASE}current_clock"
    )


def _task_row(task: Task, *more: object) -> tuple:
    case = task.process.caseprocess.case
    return (
        f"#{task.process_id}/{task.pk}",
        task.flow_task.task_title or task.flow_task.name,
        f"{case.reference} {case.department}",
        due(case.current_clock),
        *more,
        task.created,
    )


def inbox_tasks(user) -> QuerySet:
    """/issuance/inbox/: tasks taken by the user, or by colleagues away today for whom the
    user stands in; within jurisdiction; newest first."""
    today = timezone.localdate()
    away = Absence.objects.filter(substitute=user, starts_on__lte=today, ends_on__gte=today)
    owners = [user.pk, *away.values_list("user_id", flat=True)]
    return scoped(
        _flow_tasks().filter(owner_id__in=owners, status="ASSIGNED"),
        jurisdiction(user, CASE, cases=True),
    ).order_by("-created")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Stands in for /issuance/inbox/ (approvals.task_lists.ScopedInboxView)."""
    user = request.user
    queryset = inbox_tasks(user).select_related("owner")

    def row(task: Task) -> tuple:
        return _task_row(task, "" if task.owner_id == user.pk else f"{task.owner} (away)")

    return _page(request, queryset, TASK_PAGE, row, "inbox")


def held_pairs(user) -> list[tuple[str, str]]:
    """The (permission, object pk) pairs the user holds, own and through groups."""
    pairs = []
    for grants in (
        UserObjectPermission.objects.filter(user=user),
        GroupObjectPermission.objects.filter(group__user=user),
    ):
        rows = grants.values_list(
            "permission__content_type__app_label", "permission__codename", "object_pk"
        )
        pairs += [(f"{app}.{codename}", object_pk) for app, codename, object_pk in rows]
    return pairs


def queue_tasks(user) -> QuerySet:
    """/issuance/queue/: open human tasks of the flow, not the applicant's correction, whose
    permission pair the user holds or which the user owns; newest first.

    No jurisdiction filter: a task's permission is on the department that examines it (its
    province, the Ministry), whose jurisdiction always holds the case once submitted.
    """
    tasks = (
        _flow_tasks()
        .filter(status="NEW", flow_task_type="HUMAN")
        .exclude(flow_task=IssuanceFlow.correction)
    )
    if not user.is_superuser:
        held = Q(owner=user)
        for permission, object_pk in held_pairs(user):
            held |= Q(owner_permission=permission, owner_permission_obj_pk=object_pk)
        tasks = tasks.filter(held)
    return tasks.order_by("-created")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Stands in for /issuance/queue/ (approvals.task_lists.ScopedQueueView)."""
    return _page(request, queue_tasks(request.user), TASK_PAGE, _task_row, "queue")


def task_list(user) -> QuerySet:
    """/issuance/tasks/: every task of the flow within jurisdiction, newest first."""
    return scoped(_flow_tasks(), jurisdiction(user, CASE, cases=True)).order_by("-created")


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """Stands in for /issuance/tasks/ (approvals.task_lists.ScopedTaskListView)."""
    queryset = task_list(request.user).select_related("owner")

    def row(task: Task) -> tuple:
        return (*_task_row(task), task.owner or "")

    return _page(request, queryset, TASK_PAGE, row, "tasks")


BASELINES = {"cases": cases, "register": register, "inbox": inbox, "queue": queue, "tasks": tasks}
# Each baseline's query, for EXPLAIN.
QUERIES = {
    "cases": cases_query,
    "register": register_query,
    "inbox": inbox_tasks,
    "queue": queue_tasks,
    "tasks": task_list,
}

urlpatterns = [
    *(
        path(f"bench-baseline/{name}/", view, name=f"baseline-{name}")
        for name, view in BASELINES.items()
    ),
    *app_urlpatterns,
]
