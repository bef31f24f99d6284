"""Mount the flows in viewflow's UI with every case list and page scoped to the user.

viewflow's own process list, dashboard and process detail are not filtered by
jurisdiction (viewflow-guide §3.3 point 6), so they are replaced by the case pages.
"""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.functional import cached_property
from django.views.generic import RedirectView
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import FlowChartView
from viewflow.workflow.status import STATUS

from .access import task_queue, visible_processes, visible_tasks
from .task_lists import ScopedInboxView, ScopedQueueView, ScopedTaskListView


class ScopedChartView(FlowChartView):
    """The chart of one case shows which steps are done: only within jurisdiction."""

    def dispatch(self, request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        if process_pk is not None:
            processes = visible_processes(request.user, self.flow_class)
            if not processes.filter(pk=process_pk).exists():
                raise Http404
        return super().dispatch(request, *args, **kwargs)


class MenuCount:
    """A menu badge: how many tasks, up to a cap, then "99+".

    The exact number is on the list itself; counting the Ministry's whole queue (thousands of
    open tasks, each joined to its case for the jurisdiction) on every page it opens cost
    more than the rest of the page.
    """

    CAP = 99

    def __init__(self, tasks: QuerySet) -> None:
        self.tasks = tasks

    @cached_property
    def count(self) -> str:
        found = self.tasks.order_by()[: self.CAP + 1].count()
        return f"{self.CAP}+" if found > self.CAP else str(found)


class ScopedFlowViewset(FlowAppViewset):
    inbox_view_class = ScopedInboxView
    queue_view_class = ScopedQueueView
    task_list_view_class = ScopedTaskListView
    chart_view_class = ScopedChartView

    def get_context_data(self, request) -> dict:
        """The inbox and queue counts of the menu, from the same scoped queries as the lists
        (viewflow's own run its unindexable queue filter on every page)."""
        inbox = visible_tasks(request.user, self._flow_class).filter(
            owner=request.user, status=STATUS.ASSIGNED
        )
        return {
            "user_inbox": MenuCount(inbox),
            "user_queue": MenuCount(task_queue(request.user, self._flow_class)),
        }

    @property
    def case_list_name(self) -> str:
        return self._flow_class.case_class.LIST_URL

    @property
    def index_path(self) -> URLPattern:
        """viewflow's flow dashboard counts over every process: the scoped dashboard instead."""
        return path("", RedirectView.as_view(pattern_name="dashboard:index"), name="index")

    @property
    def process_list_path(self) -> URLPattern:
        view = RedirectView.as_view(pattern_name=self.case_list_name)
        return path("flows/", view, name="process_list")

    @property
    def process_detail_path(self) -> URLPattern:
        flow_class = self._flow_class

        def process_detail(request: HttpRequest, process_pk: int, **kwargs) -> HttpResponse:
            process = visible_processes(request.user, flow_class).filter(pk=process_pk).first()
            if process is None:
                raise Http404
            return redirect(process.get_case())

        return path("<int:process_pk>/", process_detail, name="process_detail")
