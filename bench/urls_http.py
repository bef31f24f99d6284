"""The app's urlconf plus one trivial, database-backed page for bench.http to compare with.

The baseline is the plainest authenticated page Django can serve from the same rows: the
same middleware (session, authentication, CSRF, CSP, axes, the flow URL guard), one query for
the 50 newest applications, and a string join instead of a template. Whatever the inbox
costs beyond it is the app's own work (task scoping, menu counts, templates).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import escape

from approvals.models import Application
from config.urls import urlpatterns as app_urlpatterns

TRIVIAL_URL = "/bench-trivial/"


@login_required
def trivial(request: HttpRequest) -> HttpResponse:
    """One indexed query, a minimal HTML list: the floor any DB-backed page pays."""
    rows = Application.objects.order_by("-pk").values_list("pk", "status")[:50]
    body = "".join(f"<li>{pk} {escape(status)}</li>" for pk, status in rows)
    return HttpResponse(f"<!doctype html><title>trivial</title><ul>{body}</ul>")


urlpatterns = [path(TRIVIAL_URL.strip("/") + "/", trivial, name="bench_trivial"), *app_urlpatterns]
