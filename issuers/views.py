from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from approvals.access import visible_issuers
from approvals.documents import attachment_response


@login_required
def register(request: HttpRequest) -> HttpResponse:
    issuers = visible_issuers(request.user).select_related("department", "division", "application")
    return render(request, "issuers/register.html", {"issuers": issuers})


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
