"""Who may see and do what, over HTTP the way each official reaches it: who may apply and
when, four eyes, jurisdiction, revocation, mass assignment and state-changing GETs. Each
refusal is checked together with "and nothing changed"; the cases are built through the
actions (tests.helpers), the refusals are the subject and go over HTTP.
"""

import pytest
from django.contrib.auth import get_user_model
from guardian.shortcuts import assign_perm
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application, CaseEvent, CaseProcess, Material
from issuers.membership import add_member, remove_member
from issuers.models import Department
from tests.helpers import (
    APPLICATION_DATA,
    applied,
    approved,
    create_draft,
    login,
    open_task,
    procedure,
    shown_details,
    submit,
    task_url,
    upload,
    upload_all,
)

Status = Application.Status
EXAMINATION = Flow.provincial_examination
REVIEW = Flow.ministry_review
PASS = {"outcome": "pass", "reasons": ""}

# A name that appears nowhere on a page unless the case itself is shown.
HANGZHOU_CONTACT = "Hangzhou Contact Qiu"


@pytest.fixture
def hangzhou_case(personas):
    """A Hangzhou application awaiting Zhejiang's examination."""
    application = applied(personas, "hangzhou", contact_person=HANGZHOU_CONTACT)
    assert application.status == Status.PROVINCIAL_EXAMINATION
    return application


def snapshot(application: Application) -> tuple:
    """What a refused request must leave as it was: the case, its tasks and its timeline."""
    application.refresh_from_db()
    tasks = Task.objects.filter(process__caseprocess__case=application)
    return (
        application.status,
        application.submitted_at,
        sorted(tasks.values_list("pk", "status", "owner_id")),
        application.events.count(),
    )


def colleague_of(persona, name: str):
    """Another official of persona's department."""
    user = get_user_model().objects.create_user(name)
    add_member(user, persona.membership.department)
    return user


# --- Who may apply -----------------------------------------------------------------------


def test_a_district_bureau_cannot_apply(client_for):
    xihu = client_for("xihu")

    for response in (xihu.get("/cases/new/"), xihu.post("/cases/new/", APPLICATION_DATA)):
        assert response.status_code == 403
        body = response.content.decode()
        assert "may not apply" in body
        assert "Only provincial HRSS departments and municipal" in body

    assert not Application.objects.exists()
    assert not CaseEvent.objects.exists()
    case_list = xihu.get("/cases/")
    assert case_list.status_code == 200
    assert "New application" not in case_list.content.decode()
    assert "/cases/new/" not in case_list.content.decode()
    # The empty list says why there is nothing to do here.
    assert "may not apply" in case_list.content.decode()
    assert "Only provincial HRSS departments and municipal" in case_list.content.decode()
    # The button is there for a bureau that may apply.
    assert "New application" in client_for("hangzhou").get("/cases/").content.decode()


def test_the_ministry_cannot_apply(client_for):
    assert client_for("ministry").post("/cases/new/", APPLICATION_DATA).status_code == 403


def test_a_department_cannot_start_a_second_application_while_one_is_open(client_for):
    hangzhou = client_for("hangzhou")
    first = create_draft(hangzhou)
    response = hangzhou.post("/cases/new/", APPLICATION_DATA)
    assert response.status_code == 403
    assert first.reference in response.content.decode()
    assert Application.objects.count() == 1
    assert "/cases/new/" not in hangzhou.get("/cases/").content.decode()


def test_after_a_rejection_the_department_may_apply_again(client_for, personas):
    rejected = applied(personas, "guangdong")
    procedure.decide(rejected, REVIEW, personas["ministry"], "reject", "No.")
    assert create_draft(client_for("guangdong")).status == Application.Status.DRAFT


def test_an_approved_issuer_is_pointed_to_change_requests(client_for, personas):
    approved(personas, "guangdong")
    response = client_for("guangdong").post("/cases/new/", APPLICATION_DATA)
    assert response.status_code == 403
    assert "request a change" in response.content.decode()


# --- Four eyes: the applying side never decides its own case ------------------------------


