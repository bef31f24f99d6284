from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from issuers.membership import department_of

from .access import visible_processes


class FlowUrlGuardMiddleware:
    """Guards every viewflow URL that names a case (process_pk), in one place.

    - A case outside the user's jurisdiction is a 404, whatever viewflow's own view would
      have answered (its task index, for one, redirects and so confirms the task exists).
    - A task id under another case's process id is a 404: viewflow locks the case named in
      the URL, so a mismatch would let two requests act on one task unlocked.
    - When another official holds the case lock, the user gets a friendly 409 page.
    - When the step was done meanwhile (the loser of a race, a second click) or a colleague
      took it, the user is told who did what and when (409), not viewflow's transition error.
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
        if isinstance(exception, PermissionDenied):
            return self.overtaken(request)
        return None

    def overtaken(self, request: HttpRequest) -> HttpResponse | None:
        """The page for a task someone else finished or, within the department, took."""
        kwargs = request.resolver_match.kwargs
        if "task_pk" not in kwargs or request.resolver_match.url_name not in ("assign", "execute"):
            return None
        task = (
            Task.objects.select_related("owner", "process")
            .filter(pk=kwargs["task_pk"], process_id=kwargs.get("process_pk"))
            .first()
        )
        if task is None or task.owner_id is None:
            return None
        done = task.status in (STATUS.DONE, STATUS.CANCELED)
        taken_by_colleague = (
            task.status == STATUS.ASSIGNED
            and task.owner_id != request.user.pk
            and department_of(task.owner) == department_of(request.user)
        )
        if not (done or taken_by_colleague):
            return None
        case = task.process.caseprocess.get_case()
        context = {
            "case": case,
            "task": task,
            "done": done,
            "owner_department": department_of(task.owner),
            "at": task.finished if done else task.assigned,
        }
        return render(request, "approvals/task_overtaken.html", context, status=409)
