"""The human steps of the way from filed to authorised to issue (flows.AuthorisationFlow):
form → action (approvals.readiness) → the task completed. As in task_views, viewflow has
loaded the task and checked who may act; on POST it holds the case lock."""

from django.http import HttpRequest, HttpResponse

from . import readiness
from .readiness_forms import (
    GateCorrectionForm,
    GateDecisionForm,
    TestApplicationForm,
    TestResultForm,
)
from .recording import ActionRefused
from .task_views import complete_task, render_task, task_case


def _gate_examination(request: HttpRequest, gate: str) -> HttpResponse:
    case = task_case(request)
    form = GateDecisionForm(request.POST or None, gate=gate)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["outcome"] == "issue":
                readiness.issue_gate(
                    case,
                    gate,
                    by=request.user,
                    references=data["references"],
                    issued_on=data["issued_on"],
                )
            else:
                readiness.return_gate(case, gate, by=request.user, reasons=data["reasons"])
        except ActionRefused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, str(refusal))
        else:
            return complete_task(request)
    return render_task(request, form, gate=gate)


def _gate_correction(request: HttpRequest, gate: str) -> HttpResponse:
    case = task_case(request)
    form = GateCorrectionForm(request.POST or None, gate=gate, case=case)
    if form.is_valid():
        try:
            readiness.correct_gate(
                case,
                gate,
                by=request.user,
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
            )
        except ActionRefused as refusal:
            form.add_error("value" if refusal.field == "value" else None, str(refusal))
        else:
            return complete_task(request)
    return render_task(request, form, gate=gate, gate_correction=True)


def key_examination_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return _gate_examination(request, "keys")


def psam_examination_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return _gate_examination(request, "psam")


def key_correction_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return _gate_correction(request, "keys")


def psam_correction_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return _gate_correction(request, "psam")


def test_application_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    case = task_case(request)
    form = TestApplicationForm(request.POST or None)
    if form.is_valid():
        try:
            readiness.apply_for_test(case, by=request.user, **form.cleaned_data)
        except ActionRefused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, str(refusal))
        else:
            return complete_task(request)
    return render_task(request, form, failed_items=case.failed_items())


def general_test_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    case = task_case(request)
    failed = {item.item for item in case.test_items.filter(passed=False)}
    form = TestResultForm(request.POST or None, request.FILES or None, failed_before=failed)
    if form.is_valid():
        try:
            readiness.record_test(
                case, by=request.user, results=form.results(), report=form.cleaned_data["report"]
            )
        except ActionRefused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, str(refusal))
        else:
            return complete_task(request)
    return render_task(request, form)
