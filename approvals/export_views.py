"""Exports of the lists: a CSV streams; an XLSX is written at once when short, else by a
worker while the official watches its progress. Each export applies the list's search and
filters with the requester's jurisdiction, and is downloaded by the requester alone."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language

from . import exports, tasks
from .documents import attachment_response
from .models import Export
from .search import kept_query, paginate


@login_required
def export_list(request: HttpRequest, listing: str, file_format: str) -> HttpResponse:
    if listing not in Export.Listing.values or file_format not in Export.Format.values:
        raise Http404
    if file_format == Export.Format.CSV:
        return exports.csv_response(exports.listing_table(listing, request.user, request.GET))
    limit = exports.inline_rows()
    if exports.row_count(listing, request.user, request.GET, limit) <= limit:
        return exports.xlsx_response(exports.listing_table(listing, request.user, request.GET))
    export = Export.objects.create(
        requested_by=request.user,
        listing=listing,
        query=kept_query(request.GET),
        file_format=file_format,
        language=get_language(),
    )
    transaction.on_commit(lambda: tasks.write_export.delay(export.pk))
    return redirect("exports:detail", pk=export.pk)


def _own_export(request: HttpRequest, pk: int) -> Export:
    return get_object_or_404(Export, pk=pk, requested_by=request.user)


@login_required
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "approvals/export_detail.html", {"export": _own_export(request, pk)})


@login_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = _own_export(request, pk)
    if export.status != Export.Status.DONE:
        raise Http404
    content_type = exports.XLSX_TYPE if export.file_format == "xlsx" else "text/csv"
    return attachment_response(export.file.open("rb"), export.filename, content_type)


@login_required
def export_index(request: HttpRequest) -> HttpResponse:
    mine = Export.objects.filter(requested_by=request.user)
    return render(request, "approvals/exports.html", {"exports": paginate(request, mine)})
