"""The app's urlconf plus two trivial pages that benchmarks compare with.

`trivial` (bench.http) is the plainest authenticated page Django can serve from the same rows:
the same middleware (session, authentication, CSRF, CSP, axes, the flow URL guard), one query
for the 50 newest applications, and a string join instead of a template. Whatever the inbox
costs beyond it is the app's own work (task scoping, menu counts, templates).

`noop` (bench.e2e) is an authenticated POST that does nothing and redirects: what any request
of an official costs before the system does anything.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils.html import escape
from django.views.decorators.http import require_POST

from approvals.models import Application
from config.urls import urlpatterns as app_urlpatterns

TRIVIAL_URL = "/bench-trivial/"


@login_required
def trivial(request: HttpRequest) -> HttpResponse:
    """One indexed query, a minimal HTML list: the floor any DB-backed page pays."""
    rows = Application.objects.order_by("-pk").values_list("pk", "status")[:50]
    body = "".join(f"<li>{pk} {escape(status)}</li>" for pk, status in rows)
    return HttpResponse(f"<!doctype html><title>trivial</title><ul>{body}</ul>")


@login_required
@require_POST
def noop(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect("/")


urlpatterns = [
    path(TRIVIAL_URL.strip("/") + "/", trivial, name="bench_trivial"),
    path("bench-noop/", noop, name="bench_noop"),
    *app_urlpatterns,
]
