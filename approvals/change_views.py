"""Change request pages: start from the registered version, edit, see the diff, submit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from issuers.access import visible_issuers

from . import changes, structure_views
from .access import get_case_for_user
from .actions import ActionRefused, update_case
from .documents import attachment_response, document_response
from .flows import ChangeFlow
from .forms import ChangeRequestForm, SurfaceForm
from .models import CaseDocument, ChangeRequest
from .search import CaseListing, paginate
from .views import case_page, get_own_case

EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def _get_own(request: HttpRequest, pk: int) -> ChangeRequest:
    return get_own_case(request, ChangeRequest, pk)


def _get(request: HttpRequest, pk: int) -> ChangeRequest:
    return get_case_for_user(request.user, ChangeRequest, pk, "issuer", "base_version")


@login_required
def change_list(request: HttpRequest) -> HttpResponse:
    listing = CaseListing(request.user, request.GET, ChangeRequest)
    page = paginate(request, listing.cases)
    return render(
        request, "approvals/change_list.html", {"change_requests": page, "listing": listing}
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_start(request: HttpRequest, issuer_pk: int) -> HttpResponse:
    issuer = get_object_or_404(visible_issuers(request.user), pk=issuer_pk)
    try:
        if request.method != "POST":
            changes.refuse_change_request(issuer, by=request.user)
            return render(request, "approvals/change_start_confirm.html", {"issuer": issuer})
        change = changes.start_change_request(issuer, by=request.user)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("register:detail", pk=issuer.pk)
    messages.success(request, _("Draft change request created from the registered version."))
    return redirect("changes:detail", pk=change.pk)


@login_required
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = _get(request, pk)
    return render(
        request,
        "approvals/change_detail.html",
        {
            **case_page(request, change),
            "change": change,
            "diff": change.diff(),
            "surface_form": SurfaceForm(),
            "resulting_version": change.resulting_version,
        },
    )


@login_required
def change_edit(request: HttpRequest, pk: int) -> HttpResponse:
    change = _get_own(request, pk)
    if not change.is_editable:
        messages.error(request, _("This change request can no longer be edited."))
        return redirect(change)
    # The form validates a copy; the stored row changes only through the action.
    form = ChangeRequestForm(request.POST or None, instance=_get_own(request, pk))
    if form.is_valid():
        update_case(change, by=request.user, data=form.cleaned_data)
        messages.success(request, _("Changes saved."))
        return redirect(change)
    return render(request, "approvals/change_form.html", {"form": form, "change": change})


@login_required
@require_POST
def change_surface(request: HttpRequest, pk: int) -> HttpResponse:
    change = _get_own(request, pk)
    form = SurfaceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the new card surface file."))
        return redirect(change)
    try:
        changes.replace_surface(change, form.cleaned_data["surface"], by=request.user)
    except (ValidationError, ActionRefused) as error:
        structure_views.show_refusal(request, error)
    else:
        if change.surface_changed():
            messages.success(request, _("New card surface design uploaded."))
        else:
            messages.info(
                request,
                _("This is the registered card surface, unchanged: it is not a change."),
            )
    return redirect(change)


@login_required
def change_structure(request: HttpRequest, pk: int) -> HttpResponse:
    return structure_views.structure_page(request, _get_own(request, pk))


@login_required
@require_POST
def change_node(request: HttpRequest, pk: int) -> HttpResponse:
    return structure_views.structure_node(request, _get_own(request, pk))


@login_required
def change_structure_export(request: HttpRequest, pk: int) -> HttpResponse:
    return structure_views.structure_export(_get(request, pk))


@login_required
@require_POST
def change_submit(request: HttpRequest, pk: int) -> HttpResponse:
    change = _get_own(request, pk)
    try:
        ChangeFlow.submit_case(change, by=request.user)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Change request submitted."))
    return redirect(change)


@login_required
@require_http_methods(["GET", "POST"])
def change_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    change = _get_own(request, pk)
    try:
        if request.method != "POST":
            changes.refuse_withdrawal(change)
            return render(request, "approvals/change_withdraw_confirm.html", {"change": change})
        ChangeFlow.withdraw(change, by=request.user)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    return redirect(change)


@login_required
def change_surface_download(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    change = _get(request, pk)
    if which == "before":
        stored, content_type = change.base_version.surface, change.base_version.surface_content_type
        preview = change.base_version.surface_preview
    elif which == "after" and change.surface:
        stored, content_type = change.surface, change.surface_content_type
        preview = change.surface_preview
    else:
        raise Http404
    if "preview" in request.GET:
        # The PNG made of a PDF surface when it was uploaded.
        if not preview:
            raise Http404
        stored, content_type = preview, "image/png"
        which = f"{which}-preview"
    filename = f"{change.reference}-surface-{which}.{EXTENSIONS.get(content_type, 'bin')}"
    response = attachment_response(stored.open("rb"), filename, content_type)
    if "inline" in request.GET and content_type.startswith("image/"):
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def change_decision(request: HttpRequest, pk: int) -> HttpResponse:
    change = _get(request, pk)
    if change.status not in (ChangeRequest.Status.APPROVED, ChangeRequest.Status.ACKNOWLEDGED):
        raise Http404
    return document_response(CaseDocument.Kind.CHANGE_DECISION, change)
