"""The pages of the way from filed to authorised to issue: the list, the application from the
issuer page (the first time, or the retest a change made due), and the case page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from issuers.access import visible_issuers

from . import readiness
from .access import get_case_for_user
from .flows import AuthorisationFlow
from .models import Authorisation
from .readiness_forms import AuthorisationForm
from .recording import ActionRefused
from .search import CaseListing, paginate
from .views import case_page


@login_required
def authorisation_list(request: HttpRequest) -> HttpResponse:
    listing = CaseListing(request.user, request.GET, Authorisation)
    return render(
        request,
        "approvals/authorisation_list.html",
        {"authorisations": paginate(request, listing.cases), "listing": listing},
    )


@login_required
@require_http_methods(["GET", "POST"])
def authorisation_start(request: HttpRequest, issuer_pk: int) -> HttpResponse:
    """The department applies for keys and PSAM cards (or starts its retest) and submits."""
    issuer = get_object_or_404(visible_issuers(request.user), pk=issuer_pk)
    try:
        readiness.refuse_authorisation(issuer, by=request.user)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("register:detail", pk=issuer.pk)
    retest = issuer.status == issuer.Status.AUTHORISED
    form = AuthorisationForm(request.POST or None) if not retest else None
    if request.method == "POST" and (retest or form.is_valid()):
        fields = form.cleaned_data if form is not None else {}
        try:
            with transaction.atomic():
                case = readiness.draft_authorisation(issuer, by=request.user, **fields)
                AuthorisationFlow.submit_case(case, by=request.user)
        except ActionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("register:detail", pk=issuer.pk)
        messages.success(request, _("Submitted to the Ministry Information Center."))
        return redirect(case)
    return render(
        request,
        "approvals/authorisation_form.html",
        {"issuer": issuer, "form": form, "retest": retest},
    )


@login_required
def authorisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, Authorisation, pk, "issuer__division")
    rounds: dict[int, list] = {}
    for item in case.test_items.all():
        rounds.setdefault(item.round, []).append(item)
    return render(
        request,
        "approvals/authorisation_detail.html",
        {**case_page(request, case), "authorisation": case, "rounds": sorted(rounds.items())},
    )
