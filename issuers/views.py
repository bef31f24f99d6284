from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from approvals.access import department_of, visible_issuers
from approvals.documents import attachment_response
from approvals.views import paginate

from .file_structure import to_json
from .models import CardSpecification


@login_required
def register(request: HttpRequest) -> HttpResponse:
    issuers = visible_issuers(request.user).select_related("department", "division", "application")
    return render(request, "issuers/register.html", {"issuers": paginate(request, issuers)})


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
    department = department_of(request.user)
    return render(
        request,
        "issuers/issuer_detail.html",
        {
            "issuer": issuer,
            "versions": issuer.specifications.select_related("application", "change_request"),
            "current": issuer.current_specification(),
            "open_change": issuer.open_change_request(),
            "may_request_change": department == issuer.department
            and issuer.status == issuer.Status.FILED,
        },
    )


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
