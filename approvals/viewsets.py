"""Mount the flows in viewflow's UI with every case list and page scoped to the user.

viewflow's own process list, dashboard and process detail are not filtered by
jurisdiction (viewflow-guide §3.3 point 6), so they are replaced by the case pages.
"""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.functional import cached_property
from django.views.generic import RedirectView
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import FlowChartView
from viewflow.workflow.status import STATUS

from .access import task_queue, visible_processes, visible_tasks
from .models import ChangeProcess
from .task_lists import ScopedInboxView, ScopedQueueView, ScopedTaskListView


class ScopedChartView(FlowChartView):
    """The chart of one case shows which steps are done: only within jurisdiction."""

    def dispatch(self, request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        process_pk = kwargs.get("process_pk")
        if process_pk is not None:
            processes = visible_processes(request.user, self.flow_class.process_class)
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

    def get_context_data(self, request) -> dict:  # noqa: ANN001
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
        return "changes:index" if self._flow_class.process_class is ChangeProcess else "cases:index"

    @property
    def index_path(self):  # noqa: ANN201
        return path("", RedirectView.as_view(pattern_name=self.case_list_name), name="index")

    @property
    def process_list_path(self):  # noqa: ANN201
        view = RedirectView.as_view(pattern_name=self.case_list_name)
        return path("flows/", view, name="process_list")

    @property
    def process_detail_path(self):  # noqa: ANN201
        process_class = self._flow_class.process_class

        def process_detail(request, process_pk: int, **kwargs):  # noqa: ANN001, ANN003, ANN202
            process = visible_processes(request.user, process_class).filter(pk=process_pk).first()
            if process is None:
                raise Http404
            name = "changes:detail" if process_class is ChangeProcess else "cases:detail"
            return redirect(name, pk=process.case.pk)

        return path("<int:process_pk>/", process_detail, name="process_detail")
