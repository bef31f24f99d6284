"""The inbox, queue and task list of a flow: scoped to the user's jurisdiction, and cheap.

They replace viewflow's list views, whose per-row columns (`brief`, `process_summary`) render
a template from the coerced process, and whose filters read the distinct task names from the
task table on every page; on a national table each costs more than the list itself.
"""

from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_filters import (
    CharFilter,
    ChoiceFilter,
    DateRangeFilter,
    FilterSet,
    MultipleChoiceFilter,
)
from viewflow.utils import viewprop
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow.views import DashboardTaskListView, FlowInboxListView, FlowQueueListView
from viewflow.workflow.flow.views.filters import NullDateRangeFilter
from viewflow.workflow.flow.views.mixins import StoreRequestPathMixin
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from issuers.membership import Official

from .access import TASK_CASE, task_queue, visible_tasks
from .due_cells import due_cell
from .models import ClockState, StepClock
from .search import CappedPaginator, case_search

# The session key of viewflow's StoreRequestPathMixin (the "back" link of a task page).
PIN_LOCATION = "vf-pin-location"


def human_steps(flow_class: type) -> list[tuple[str, str]]:
    """The flow's human steps as filter choices, from the flow itself, not from the rows."""
    return [
        (get_task_ref(node), str(node.task_title or node.name))
        for node in flow_class.instance.nodes()
        if node.task_type == "HUMAN"
    ]


CLOCK = f"{TASK_CASE}current_clock__"


class OpenTaskFilter(FilterSet):
    q = CharFilter(label=_("Search"), method="search")
    flow_task = ChoiceFilter(label=_("Task"))
    due = ChoiceFilter(label=_("Time limit"), choices=ClockState.choices, method="in_state")
    created = DateRangeFilter()

    class Meta:
        model = Task
        fields = ("q", "flow_task", "due", "created")

    def search(self, queryset, name: str, value: str):
        """The case of the task, found as on the case lists."""
        if not value.strip():
            return queryset
        return queryset.filter(case_search(value, TASK_CASE))

    def in_state(self, queryset, name: str, value: str):
        return queryset.filter(StepClock.objects.in_state(value, timezone.now(), CLOCK))

    def __init__(self, *args, flow_class: type, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["flow_task"].field.choices = human_steps(flow_class)


class TaskListFilter(OpenTaskFilter):
    status = MultipleChoiceFilter(choices=STATUS.choices)
    finished = NullDateRangeFilter()

    class Meta:
        model = Task
        fields = ("q", "flow_task", "due", "status", "created", "finished")


class CaseColumn:
    """Names the case of each task from the row's joined case: no query per row; counts the
    list only up to a cap, like the case lists (viewflow's counts every visible task)."""

    paginator_class = CappedPaginator

    def dispatch(self, request, *args, **kwargs):
        # viewflow remembers the list a task was opened from by writing the path into the
        # session on every request: a session write per page view. Write only a change.
        path = request.get_full_path()
        if request.session.get(PIN_LOCATION) != path:
            request.session[PIN_LOCATION] = path
        return super(StoreRequestPathMixin, self).dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self, filterset_class: type) -> dict:
        return {**super().get_filterset_kwargs(filterset_class), "flow_class": self.flow_class}

    def case(self, task: Task) -> str:
        case = task.process.caseprocess.case
        return format_html(
            '<a href="{}">{}</a> {}', case.get_absolute_url(), case.reference, case.department
        )

    case.short_description = _("Case")

    def due(self, task: Task) -> str:
        """The due date and state of the case's running time limit."""
        return due_cell(task.process.caseprocess.case.current_clock)

    due.short_description = _("Due")
    due.orderby_column = F(f"{CLOCK}due_at")


class ScopedInboxView(CaseColumn, FlowInboxListView):
    """My tasks, and those of colleagues away whom I stand in for (taken over from the case
    page)."""

    columns = ("task_id", "task_title", "case", "due", "held_by", "created")
    filterset_class = OpenTaskFilter

    @viewprop
    def queryset(self):
        tasks = visible_tasks(self.request.user, self.flow_class)
        mine = Q(owner=self.request.user) | Q(
            owner__in=Official.of(self.request.user).stands_in_for
        )
        return tasks.filter(mine, status=STATUS.ASSIGNED).order_by("-created")

    def held_by(self, task: Task) -> str:
        if task.owner_id == self.request.user.pk:
            return ""
        return format_html(
            '{} · <a href="{}">{}</a>',
            _("%(name)s (away)") % {"name": task.owner},
            task.process.caseprocess.case.get_absolute_url(),
            _("take over"),
        )

    held_by.short_description = _("For")


class ScopedQueueView(CaseColumn, FlowQueueListView):
    columns = ("task_id", "task_title", "case", "due", "created")
    filterset_class = OpenTaskFilter

    @viewprop
    def queryset(self):
        return task_queue(self.request.user, self.flow_class).order_by("-created")


class ScopedTaskListView(CaseColumn, DashboardTaskListView):
    columns = ("task_id", "flow_task", "case", "due", "created", "owner")
    filterset_class = TaskListFilter

    @viewprop
    def queryset(self):
        return visible_tasks(self.request.user, self.flow_class)
