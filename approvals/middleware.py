from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task

from .access import visible_processes


class FlowUrlGuardMiddleware:
    """Guards every viewflow URL that names a case (process_pk), in one place.

    - A case outside the user's jurisdiction is a 404, whatever viewflow's own view would
      have answered (its task index, for one, redirects and so confirms the task exists).
    - A task id under another case's process id is a 404: viewflow locks the case named in
      the URL, so a mismatch would let two requests act on one task unlocked.
    - When another official holds the case lock, the user gets a friendly 409 page.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        process_pk = view_kwargs.get("process_pk")
        if process_pk is None:
            return None
        if not request.user.is_authenticated:
            # The same answer for every case URL, so nobody can probe which ids exist.
            return redirect_to_login(request.get_full_path())
        flow = getattr(request.resolver_match.url_name, "extra", {}).get("flow")
        task_pk = view_kwargs.get("task_pk")
        if flow is not None:
            cases = visible_processes(request.user, type(flow)).filter(pk=process_pk)
            if task_pk is not None:  # one query for both: the case is visible, the task is its
                cases = cases.filter(task__pk=task_pk)
            if not cases.exists():
                raise Http404
        elif task_pk is not None:
            if not Task.objects.filter(pk=task_pk, process_id=process_pk).exists():
                raise Http404
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, FlowLockFailed):
            return render(request, "approvals/lock_conflict.html", status=409)
        return None
