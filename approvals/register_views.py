"""The issuer register's pages: each issuer with its registered versions and the cases that
made them. The register itself (issuers) knows nothing of cases; these pages join the two."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from issuers.access import visible_issuers
from issuers.file_structure import to_json
from issuers.membership import department_of
from issuers.models import CardSpecification, Issuer

from . import readiness
from .documents import attachment_response
from .models import Authorisation, ChangeRequest
from .recording import ActionRefused
from .search import IssuerListing, paginate


@login_required
def register(request: HttpRequest) -> HttpResponse:
    listing = IssuerListing(request.user, request.GET)
    return render(
        request,
        "approvals/register/index.html",
        {"issuers": paginate(request, listing.issuers), "listing": listing},
    )


@login_required
def receipt_download(request: HttpRequest, pk: int) -> HttpResponse:
    issuer = get_object_or_404(visible_issuers(request.user).exclude(filing_receipt=""), pk=pk)
    content_type = "application/pdf"
    with issuer.filing_receipt.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\x89PNG"):
        content_type = "image/png"
    elif head.startswith(b"\xff\xd8"):
        content_type = "image/jpeg"
    extension = content_type.split("/")[1].replace("jpeg", "jpg")
    return attachment_response(
        issuer.filing_receipt.open("rb"), f"{issuer.issuer_id}-receipt.{extension}", content_type
    )


@login_required
def issuer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    issuer = get_object_or_404(
        visible_issuers(request.user).select_related("department", "division", "application"),
        pk=pk,
    )
    versions = issuer.specifications.select_related("change_request")
    return render(
        request,
        "approvals/register/detail.html",
        {
            "issuer": issuer,
            # Version 1 is made by the approving application, every later one by a change.
            "versions": [
                (v, getattr(v, "change_request", None) or issuer.application) for v in versions
            ],
            "current": issuer.current_specification(),
            "open_change": ChangeRequest.objects.filter(issuer=issuer).open().first(),
            "may_request_change": department_of(request.user) == issuer.department
            and issuer.is_filed,
            "open_authorisation": issuer.authorisations.exclude(
                status=Authorisation.Status.AUTHORISED
            ).first(),
            "may_apply_for_authorisation": _may(readiness.refuse_authorisation, issuer, request),
        },
    )


def _may(refusal, issuer: Issuer, request: HttpRequest) -> bool:
    try:
        refusal(issuer, by=request.user)
    except ActionRefused:
        return False
    return True


def _version_for_user(request: HttpRequest, pk: int, version: int) -> CardSpecification:
    return get_object_or_404(
        CardSpecification.objects.filter(issuer__in=visible_issuers(request.user)),
        issuer_id=pk,
        version=version,
    )


@login_required
def version_surface(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    specification = _version_for_user(request, pk, version)
    content_type = specification.surface_content_type
    extension = content_type.split("/")[1].replace("jpeg", "jpg")
    filename = f"{specification.issuer.issuer_id}-v{version}-surface.{extension}"
    return attachment_response(specification.surface.open("rb"), filename, content_type)


@login_required
def version_structure(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    specification = _version_for_user(request, pk, version)
    data = to_json(specification.file_structure).encode()
    filename = f"{specification.issuer.issuer_id}-v{version}-file-structure.json"
    return attachment_response(data, filename, "application/json")
