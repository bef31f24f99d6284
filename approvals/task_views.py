"""Views of the flows' human tasks. viewflow has already loaded the task, checked that
the user may execute it and, on POST, taken the case lock and opened a transaction.

Each view records the step through its action and completes the task; the flow then routes
on the status the action wrote. The page is the kind's own template,
approvals/task/<kind>.html, which extends approvals/task.html.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import actions
from .clocks import clock_panel
from .forms import CorrectionForm, DecisionForm, FilingForm
from .models import Case, event_details


def task_case(request: HttpRequest) -> Case:
    return request.activation.process.get_case()


def render_task(request: HttpRequest, form: Form, **context: object) -> HttpResponse:
    case = task_case(request)
    return render(
        request,
        f"approvals/task/{case.kind}.html",
        {
            "form": form,
            "activation": request.activation,
            "case": case,
            "last_correction": event_details.last_correction(case),
            "clock": clock_panel(case, request.user),
            **context,
        },
    )


def complete_task(request: HttpRequest) -> HttpResponse:
    request.activation.execute()
    messages.success(request, _("Done. The case has moved on."))
    return redirect(task_case(request))


def decision_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    """The decision of the step the task stands for; the outcomes are the case kind's."""
    case = task_case(request)
    step = request.activation.flow_task.decides
    form = DecisionForm(request.POST or None, decisions=case.DECISIONS[step])
    if form.is_valid():
        try:
            actions.record_decision(
                case,
                step,
                form.cleaned_data["outcome"],
                by=request.user,
                reasons=form.cleaned_data["reasons"],
            )
        except actions.ActionRefused as refusal:
            form.add_error(refusal.field, str(refusal))
        else:
            return complete_task(request)
    return render_task(request, form)


def correction_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    form = CorrectionForm(request.POST or None)
    if form.is_valid():
        try:
            actions.resubmit(
                task_case(request), by=request.user, note=form.cleaned_data["note"].strip()
            )
        except actions.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            return complete_task(request)
    return render_task(request, form, correction=True)


def filing_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    form = FilingForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        try:
            actions.record_filing(
                task_case(request),
                by=request.user,
                reference=form.cleaned_data["reference"].strip(),
                filing_date=form.cleaned_data["filing_date"],
                receipt=form.cleaned_data["receipt"],
            )
        except ValidationError as error:
            form.add_error("receipt", error)
        except actions.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            return complete_task(request)
    return render_task(request, form, filing=True)
