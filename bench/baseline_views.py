"""The plainest way to serve each list, for bench.lists to compare the app against.

Each baseline is a function view over the same rows with the same filter semantics, the same
ordering and the same page size as the page it stands in for, rendered with a minimal
template. It writes the jurisdiction and the queue permission out as plain, indexable
conditions (no subqueries, no computed columns) and does nothing else: no menu, no filter form,
no per-row template rendering.

`urlpatterns` is the app's own urlconf with the baselines mounted under /bench-baseline/ in
front, so that candidate and baseline pass through one resolver and the same middleware.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from guardian.models import GroupObjectPermission, UserObjectPermission
from viewflow.workflow.models import Task

from approvals.flows import IssuanceFlow
from approvals.models import Application
from config.urls import urlpatterns as app_urlpatterns
from issuers.models import Department, Issuer

# Page sizes of the pages they stand in for: approvals.views.paginate (50) and viewflow's
# BaseListModelView.paginate_by (25).
CASE_PAGE = 50
TASK_PAGE = 25

TABLE = engines["django"].from_string(
    "<!doctype html><title>{{ title }}</title><table>"
    "{% for row in page %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>"
    "{% endfor %}</table><p>{{ page.number }} / {{ page.paginator.num_pages }}</p>"
)


def _department(request: HttpRequest) -> Department | None:
    membership = getattr(request.user, "membership", None)
    return membership.department if membership else None


def jurisdiction(prefix: str, department: Department | None, *, cases: bool = True) -> Q | None:
    """Which rows a department sees, as issuers.access.jurisdiction (with the condition of
    approvals.access.case_jurisdiction for cases), on the row reached through prefix ("" for
    the queried model itself). None: nothing at all."""
    if department is None:
        return None
    # A case is seen outside its department once submitted; an issuer register row always.
    submitted = Q(**{f"{prefix}submitted_at__isnull": False}) if cases else Q()
    if department.kind == Department.Kind.MINISTRY:
        return submitted
    own = Q(**{f"{prefix}department": department})
    if department.kind == Department.Kind.PROVINCIAL:
        municipalities = Q(
            **{
                f"{prefix}department__kind": Department.Kind.MUNICIPAL,
                f"{prefix}department__division__code__startswith": department.division.code[:2],
            }
        )
        return own | (municipalities & submitted)
    return own


def _scoped(
    queryset: QuerySet, prefix: str, request: HttpRequest, *, cases: bool = True
) -> QuerySet:
    condition = jurisdiction(prefix, _department(request), cases=cases)
    return queryset.none() if condition is None else queryset.filter(condition)


def due(clock) -> str:
    """The due column the app's lists show: due date and state of the running time limit."""
    if clock is None or clock.stopped_at is not None:
        return ""
    return f"{clock.due_date} {clock.current_state.label}"


def _page(request: HttpRequest, queryset: QuerySet, per_page: int, rows, title: str):
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    page.object_list = [rows(obj) for obj in page.object_list]
    return HttpResponse(TABLE.render({"page": page, "title": title}, request))


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    """Stands in for /cases/ (approvals.views.case_list)."""
    queryset = _scoped(
        Application.objects.select_related("department__division", "issuer", "current_clock"),
        "",
        request,
    ).order_by("-created", "-pk")

    def row(application: Application) -> tuple:
        issuer = getattr(application, "issuer", None)
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


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Stands in for /register/ (issuers.views.register)."""
    queryset = _scoped(
        Issuer.objects.select_related("department", "division", "application"),
        "",
        request,
        cases=False,
    ).order_by("serial")

    def row(issuer: Issuer) -> tuple:
        return (
            issuer.issuer_id,
            issuer.department,
            issuer.division,
            issuer.get_status_display(),
            issuer.filing_reference,
            issuer.application.reference,
        )

    return _page(request, queryset, CASE_PAGE, row, "register")


def _task_row(task: Task) -> tuple:
    case = task.process.caseprocess.case
    return (
        f"#{task.process_id}/{task.pk}",
        task.flow_task.name,
        task.status,
        due(case.current_clock),
        task.created,
    )


def _issuance_tasks() -> QuerySet:
    return Task.objects.filter(process__flow_class=IssuanceFlow).select_related(
        "process", "process__caseprocess__case__current_clock"
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Stands in for /issuance/inbox/ (viewflow FlowInboxListView)."""
    queryset = _issuance_tasks().filter(owner=request.user, status="ASSIGNED").order_by("-created")
    return _page(request, queryset, TASK_PAGE, _task_row, "inbox")


def queue_permission(user) -> Q:
    """The queue's permission test (viewflow managers.py user_queue) as plain column tests:
    one (owner_permission, owner_permission_obj_pk) pair per guardian row, instead of a
    CONCAT of the two compared against an IN list."""
    condition = (
        Q(owner_permission__isnull=True)
        | Q(owner=user)
        | Q(owner_permission__in=user.get_all_permissions())
    )
    rows = UserObjectPermission.objects.filter(user=user).select_related(
        "content_type", "permission"
    )
    group_rows = GroupObjectPermission.objects.filter(group__in=user.groups.all()).select_related(
        "content_type", "permission"
    )
    for row in [*rows, *group_rows]:
        condition |= Q(
            owner_permission=f"{row.content_type.app_label}.{row.permission.codename}",
            owner_permission_obj_pk=row.object_pk,
        )
    return condition


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Stands in for /issuance/queue/ (viewflow FlowQueueListView)."""
    queryset = (
        _issuance_tasks()
        .filter(flow_task_type="HUMAN", status="NEW")
        .filter(queue_permission(request.user))
        .order_by("-created")
    )
    return _page(request, queryset, TASK_PAGE, _task_row, "queue")


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """Stands in for /issuance/tasks/ (approvals.viewsets.ScopedTaskListView)."""
    queryset = _scoped(
        _issuance_tasks().select_related("owner"),
        "process__caseprocess__case__",
        request,
    ).order_by("-created")
    return _page(request, queryset, TASK_PAGE, _task_row, "tasks")


BASELINES = {"cases": cases, "register": register, "inbox": inbox, "queue": queue, "tasks": tasks}

urlpatterns = [
    *(
        path(f"bench-baseline/{name}/", view, name=f"baseline-{name}")
        for name, view in BASELINES.items()
    ),
    *app_urlpatterns,
]
