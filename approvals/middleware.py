from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task


class FlowLockConflictMiddleware:
    """Guards viewflow's task URLs.

    - A task id under another case's process id is a 404: viewflow locks the case
      named in the URL, so a mismatch would let two requests act on one task unlocked.
    - When another official holds the case lock, the user gets a friendly 409 page.
    """

    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> None:  # noqa: ANN001
        process_pk, task_pk = view_kwargs.get("process_pk"), view_kwargs.get("task_pk")
        if process_pk is not None and task_pk is not None:
            if not Task.objects.filter(pk=task_pk, process_id=process_pk).exists():
                raise Http404

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, FlowLockFailed):
            return render(request, "approvals/lock_conflict.html", status=409)
        return None
