"""Background work after a decision: issued documents and e-mails, each done once.

Without a broker, Celery runs the tasks in-process once the transaction commits; the tests
run those commit hooks with django_capture_on_commit_callbacks(execute=True).
(tests/workers/ runs the same work on a real Celery worker.)
"""

import pytest
from django.core import mail
from pypdf import PdfReader

from approvals import tasks
from approvals.flows import IssuanceFlow as Flow
from approvals.models import CaseDocument, CaseEvent, Notification
from config.celery import app as celery_app
from tests.helpers import apply, decide, file_with_registry

Kind = CaseDocument.Kind
Action = CaseEvent.Action


@pytest.fixture
def approved(client_for, django_capture_on_commit_callbacks):
    """A Hangzhou case approved by the Ministry, its commit hooks run as they would be."""
    with django_capture_on_commit_callbacks(execute=True):
        application = apply(client_for("hangzhou"))
        decide(client_for("zhejiang"), application, Flow.provincial_examination, "pass")
        decide(client_for("ministry"), application, Flow.ministry_review, "pass")
    assert application.status == application.Status.APPROVED
    return application


def test_approval_issues_the_decision_letter(approved):
    # The acceptance notice came first, when the province accepted the case.
    kinds = list(approved.documents.order_by("pk").values_list("kind", flat=True))
    assert kinds == [Kind.ACCEPTANCE_NOTICE, Kind.DECISION_LETTER]
    document = approved.documents.get(kind=Kind.DECISION_LETTER)
    assert document.file.read(5) == b"%PDF-"


def test_filing_issues_the_filing_form_with_the_registry_reference(
    client_for, approved, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        file_with_registry(client_for("ministry"), approved, reference="ICRC-2026-77")

    document = approved.documents.get(kind=Kind.FILING_FORM)
    text = "".join(page.extract_text() for page in PdfReader(document.file.open("rb")).pages)
    assert "ICRC-2026-77" in text


def test_before_filing_the_filing_form_is_a_working_copy_that_is_not_kept(client_for, approved):
    response = client_for("ministry").get(f"/cases/{approved.pk}/filing-form.pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert not approved.documents.filter(kind=Kind.FILING_FORM).exists()


def test_the_download_serves_the_issued_document(client_for, approved):
    issued = approved.documents.get(kind=Kind.DECISION_LETTER)

    response = client_for("hangzhou").get(f"/cases/{approved.pk}/decision.pdf")

    assert response.status_code == 200
    assert response.content == issued.file.open("rb").read()
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_download_before_the_worker_ran_issues_the_document_once(client_for):
    ministry = client_for("ministry")
    application = apply(client_for("beijing"))  # commit hooks not run: no worker yet
    decide(ministry, application, Flow.ministry_review, "pass")
    assert not application.documents.exists()

    first = ministry.get(f"/cases/{application.pk}/decision.pdf")
    second = ministry.get(f"/cases/{application.pk}/decision.pdf")

    assert first.content == second.content
    assert application.documents.filter(kind=Kind.DECISION_LETTER).count() == 1
    # The task, delivered late, finds it issued.
    event = application.events.get(action=Action.ISSUER_ID_ALLOCATED)
    tasks.issue_document(event.pk, Kind.DECISION_LETTER)
    assert application.documents.filter(kind=Kind.DECISION_LETTER).count() == 1


def department_of(personas, name: str) -> list[str]:
    """The addresses of a demo department's members: the official and its supervisor."""
    return sorted([personas[name].email, personas[f"{name}-head"].email])


def test_each_step_tells_the_department_that_acts_next(approved, personas):
    told = [(message.subject, sorted(message.to)) for message in mail.outbox]

    assert told == [
        (f"[SSC approvals] {approved.reference}: Submitted", department_of(personas, "zhejiang")),
        (
            f"[SSC approvals] {approved.reference}: Accepted (acceptance notice).",
            department_of(personas, "hangzhou"),
        ),
        (
            f"[SSC approvals] {approved.reference}: Passed the provincial examination",
            department_of(personas, "ministry"),
        ),
        (
            f"[SSC approvals] {approved.reference}: Approved by the Ministry",
            department_of(personas, "hangzhou"),
        ),
    ]
    assert f"http://127.0.0.1:8000/cases/{approved.pk}/" in mail.outbox[0].body


def test_a_return_tells_the_applicant_with_the_reasons(
    client_for, personas, django_capture_on_commit_callbacks
):
    application = apply(client_for("hangzhou"))
    with django_capture_on_commit_callbacks(execute=True):
        decide(
            client_for("zhejiang"),
            application,
            Flow.provincial_examination,
            "return",
            "Seal missing.",
        )

    (message,) = mail.outbox
    assert sorted(message.to) == department_of(personas, "hangzhou")
    assert "Returned for correction" in message.subject
    assert "Seal missing." in message.body


def test_filing_tells_the_applicant(
    client_for, approved, personas, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        file_with_registry(client_for("ministry"), approved)

    (message,) = mail.outbox
    assert sorted(message.to) == department_of(personas, "hangzhou")
    assert "Filed with the National IC Card Registration Center" in message.subject


def test_a_redelivered_notification_is_not_sent_again(approved):
    event = approved.events.get(action=Action.APPROVED)
    sent = len(mail.outbox)

    tasks.notify(event.pk)
    tasks.notify(event.pk)

    assert len(mail.outbox) == sent
    assert Notification.objects.get(event=event).sent_at is not None


def test_a_redelivered_rendering_keeps_the_first_document(approved):
    event = approved.events.get(action=Action.ISSUER_ID_ALLOCATED)
    first = approved.documents.get(kind=Kind.DECISION_LETTER)

    again = tasks.issue_document(event.pk, Kind.DECISION_LETTER)

    assert again == first.pk
    assert approved.documents.filter(kind=Kind.DECISION_LETTER).count() == 1


def test_without_an_address_no_mail_is_sent_and_the_event_counts_as_done(
    client_for, personas, django_capture_on_commit_callbacks
):
    for name in ("zhejiang", "zhejiang-head"):
        personas[name].email = ""
        personas[name].save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        application = apply(client_for("hangzhou"))

    assert mail.outbox == []
    notification = Notification.objects.get(event__case=application)
    assert notification.recipients == ""
    assert notification.sent_at is not None


def test_without_a_broker_tasks_run_in_process(settings):
    assert settings.CELERY_BROKER_URL == "memory://"
    assert celery_app.conf.task_always_eager is True
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True


def test_the_timer_task_fires_viewflow_timers(db, capsys):
    tasks.fire_workflow_timers.delay()

    assert "timer(s) fired" in capsys.readouterr().out


def test_beat_runs_the_timers_every_minute():
    schedule = celery_app.conf.beat_schedule["viewflow-timers"]
    assert schedule == {"task": "approvals.tasks.fire_workflow_timers", "schedule": 60.0}
