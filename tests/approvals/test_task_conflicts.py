"""A step someone else did meanwhile, or a second click on one already done: the official is
told who did what and when (409), and nothing changes. The races themselves, under real row
locks, are in test_concurrency_pg.py."""

import pytest
from django.contrib.auth import get_user_model

from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application, CaseEvent
from issuers.membership import add_member
from issuers.models import Department, Issuer
from tests.helpers import applied, approved, login, open_task, procedure, task_url

PASS = {"outcome": "pass", "reasons": ""}


@pytest.fixture
def second_ministry_official(personas):
    user = get_user_model().objects.create_user("ministry-2")
    add_member(user, Department.objects.ministry())
    return user


def test_a_second_click_on_a_decision_already_made_says_who_made_it_and_when(client_for, personas):
    application = applied(personas, "guangdong")
    ministry = client_for("ministry")
    ministry.post(task_url(application, Flow.ministry_review, "assign"))
    execute = task_url(application, Flow.ministry_review, "execute")
    assert ministry.post(execute, PASS).status_code == 302
    events = application.events.count()

    again = ministry.post(execute, PASS)

    assert again.status_code == 409
    page = again.content.decode()
    assert "This step has already been done" in page
    assert "Ministry review" in page
    assert "completed by ministry" in page
    assert "no transition" not in page
    assert f'href="/cases/{application.pk}/"' in page
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.events.count() == events
    assert Issuer.objects.count() == 1


def test_filing_twice_says_the_case_was_already_filed(client_for, personas):
    application = approved(personas, "guangdong")
    procedure.file(application, personas["ministry"], "ICRC-1")
    task = application.process.task_set.get(flow_task=Flow.registry_filing)
    url = Flow.registry_filing.reverse("execute", args=[application.process.pk, task.pk])

    response = client_for("ministry").post(url, {"reference": "ICRC-2"})

    assert response.status_code == 409
    assert "completed by ministry" in response.content.decode()
    assert Issuer.objects.get().filing_reference == "ICRC-1"
    assert application.events.filter(action=CaseEvent.Action.FILED).count() == 1


def test_taking_a_step_a_colleague_took_says_who_took_it(
    client_for, personas, second_ministry_official
):
    application = applied(personas, "guangdong")
    assign = task_url(application, Flow.ministry_review, "assign")
    assert login(second_ministry_official).post(assign).status_code == 302

    for response in (
        client_for("ministry").post(assign),
        client_for("ministry").post(task_url(application, Flow.ministry_review, "execute"), PASS),
    ):
        assert response.status_code == 409
        page = response.content.decode()
        assert "A colleague has taken this step" in page
        assert "ministry-2 took" in page

    assert open_task(application, Flow.ministry_review).owner == second_ministry_official
    application.refresh_from_db()
    assert application.status == Application.Status.MINISTRY_REVIEW


def test_the_applicant_still_gets_a_plain_refusal_for_a_step_taken_by_its_province(
    client_for, personas
):
    """Outside the deciding department nobody learns who holds a task: four eyes stay a 403."""
    application = applied(personas, "hangzhou")
    client_for("zhejiang").post(task_url(application, Flow.provincial_examination, "assign"))

    response = client_for("hangzhou").post(
        task_url(application, Flow.provincial_examination, "execute"), PASS
    )

    assert response.status_code == 403
    assert "zhejiang" not in response.content.decode()
