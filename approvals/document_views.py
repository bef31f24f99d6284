"""A case's issued documents: download (whoever may see the case) and revocation (a
supervisor of the issuing office)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import revocation
from .access import visible_cases
from .documents import issued_response
from .forms import ClockReasonForm
from .models import CaseDocument
from .recording import ActionRefused


def _document_for(request: HttpRequest, pk: int) -> CaseDocument:
    return get_object_or_404(
        CaseDocument.objects.select_related("office", "case").filter(
            case__in=visible_cases(request.user)
        ),
        pk=pk,
    )


@login_required
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    return issued_response(_document_for(request, pk))


@login_required
def document_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document_for(request, pk)
    case = document.case.specific
    if not revocation.may_revoke(request.user, document):
        reason = _("Only a supervisor of the issuing office may revoke a document, once.")
        return render(request, "approvals/refused.html", {"reason": reason}, status=403)
    form = ClockReasonForm(request.POST or None)
    form.fields["reason"].help_text = _(
        "The applicant sees this reason on the case's timeline; the public verification page "
        "shows only that the document was revoked, and when."
    )
    if request.method == "POST" and form.is_valid():
        try:
            revocation.revoke_document(
                document, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("The document is revoked."))
            return redirect(case.get_absolute_url())
    return render(
        request,
        "approvals/document_revoke.html",
        {"document": document, "case": case, "form": form},
    )
