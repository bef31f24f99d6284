"""Refusals beyond tests/approvals/test_jurisdiction.py: who may apply, and when."""

import pytest

from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application
from tests.helpers import APPLICATION_DATA, apply, create_draft, task_url

EXAMINATION = Flow.provincial_examination


@pytest.fixture
def hangzhou_case(client_for):
    """A Hangzhou application awaiting Zhejiang's examination."""
    return apply(client_for("hangzhou"))


def test_the_ministry_cannot_apply(client_for):
    assert client_for("ministry").post("/cases/new/", APPLICATION_DATA).status_code == 403


def test_another_province_cannot_see_or_act_on_the_case(client_for, hangzhou_case):
    guangdong = client_for("guangdong")
    material = hangzhou_case.materials.first()
    page = guangdong.get(f"/cases/{hangzhou_case.pk}/")
    assert page.status_code == 404
    assert hangzhou_case.department.name not in page.content.decode()
    assert guangdong.get(f"/cases/{hangzhou_case.pk}/materials/{material.pk}/").status_code == 404
    assert guangdong.get(f"/issuance/{hangzhou_case.process.pk}/").status_code == 404
    assert guangdong.get(f"/issuance/{hangzhou_case.process.pk}/chart/").status_code == 404
    for action in ("assign", "execute", "detail"):
        response = guangdong.post(task_url(hangzhou_case, EXAMINATION, action))
        assert response.status_code in (403, 404), action
    task = hangzhou_case.process.task_set.get(flow_task=EXAMINATION)
    assert task.owner is None
    for listing in ("/cases/", "/issuance/tasks/", "/issuance/queue/"):
        assert hangzhou_case.reference not in guangdong.get(listing).content.decode(), listing


def test_a_department_cannot_start_a_second_application_while_one_is_open(client_for):
    hangzhou = client_for("hangzhou")
    first = create_draft(hangzhou)
    response = hangzhou.post("/cases/new/", APPLICATION_DATA)
    assert response.status_code == 403
    assert first.reference in response.content.decode()
    assert Application.objects.count() == 1
    assert "/cases/new/" not in hangzhou.get("/cases/").content.decode()


def test_after_a_rejection_the_department_may_apply_again(client_for):
    guangdong = client_for("guangdong")
    rejected = apply(guangdong)
    decide_url = task_url(rejected, Flow.ministry_review, "assign")
    ministry = client_for("ministry")
    ministry.post(decide_url)
    ministry.post(
        task_url(rejected, Flow.ministry_review, "execute"), {"outcome": "reject", "reasons": "No."}
    )
    assert create_draft(guangdong).status == Application.Status.DRAFT


def test_an_approved_issuer_is_pointed_to_change_requests(client_for):
    guangdong = client_for("guangdong")
    application = apply(guangdong)
    ministry = client_for("ministry")
    ministry.post(task_url(application, Flow.ministry_review, "assign"))
    ministry.post(task_url(application, Flow.ministry_review, "execute"), {"outcome": "pass"})
    response = guangdong.post("/cases/new/", APPLICATION_DATA)
    assert response.status_code == 403
    assert "request a change" in response.content.decode()
