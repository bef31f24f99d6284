"""Views of the flows' human tasks. viewflow has already loaded the task, checked that
the user may execute it and, on POST, taken the case lock and opened a transaction."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import actions, changes
from .actions import Outcome
from .forms import CorrectionForm, DecisionForm, FilingForm
from .models import Application

RETURN = (Outcome.RETURN, gettext_lazy("Return for correction"))
REJECT = (Outcome.REJECT, gettext_lazy("Reject"))


def _case(request: HttpRequest):  # noqa: ANN202
    return request.activation.process.case


def _case_url(case) -> str:  # noqa: ANN001
    name = "cases:detail" if isinstance(case, Application) else "changes:detail"
    return redirect(name, pk=case.pk)


def _render(request: HttpRequest, form, **context) -> HttpResponse:  # noqa: ANN001, ANN003
    case = _case(request)
    is_application = isinstance(case, Application)
    return render(
        request,
        "approvals/task.html",
        {
            "form": form,
            "activation": request.activation,
            "case": case,
            "application": case if is_application else None,
            "change": None if is_application else case,
            "diff": None if is_application else changes.compute_diff(case),
            **context,
        },
    )


def _done(request: HttpRequest) -> HttpResponse:
    request.activation.execute()
    messages.success(request, _("Done. The case has moved on."))
    return _case_url(_case(request))


def _decision_view(request: HttpRequest, record, outcomes: list) -> HttpResponse:  # noqa: ANN001
    form = DecisionForm(request.POST or None, outcomes=outcomes)
    if form.is_valid():
        try:
            record(
                _case(request),
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
    passing = (Outcome.PASS, _("Pass to the Ministry"))
    return _decision_view(request, actions.record_examination, [passing, RETURN, REJECT])


def review_view(request: HttpRequest, **kwargs) -> HttpResponse:  # noqa: ANN003
    return _decision_view(
        request, actions.record_review, [(Outcome.PASS, _("Approve")), RETURN, REJECT]
    )


def acknowledgement_view(request: HttpRequest, **kwargs) -> HttpResponse:  # noqa: ANN003
    acknowledge = (Outcome.PASS, _("Acknowledge for the record"))
    return _decision_view(request, changes.record_acknowledgement, [acknowledge, RETURN])


def correction_view(request: HttpRequest, **kwargs) -> HttpResponse:  # noqa: ANN003
    form = CorrectionForm(request.POST or None)
    case = _case(request)
    resubmit = (
        actions.resubmit if isinstance(case, Application) else changes.resubmit_change_request
    )
    if form.is_valid():
        try:
            resubmit(case, by=request.user, note=form.cleaned_data["note"].strip())
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
                _case(request),
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