def test_the_applicant_cannot_take_or_execute_the_review_of_its_own_case(client_for, hangzhou_case):
    hangzhou = client_for("hangzhou")
    before = snapshot(hangzhou_case)

    assert hangzhou.post(task_url(hangzhou_case, EXAMINATION, "assign")).status_code == 403
    execute = task_url(hangzhou_case, EXAMINATION, "execute")
    assert hangzhou.get(execute).status_code == 403
    assert hangzhou.post(execute, PASS).status_code == 403

    assert snapshot(hangzhou_case) == before
    task = open_task(hangzhou_case, EXAMINATION)
    assert (task.status, task.owner_id) == (STATUS.NEW, None)
    # The case page offers the applicant no button for it either.
    page = hangzhou.get(f"/cases/{hangzhou_case.pk}/").content.decode()
    assert task_url(hangzhou_case, EXAMINATION, "assign") not in page


@pytest.mark.parametrize(
    "applicant, node, permission, deciding",
    [
        ("hangzhou", EXAMINATION, "issuers.examine_application", "zhejiang"),
        ("guangdong", REVIEW, "issuers.review_application", "ministry"),
    ],
    ids=["provincial-examination", "ministry-review"],
)
def test_a_member_of_the_applying_department_never_takes_its_review_task(
    client_for, personas, applicant, node, permission, deciding
):
    """Even holding the deciding department's permission (a misgrant, a secondment), an official
    of the applying department may neither take nor execute a review of its own case."""
    application = applied(personas, applicant)
    deciding_department = personas[deciding].membership.department
    members = [personas[applicant], colleague_of(personas[applicant], f"{applicant}-colleague")]
    before = snapshot(application)

    for member in members:
        assign_perm(permission, member, deciding_department)
        member = get_user_model().objects.get(pk=member.pk)  # no cached permissions
        assert member.has_perm(permission, deciding_department)
        client = login(member)

        assert client.post(task_url(application, node, "assign")).status_code == 403, member
        assert client.post(task_url(application, node, "execute"), PASS).status_code == 403

    assert snapshot(application) == before
    # The deciding department itself may take it: the refusal is the four-eyes rule.
    assert client_for(deciding).post(task_url(application, node, "assign")).status_code == 302


def test_the_author_moved_to_the_ministry_cannot_review_its_own_case(personas):
    application = applied(personas, "guangdong")
    author = personas["guangdong"]
    add_member(author, Department.objects.ministry())
    before = snapshot(application)

    client = login(author)
    assert client.get(f"/cases/{application.pk}/").status_code == 200  # as the Ministry now
    assert client.post(task_url(application, REVIEW, "assign")).status_code == 403
    assert client.post(task_url(application, REVIEW, "execute"), PASS).status_code == 403

    assert snapshot(application) == before


def test_the_author_moved_to_the_examining_province_cannot_examine_its_own_case(
    client_for, personas, hangzhou_case
):
    """The author stays on the applying side even after joining the examining department."""
    author = personas["hangzhou"]
    add_member(author, personas["zhejiang"].membership.department)
    before = snapshot(hangzhou_case)

    assert login(author).post(task_url(hangzhou_case, EXAMINATION, "assign")).status_code == 403

    assert snapshot(hangzhou_case) == before
    # Another Zhejiang official may take it.
    zhejiang = client_for("zhejiang")
    assert zhejiang.post(task_url(hangzhou_case, EXAMINATION, "assign")).status_code == 302


def test_the_official_who_submitted_the_case_cannot_examine_it_after_moving(client_for, personas):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)  # authored by the "hangzhou" persona
    submitter = colleague_of(personas["hangzhou"], "hangzhou-submitter")
    colleague = login(submitter)
    upload_all(colleague, draft)
    assert submit(colleague, draft).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.PROVINCIAL_EXAMINATION
    assert draft.events.get(action=CaseEvent.Action.SUBMITTED).actor == submitter

    add_member(submitter, personas["zhejiang"].membership.department)
    before = snapshot(draft)

    assert colleague.post(task_url(draft, EXAMINATION, "assign")).status_code == 403
    assert snapshot(draft) == before


