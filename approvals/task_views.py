"""Views of the flow's human tasks. viewflow has already loaded the task, checked that
the user may execute it and, on POST, taken the case lock and opened a transaction."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import actions
from .forms import CorrectionForm, DecisionForm, FilingForm


def _render(request: HttpRequest, form, **context) -> HttpResponse:  # noqa: ANN001, ANN003
    application = request.activation.process.application
    return render(
        request,
        "approvals/task.html",
        {"form": form, "activation": request.activation, "application": application, **context},
    )


def _done(request: HttpRequest) -> HttpResponse:
    request.activation.execute()
    messages.success(request, _("Done. The case has moved on."))
    return redirect("cases:detail", pk=request.activation.process.application.pk)


def _decision_view(request: HttpRequest, record, pass_label: str) -> HttpResponse:  # noqa: ANN001
    form = DecisionForm(request.POST or None, pass_label=pass_label)
    if form.is_valid():
        try:
            record(
                request.activation.process.application,
                form.cleaned_data["outcome"],
                by=request.user,
                reasons=form.cleaned_data["reasons"].strip(),
            )
        except actions.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            return _done(request)
    return _render(request, form)


def examination_view(request: HttpRequest, **kwargs) -> HttpResponse:  # noqa: ANN003
    return _decision_view(request, actions.record_examination, _("Pass to the Ministry"))


def review_view(request: HttpRequest, **kwargs) -> HttpResponse:  # noqa: ANN003
    return _decision_view(request, actions.record_review, _("Approve"))


def correction_view(request: HttpRequest, **kwargs) -> HttpResponse:  # noqa: ANN003
    form = CorrectionForm(request.POST or None)
    application = request.activation.process.application
    if form.is_valid():
        try:
            actions.resubmit(application, by=request.user, note=form.cleaned_data["note"].strip())
        except actions.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            return _done(request)
    return _render(request, form, correction=True)


def filing_view(request: HttpRequest, **kwargs) -> HttpResponse:  # noqa: ANN003
    form = FilingForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        try:
            actions.record_filing(
                request.activation.process.application,
                by=request.user,
                reference=form.cleaned_data["reference"].strip(),
                filing_date=form.cleaned_data["filing_date"],
                receipt=form.cleaned_data["receipt"],
            )
        except ValidationError as error:
            form.add_error("receipt", error)
        else:
            return _done(request)
    return _render(request, form, filing=True)
