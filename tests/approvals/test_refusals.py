"""Who may not do what: eligibility, four eyes, jurisdiction, revocation, mass assignment."""

import pytest
from django.contrib.auth import get_user_model
from viewflow.workflow.status import STATUS

from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application
from issuers.membership import add_member, remove_member
from tests.helpers import APPLICATION_DATA, apply, create_draft, task_url

EXAMINATION = Flow.provincial_examination


@pytest.fixture
def hangzhou_case(client_for):
    """A Hangzhou application awaiting Zhejiang's examination."""
    return apply(client_for("hangzhou"))


def test_a_district_bureau_cannot_apply(client_for):
    xihu = client_for("xihu")
    for response in (xihu.get("/cases/new/"), xihu.post("/cases/new/", APPLICATION_DATA)):
        assert response.status_code == 403
        assert "may not apply" in response.content.decode()
    assert not Application.objects.exists()
    assert "/cases/new/" not in xihu.get("/cases/").content.decode()


def test_the_ministry_cannot_apply(client_for):
    assert client_for("ministry").post("/cases/new/", APPLICATION_DATA).status_code == 403


def test_the_applicant_cannot_take_or_execute_its_own_review_task(client_for, hangzhou_case):
    hangzhou = client_for("hangzhou")
    assert hangzhou.post(task_url(hangzhou_case, EXAMINATION, "assign")).status_code == 403
    assert hangzhou.post(task_url(hangzhou_case, EXAMINATION, "execute")).status_code == 403
    task = hangzhou_case.process.task_set.get(flow_task=EXAMINATION)
    assert task.status == STATUS.NEW and task.owner is None


def test_a_colleague_of_the_submitter_cannot_review_either(client_for, personas, hangzhou_case):
    colleague = get_user_model().objects.create_user("hangzhou2")
    add_member(colleague, personas["hangzhou"].membership.department)
    client = client_for("hangzhou")
    client.force_login(colleague)
    assert client.post(task_url(hangzhou_case, EXAMINATION, "assign")).status_code == 403


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


def test_a_bureau_cannot_open_another_bureaus_case_or_materials(client_for, hangzhou_case):
    ningbo = client_for("ningbo")
    material = hangzhou_case.materials.first()
    assert ningbo.get(f"/cases/{hangzhou_case.pk}/").status_code == 404
    assert ningbo.get(f"/cases/{hangzhou_case.pk}/materials/{material.pk}/").status_code == 404
    assert hangzhou_case.reference not in ningbo.get("/cases/").content.decode()


def test_a_province_sees_submitted_municipal_cases_but_not_drafts(client_for, hangzhou_case):
    draft = create_draft(client_for("ningbo"))
    zhejiang = client_for("zhejiang")
    assert zhejiang.get(f"/cases/{hangzhou_case.pk}/").status_code == 200
    assert zhejiang.get(f"/cases/{draft.pk}/").status_code == 404
    ministry = client_for("ministry")
    assert ministry.get(f"/cases/{hangzhou_case.pk}/").status_code == 200
    assert ministry.get(f"/cases/{draft.pk}/").status_code == 404


def test_a_task_under_another_cases_process_id_is_not_found(client_for, hangzhou_case):
    other = apply(client_for("ningbo"))
    task = hangzhou_case.process.task_set.get(flow_task=EXAMINATION)
    url = EXAMINATION.reverse("assign", args=[other.process.pk, task.pk])
    assert client_for("zhejiang").post(url).status_code == 404
    task.refresh_from_db()
    assert task.owner is None


def test_anonymous_users_are_sent_to_the_login_page(client, hangzhou_case):
    for url in ("/cases/", f"/cases/{hangzhou_case.pk}/", "/register/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_removing_a_membership_ends_access_at_the_next_request(client_for, personas, hangzhou_case):
    zhejiang = client_for("zhejiang")
    assert zhejiang.post(task_url(hangzhou_case, EXAMINATION, "assign")).status_code == 302
    remove_member(personas["zhejiang"])
    response = zhejiang.post(
        task_url(hangzhou_case, EXAMINATION, "execute"), {"outcome": "pass", "reasons": ""}
    )
    assert response.status_code == 404  # the case is no longer in their jurisdiction
    assert zhejiang.get(f"/cases/{hangzhou_case.pk}/").status_code == 404
    hangzhou_case.refresh_from_db()
    assert hangzhou_case.status == Application.Status.PROVINCIAL_EXAMINATION


def test_extra_posted_fields_change_nothing(client_for, personas):
    hangzhou = client_for("hangzhou")
    extra = {"status": "approved", "department": "1", "created_by": personas["ministry"].pk}
    draft = create_draft(hangzhou, **extra)
    assert draft.status == Application.Status.DRAFT
    assert draft.department == personas["hangzhou"].membership.department
    assert draft.created_by == personas["hangzhou"]
    hangzhou.post(
        f"/cases/{draft.pk}/edit/", {**APPLICATION_DATA, **extra, "planned_quantity": "7"}
    )
    draft.refresh_from_db()
    assert draft.planned_quantity == 7
    assert draft.status == Application.Status.DRAFT
    assert draft.created_by == personas["hangzhou"]


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