# --- Another province's case does not exist for a province ---------------------------------


def test_another_province_cannot_see_assign_or_execute_the_case(client_for, hangzhou_case):
    guangdong = client_for("guangdong")
    process = hangzhou_case.process
    task = open_task(hangzhou_case, EXAMINATION)
    material = hangzhou_case.materials.first()
    before = snapshot(hangzhou_case)

    page = guangdong.get(f"/cases/{hangzhou_case.pk}/")
    assert page.status_code == 404
    assert hangzhou_case.department.name not in page.content.decode()
    assert HANGZHOU_CONTACT not in page.content.decode()
    assert guangdong.get(f"/cases/{hangzhou_case.pk}/materials/{material.pk}/").status_code == 404
    # Every viewflow URL naming the case is a 404 (FlowUrlGuardMiddleware), never a 403 that
    # would confirm the case exists.
    assign = task_url(hangzhou_case, EXAMINATION, "assign")
    assert guangdong.get(assign).status_code == 404
    assert guangdong.post(assign).status_code == 404
    execute = task_url(hangzhou_case, EXAMINATION, "execute")
    assert guangdong.get(execute).status_code == 404
    assert guangdong.post(execute, PASS).status_code == 404
    detail = EXAMINATION.reverse("detail", args=[process.pk, task.pk])
    assert guangdong.get(detail).status_code == 404
    assert HANGZHOU_CONTACT not in guangdong.get(detail).content.decode()
    assert guangdong.get(f"/issuance/{process.pk}/").status_code == 404
    assert guangdong.get(f"/issuance/{process.pk}/chart/").status_code == 404

    assert snapshot(hangzhou_case) == before
    # The same URLs are live for the examining province.
    zhejiang = client_for("zhejiang")
    assert zhejiang.get(detail).status_code == 200
    assert zhejiang.get(f"/issuance/{process.pk}/").status_code == 302


@pytest.mark.parametrize("listing", ["/cases/", "/issuance/tasks/", "/issuance/queue/"])
def test_another_provinces_case_is_not_listed(client_for, hangzhou_case, listing):
    marks = (hangzhou_case.reference, f"/issuance/{hangzhou_case.process.pk}/")

    response = client_for("guangdong").get(listing)

    assert response.status_code == 200
    assert not any(mark in response.content.decode() for mark in marks)
    if listing == "/issuance/tasks/":
        # Zhejiang's own task list shows tasks taken, so take it first for the control.
        client_for("zhejiang").post(task_url(hangzhou_case, EXAMINATION, "assign"))
    own = client_for("zhejiang").get(listing).content.decode()
    assert any(mark in own for mark in marks)


# --- Between bureaus, and what provinces and the Ministry see -----------------------------


def test_a_bureau_cannot_open_another_bureaus_case_or_materials(client_for, hangzhou_case):
    ningbo = client_for("ningbo")
    material = hangzhou_case.materials.first()
    before = snapshot(hangzhou_case)

    assert ningbo.get(f"/cases/{hangzhou_case.pk}/").status_code == 404
    assert ningbo.get(f"/cases/{hangzhou_case.pk}/materials/{material.pk}/").status_code == 404
    assert ningbo.get(f"/cases/{hangzhou_case.pk}/edit/").status_code == 404
    assert ningbo.post(f"/cases/{hangzhou_case.pk}/submit/").status_code == 404
    assert upload(ningbo, hangzhou_case, Material.Kind.OTHER).status_code == 404

    assert snapshot(hangzhou_case) == before
    assert hangzhou_case.materials.count() == len(Material.Kind.values)


def test_a_bureau_does_not_list_another_bureaus_case(client_for, personas):
    ningbo_case = applied(personas, "ningbo")

    assert ningbo_case.reference not in client_for("hangzhou").get("/cases/").content.decode()
    assert ningbo_case.reference in client_for("ningbo").get("/cases/").content.decode()


