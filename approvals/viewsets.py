"""Mount the flow in viewflow's UI with every case list and page scoped to the user.

viewflow's own process list, dashboard and process detail are not filtered by
jurisdiction (viewflow-guide §3.3 point 6), so they are replaced by the case pages.
"""

from django.shortcuts import redirect
from django.urls import path
from django.views.generic import RedirectView
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import DashboardTaskListView

from .access import get_application_for_user, visible_processes


class CaseListRedirect(RedirectView):
    pattern_name = "cases:index"


def process_detail_redirect(request, process_pk: int, **kwargs):  # noqa: ANN001, ANN003, ANN201
    process = visible_processes(request.user).filter(pk=process_pk).first()
    application_pk = process.application_id if process else 0
    get_application_for_user(request.user, application_pk)
    return redirect("cases:detail", pk=application_pk)


class ScopedTaskListView(DashboardTaskListView):
    def get_queryset(self):  # noqa: ANN201
        return super().get_queryset().filter(process__in=visible_processes(self.request.user))


class IssuanceViewset(FlowAppViewset):
    task_list_view_class = ScopedTaskListView

    @property
    def index_path(self):  # noqa: ANN201
        return path("", CaseListRedirect.as_view(), name="index")

    @property
    def process_list_path(self):  # noqa: ANN201
        return path("flows/", CaseListRedirect.as_view(), name="process_list")

    @property
    def process_detail_path(self):  # noqa: ANN201
        return path("<int:process_pk>/", process_detail_redirect, name="process_detail")
