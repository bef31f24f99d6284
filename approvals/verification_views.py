"""The public verification page of issued documents: no login, reached from the QR code or
the printed code. It shows what the document's face shows and its standing, and checks an
uploaded PDF against the issued bytes; nothing else about the case."""

import hashlib

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect

from .documents import normalise_code
from .models import CaseDocument
from .public_access import rate_limited

UPLOAD_LIMIT = 20 * 1024 * 1024


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=40)


class UploadForm(forms.Form):
    pdf = forms.FileField(
        label=_("The PDF you received"),
        help_text=_("It is compared with the issued file; it is not kept."),
    )

    def clean_pdf(self):
        pdf = self.cleaned_data["pdf"]
        if pdf.size > UPLOAD_LIMIT:
            raise forms.ValidationError(_("This file is larger than any issued document."))
        return pdf


@rate_limited("verify", per_minute=30)
def verify_start(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.GET or None)
    if form.is_valid():
        return redirect("public_verify", code=normalise_code(form.cleaned_data["code"]))
    return render(request, "approvals/public/verify_start.html", {"form": form})


@csrf_protect
@rate_limited("verify", per_minute=30)
def verify_document(request: HttpRequest, code: str) -> HttpResponse:
    document = (
        CaseDocument.objects.select_related("office")
        .filter(verification_code=normalise_code(code))
        .first()
    )
    if document is None:
        return render(
            request,
            "approvals/public/verify_start.html",
            {"form": CodeForm(initial={"code": code}), "unknown": True},
            status=404,
        )
    upload = UploadForm(request.POST or None, request.FILES or None)
    matches = None
    if request.method == "POST" and upload.is_valid():
        digest = hashlib.sha256()
        for chunk in upload.cleaned_data["pdf"].chunks():
            digest.update(chunk)
        matches = digest.hexdigest() == document.sha256
    standing = CaseDocument.Standing(document.standing)
    superseded = standing == CaseDocument.Standing.SUPERSEDED
    return render(
        request,
        "approvals/public/verify.html",
        {
            "document": document,
            "standing": standing,
            "later": document.later_edition() if superseded else None,
            "upload": upload,
            "matches": matches,
        },
    )