def test_a_province_sees_its_municipalitys_submitted_case_but_not_a_draft(
    client_for, hangzhou_case
):
    ningbo = client_for("ningbo")
    draft = create_draft(ningbo)
    upload(ningbo, draft, Material.Kind.APPLICATION_FORM)
    zhejiang = client_for("zhejiang")

    listing = zhejiang.get("/cases/").content.decode()
    assert hangzhou_case.reference in listing
    page = zhejiang.get(f"/cases/{hangzhou_case.pk}/")
    assert page.status_code == 200
    assert HANGZHOU_CONTACT in page.content.decode()
    material = hangzhou_case.materials.first()
    assert zhejiang.get(f"/cases/{hangzhou_case.pk}/materials/{material.pk}/").status_code == 200

    assert draft.reference not in listing
    assert zhejiang.get(f"/cases/{draft.pk}/").status_code == 404
    draft_material = draft.materials.get()
    assert zhejiang.get(f"/cases/{draft.pk}/materials/{draft_material.pk}/").status_code == 404


def test_the_ministry_sees_every_submitted_case_but_no_draft(client_for, personas, hangzhou_case):
    submitted = [hangzhou_case, applied(personas, "guangdong"), applied(personas, "beijing")]
    drafts = [create_draft(client_for(name)) for name in ("ningbo", "shenzhen", "zhejiang")]
    ministry = client_for("ministry")

    listing = ministry.get("/cases/").content.decode()

    for application in submitted:
        assert application.reference in listing
        assert ministry.get(f"/cases/{application.pk}/").status_code == 200
    for draft in drafts:
        assert draft.reference not in listing
        assert ministry.get(f"/cases/{draft.pk}/").status_code == 404


# --- URLs that mix up cases ----------------------------------------------------------------


@pytest.mark.parametrize("action", ["assign", "execute", "detail"])
def test_a_task_id_under_another_cases_process_id_is_404(
    client_for, personas, hangzhou_case, action
):
    ningbo_case = applied(personas, "ningbo")
    ningbo_task = open_task(ningbo_case, EXAMINATION)
    # Zhejiang may act on both cases: the 404 comes from the mismatch alone.
    zhejiang = client_for("zhejiang")
    mixed = EXAMINATION.reverse(action, args=[hangzhou_case.process.pk, ningbo_task.pk])
    right = EXAMINATION.reverse("detail", args=[ningbo_case.process.pk, ningbo_task.pk])
    before = snapshot(hangzhou_case), snapshot(ningbo_case)

    assert zhejiang.get(mixed).status_code == 404
    assert zhejiang.post(mixed, PASS).status_code == 404

    assert (snapshot(hangzhou_case), snapshot(ningbo_case)) == before
    assert zhejiang.get(right).status_code == 200


# --- Anonymous users -----------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client, hangzhou_case):
    material = hangzhou_case.materials.first()
    before = snapshot(hangzhou_case)
    urls = [
        "/cases/",
        "/cases/new/",
        f"/cases/{hangzhou_case.pk}/",
        f"/cases/{hangzhou_case.pk}/edit/",
        f"/cases/{hangzhou_case.pk}/materials/{material.pk}/",
        f"/issuance/{hangzhou_case.process.pk}/",
        task_url(hangzhou_case, EXAMINATION, "execute"),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
        assert HANGZHOU_CONTACT not in response.content.decode()
    for url in (f"/cases/{hangzhou_case.pk}/submit/", f"/cases/{hangzhou_case.pk}/materials/"):
        response = client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url

    assert snapshot(hangzhou_case) == before


def test_anonymous_user_cannot_tell_a_real_task_url_from_a_made_up_one(client, hangzhou_case):
    real = task_url(hangzhou_case, EXAMINATION, "execute")
    made_up = EXAMINATION.reverse("execute", args=[hangzhou_case.process.pk, 9999])

    real_status, made_up_status = client.get(real).status_code, client.get(made_up).status_code

    assert real_status != 200
    assert real_status == made_up_status


# --- A revoked membership ends access at once ----------------------------------------------


@pytest.mark.parametrize("revocation", ["removed", "moved-to-the-applying-bureau"])
def test_a_revoked_official_can_no_longer_execute_a_task_already_taken(
    client_for, personas, hangzhou_case, revocation
):
    official = personas["zhejiang"]
    zhejiang = client_for("zhejiang")
    assert zhejiang.post(task_url(hangzhou_case, EXAMINATION, "assign")).status_code == 302
    execute = task_url(hangzhou_case, EXAMINATION, "execute")
    assert zhejiang.get(execute).status_code == 200
    before = snapshot(hangzhou_case)

    if revocation == "removed":
        remove_member(official)
        # With no department the case is outside the official's jurisdiction: 404, not 403
        # (issuers.access.jurisdiction: never confirm that a case exists).
        expected, case_page = 404, 404
    else:
        add_member(official, personas["hangzhou"].membership.department)
        # The case is visible again, as Hangzhou's own, but Hangzhou may not decide it.
        expected, case_page = 403, 200

    assert zhejiang.get(execute).status_code == expected
    assert zhejiang.post(execute, PASS).status_code == expected
    assert zhejiang.get(f"/cases/{hangzhou_case.pk}/").status_code == case_page

    assert snapshot(hangzhou_case) == before
    assert hangzhou_case.status == Status.PROVINCIAL_EXAMINATION
    task = open_task(hangzhou_case, EXAMINATION)
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, official.pk)
    assert not hangzhou_case.events.filter(action=CaseEvent.Action.EXAMINATION_PASSED).exists()


# --- Only the editable fields are taken from a form ----------------------------------------


def extra_fields(personas) -> dict:
    return {
        "status": Status.APPROVED,
        "department": personas["guangdong"].membership.department.pk,
        "created_by": personas["ministry"].pk,
        "submitted_at": "2026-01-01 00:00",
        "created": "2000-01-01 00:00",
    }


def test_extra_fields_posted_to_a_new_application_change_nothing(client_for, personas):
    response = client_for("hangzhou").post(
        "/cases/new/", {**APPLICATION_DATA, **extra_fields(personas)}
    )

    assert response.status_code == 302
    application = Application.objects.get()
    assert application.status == Status.DRAFT
    assert application.department == personas["hangzhou"].membership.department
    assert application.created_by == personas["hangzhou"]
    assert application.submitted_at is None
    assert application.created.year != 2000
    for field in Application.EDITABLE_FIELDS:
        value, posted = getattr(application, field), APPLICATION_DATA[field]
        assert (value if isinstance(posted, list) else str(value)) == posted, field


def test_extra_fields_posted_to_an_edit_change_only_the_allowed_fields(client_for, personas):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    created = draft.created

    response = hangzhou.post(
        f"/cases/{draft.pk}/edit/",
        {**APPLICATION_DATA, **extra_fields(personas), "planned_quantity": "77"},
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.planned_quantity == 77
    assert draft.status == Status.DRAFT
    assert draft.department == personas["hangzhou"].membership.department
    assert draft.created_by == personas["hangzhou"]
    assert draft.submitted_at is None
    assert draft.created == created
    assert shown_details(draft, CaseEvent.Action.EDITED) == ["planned card quantity: 1000000 → 77"]


# --- State-changing URLs refuse GET --------------------------------------------------------


def test_get_on_submit_is_refused_and_submits_nothing(client_for):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    upload_all(hangzhou, draft)
    before = snapshot(draft)

    response = hangzhou.get(f"/cases/{draft.pk}/submit/")

    assert response.status_code == 405
    assert snapshot(draft) == before
    assert draft.status == Status.DRAFT
    assert not CaseProcess.objects.filter(case=draft).exists()


def test_get_on_materials_is_refused_and_stores_nothing(client_for):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    before = snapshot(draft)

    response = hangzhou.get(f"/cases/{draft.pk}/materials/", {"kind": Material.Kind.OTHER})

    assert response.status_code == 405
    assert snapshot(draft) == before
    assert not draft.materials.exists()
