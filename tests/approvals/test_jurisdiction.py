"""Who may see and act on which case, checked over HTTP the way each official reaches it."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application, CaseProcess, Material
from issuers.membership import add_member, remove_member
from tests.helpers import (
    APPLICATION_DATA,
    apply,
    create_draft,
    open_task,
    task_url,
    upload,
)

Status = Application.Status
EXAMINATION = Flow.provincial_examination

# A name that appears nowhere on a page unless the case itself is shown.
HANGZHOU_CONTACT = "Hangzhou Contact Qiu"


def task_state(task: Task) -> tuple:
    task.refresh_from_db()
    return task.status, task.owner_id


def task_prefix(application: Application) -> str:
    """The start of every viewflow URL naming the case's process."""
    return f"/issuance/{application.process.pk}/"


@pytest.fixture
def hangzhou_case(client_for) -> Application:
    """A Hangzhou application awaiting Zhejiang's preliminary examination."""
    application = apply(client_for("hangzhou"), contact_person=HANGZHOU_CONTACT)
    assert application.status == Status.PROVINCIAL_EXAMINATION
    return application


# --- Who may apply -----------------------------------------------------------------------


def test_district_bureau_is_refused_the_new_application_page(client_for):
    xihu = client_for("xihu")

    response = xihu.get("/cases/new/")

    assert response.status_code == 403
    assert "may not apply" in response.content.decode()


def test_district_bureau_cannot_post_a_new_application(client_for):
    xihu = client_for("xihu")

    response = xihu.post("/cases/new/", APPLICATION_DATA)

    assert response.status_code == 403
    assert "may not apply" in response.content.decode()
    assert not Application.objects.exists()


def test_district_bureau_case_list_offers_no_new_application_link(client_for):
    page = client_for("xihu").get("/cases/").content.decode()
    assert "/cases/new/" not in page
    assert "New application" not in page

    # The same page does offer it to a bureau that may apply.
    assert "/cases/new/" in client_for("hangzhou").get("/cases/").content.decode()


# --- Four eyes: the applying side never decides its own case ------------------------------


def test_applicant_cannot_take_the_examination_of_its_own_case(client_for, hangzhou_case):
    hangzhou = client_for("hangzhou")
    task = open_task(hangzhou_case, EXAMINATION)
    before = task_state(task)

    response = hangzhou.post(task_url(hangzhou_case, EXAMINATION, "assign"))

    assert response.status_code == 403
    assert task_state(task) == before == (STATUS.NEW, None)


def test_applicant_cannot_execute_the_examination_of_its_own_case(client_for, hangzhou_case):
    hangzhou = client_for("hangzhou")
    task = open_task(hangzhou_case, EXAMINATION)
    url = task_url(hangzhou_case, EXAMINATION, "execute")

    assert hangzhou.get(url).status_code == 403
    response = hangzhou.post(url, {"outcome": "pass", "reasons": ""})

    assert response.status_code == 403
    assert task_state(task) == (STATUS.NEW, None)
    hangzhou_case.refresh_from_db()
    assert hangzhou_case.status == Status.PROVINCIAL_EXAMINATION


def test_a_colleague_of_the_applicant_cannot_take_the_examination_either(
    client_for, personas, hangzhou_case
):
    colleague = get_user_model().objects.create_user("hangzhou-colleague")
    add_member(colleague, personas["hangzhou"].membership.department)
    client = Client()
    client.force_login(colleague)
    task = open_task(hangzhou_case, EXAMINATION)

    assign = client.post(task_url(hangzhou_case, EXAMINATION, "assign"))
    execute = client.post(
        task_url(hangzhou_case, EXAMINATION, "execute"), {"outcome": "pass", "reasons": ""}
    )

    assert assign.status_code == 403
    assert execute.status_code == 403
    assert task_state(task) == (STATUS.NEW, None)
    hangzhou_case.refresh_from_db()
    assert hangzhou_case.status == Status.PROVINCIAL_EXAMINATION


def test_author_moved_to_the_examining_province_cannot_examine_own_case(
    client_for, personas, hangzhou_case
):
    """The author stays on the applying side even after joining the examining department."""
    author = personas["hangzhou"]
    add_member(author, personas["zhejiang"].membership.department)
    client = Client()
    client.force_login(author)
    task = open_task(hangzhou_case, EXAMINATION)

    assert client.post(task_url(hangzhou_case, EXAMINATION, "assign")).status_code == 403
    assert task_state(task) == (STATUS.NEW, None)
    # Another Zhejiang official may take it.
    assert (
        client_for("zhejiang").post(task_url(hangzhou_case, EXAMINATION, "assign")).status_code
        == 302
    )


# --- Another province's case does not exist for a province ---------------------------------


def test_other_province_gets_404_for_the_case_page(client_for, hangzhou_case):
    response = client_for("guangdong").get(f"/cases/{hangzhou_case.pk}/")

    assert response.status_code == 404
    assert HANGZHOU_CONTACT not in response.content.decode()
    assert hangzhou_case.department.name not in response.content.decode()


def test_other_province_gets_404_for_a_material(client_for, hangzhou_case):
    material = hangzhou_case.materials.first()

    response = client_for("guangdong").get(f"/cases/{hangzhou_case.pk}/materials/{material.pk}/")

    assert response.status_code == 404


def test_other_province_cannot_take_the_examination(client_for, hangzhou_case):
    task = open_task(hangzhou_case, EXAMINATION)

    response = client_for("guangdong").post(task_url(hangzhou_case, EXAMINATION, "assign"))

    # The URL names a case outside Guangdong's jurisdiction: it does not exist for it.
    assert response.status_code == 404
    assert task_state(task) == (STATUS.NEW, None)


def test_other_province_cannot_execute_the_examination(client_for, hangzhou_case):
    guangdong = client_for("guangdong")
    task = open_task(hangzhou_case, EXAMINATION)
    url = task_url(hangzhou_case, EXAMINATION, "execute")

    assert guangdong.get(url).status_code == 404
    assert guangdong.post(url, {"outcome": "pass", "reasons": ""}).status_code == 404
    assert task_state(task) == (STATUS.NEW, None)
    hangzhou_case.refresh_from_db()
    assert hangzhou_case.status == Status.PROVINCIAL_EXAMINATION


def test_other_province_gets_404_for_the_task_detail_page(client_for, hangzhou_case):
    task = open_task(hangzhou_case, EXAMINATION)
    url = EXAMINATION.reverse("detail", args=[hangzhou_case.process.pk, task.pk])

    response = client_for("guangdong").get(url)

    assert response.status_code == 404
    assert HANGZHOU_CONTACT not in response.content.decode()
    # The examining province itself can open it: the URL is right.
    assert client_for("zhejiang").get(url).status_code == 200


def test_other_province_gets_404_for_the_process_page(client_for, hangzhou_case):
    url = task_prefix(hangzhou_case)

    assert client_for("guangdong").get(url).status_code == 404
    assert client_for("zhejiang").get(url).status_code == 302


@pytest.mark.parametrize("url", ["/cases/", "/issuance/tasks/", "/issuance/queue/"])
def test_other_province_lists_do_not_show_the_case(client_for, hangzhou_case, url):
    response = client_for("guangdong").get(url)
    page = response.content.decode()

    assert response.status_code == 200
    assert hangzhou_case.reference not in page
    assert task_prefix(hangzhou_case) not in page

    # The examining province does find it there.
    own = client_for("zhejiang").get(url).content.decode()
    assert hangzhou_case.reference in own or task_prefix(hangzhou_case) in own


# --- Between bureaus, and what provinces and the Ministry see -----------------------------


def test_another_bureau_gets_404_for_the_case_and_its_materials(client_for, hangzhou_case):
    ningbo = client_for("ningbo")
    material = hangzhou_case.materials.first()

    assert ningbo.get(f"/cases/{hangzhou_case.pk}/").status_code == 404
    assert ningbo.get(f"/cases/{hangzhou_case.pk}/materials/{material.pk}/").status_code == 404
    assert ningbo.get(f"/cases/{hangzhou_case.pk}/edit/").status_code == 404


def test_a_bureau_does_not_list_another_bureaus_case(client_for):
    ningbo_case = apply(client_for("ningbo"))

    page = client_for("hangzhou").get("/cases/").content.decode()

    assert ningbo_case.reference not in page


def test_province_sees_its_municipalitys_submitted_case(client_for, hangzhou_case):
    zhejiang = client_for("zhejiang")
    material = hangzhou_case.materials.first()

    assert hangzhou_case.reference in zhejiang.get("/cases/").content.decode()
    page = zhejiang.get(f"/cases/{hangzhou_case.pk}/")
    assert page.status_code == 200
    assert HANGZHOU_CONTACT in page.content.decode()
    download = zhejiang.get(f"/cases/{hangzhou_case.pk}/materials/{material.pk}/")
    assert download.status_code == 200


def test_province_does_not_see_a_municipal_draft(client_for):
    draft = create_draft(client_for("ningbo"))
    upload(client_for("ningbo"), draft, Material.Kind.APPLICATION_FORM)
    material = draft.materials.get()
    zhejiang = client_for("zhejiang")

    assert zhejiang.get(f"/cases/{draft.pk}/").status_code == 404
    assert zhejiang.get(f"/cases/{draft.pk}/materials/{material.pk}/").status_code == 404
    assert draft.reference not in zhejiang.get("/cases/").content.decode()


def test_ministry_sees_every_submitted_case(client_for, hangzhou_case):
    provincial_case = apply(client_for("guangdong"))
    ministry = client_for("ministry")

    page = ministry.get("/cases/").content.decode()

    for application in (hangzhou_case, provincial_case):
        assert application.reference in page
        assert ministry.get(f"/cases/{application.pk}/").status_code == 200


def test_ministry_does_not_see_drafts(client_for):
    draft = create_draft(client_for("beijing"))
    ministry = client_for("ministry")

    assert ministry.get(f"/cases/{draft.pk}/").status_code == 404
    assert draft.reference not in ministry.get("/cases/").content.decode()


# --- URLs that mix up cases ----------------------------------------------------------------


@pytest.mark.parametrize("action", ["assign", "execute", "detail"])
def test_task_of_one_case_under_another_cases_process_is_404(client_for, hangzhou_case, action):
    ningbo_case = apply(client_for("ningbo"))
    zhejiang = client_for("zhejiang")
    ningbo_task = open_task(ningbo_case, EXAMINATION)
    url = EXAMINATION.reverse(action, args=[hangzhou_case.process.pk, ningbo_task.pk])

    assert zhejiang.get(url).status_code == 404
    assert zhejiang.post(url, {"outcome": "pass", "reasons": ""}).status_code == 404
    assert task_state(ningbo_task) == (STATUS.NEW, None)
    assert task_state(open_task(hangzhou_case, EXAMINATION)) == (STATUS.NEW, None)


# --- Anonymous users -----------------------------------------------------------------------


@pytest.mark.parametrize("page", ["list", "case", "material"])
def test_anonymous_user_is_sent_to_the_login_page(client, hangzhou_case, page):
    material = hangzhou_case.materials.first()
    url = {
        "list": "/cases/",
        "case": f"/cases/{hangzhou_case.pk}/",
        "material": f"/cases/{hangzhou_case.pk}/materials/{material.pk}/",
    }[page]

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert HANGZHOU_CONTACT not in response.content.decode()


def test_anonymous_user_is_sent_to_login_from_task_pages(client, hangzhou_case):
    response = client.get(task_url(hangzhou_case, EXAMINATION, "execute"))

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert HANGZHOU_CONTACT not in response.content.decode()


def test_anonymous_user_cannot_tell_a_real_task_url_from_a_made_up_one(client, hangzhou_case):
    real = task_url(hangzhou_case, EXAMINATION, "execute")
    made_up = EXAMINATION.reverse("execute", args=[hangzhou_case.process.pk, 9999])

    real_status, made_up_status = client.get(real).status_code, client.get(made_up).status_code

    assert real_status != 200
    assert real_status == made_up_status


# --- A revoked membership ends access at once ----------------------------------------------


def test_revoked_official_can_no_longer_execute_a_task_already_taken(
    client_for, personas, hangzhou_case
):
    zhejiang = client_for("zhejiang")
    assert zhejiang.post(task_url(hangzhou_case, EXAMINATION, "assign")).status_code == 302
    task = open_task(hangzhou_case, EXAMINATION)
    assert task_state(task) == (STATUS.ASSIGNED, personas["zhejiang"].pk)
    execute = task_url(hangzhou_case, EXAMINATION, "execute")
    assert zhejiang.get(execute).status_code == 200

    remove_member(personas["zhejiang"])

    response = zhejiang.post(execute, {"outcome": "pass", "reasons": ""})
    # Refused; the case is now outside the user's jurisdiction, hence 404 rather than 403.
    assert response.status_code == 404
    assert task_state(task) == (STATUS.ASSIGNED, personas["zhejiang"].pk)
    hangzhou_case.refresh_from_db()
    assert hangzhou_case.status == Status.PROVINCIAL_EXAMINATION
    assert zhejiang.get(f"/cases/{hangzhou_case.pk}/").status_code == 404


# --- Only the editable fields are taken from a form ----------------------------------------


def test_new_application_ignores_posted_status_department_and_author(client_for, personas):
    guangdong_department = personas["guangdong"].membership.department

    response = client_for("hangzhou").post(
        "/cases/new/",
        {
            **APPLICATION_DATA,
            "status": Status.APPROVED,
            "department": guangdong_department.pk,
            "created_by": personas["ministry"].pk,
            "submitted_at": "2026-01-01 00:00",
        },
    )

    assert response.status_code == 302
    application = Application.objects.get()
    assert application.status == Status.DRAFT
    assert application.department == personas["hangzhou"].membership.department
    assert application.created_by == personas["hangzhou"]
    assert application.submitted_at is None
    assert application.contact_person == APPLICATION_DATA["contact_person"]


def test_edit_ignores_posted_status_department_and_author(client_for, personas):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)

    response = hangzhou.post(
        f"/cases/{draft.pk}/edit/",
        {
            **APPLICATION_DATA,
            "planned_quantity": "77",
            "status": Status.APPROVED,
            "department": personas["guangdong"].membership.department.pk,
            "created_by": personas["ministry"].pk,
            "submitted_at": "2026-01-01 00:00",
        },
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.planned_quantity == 77
    assert draft.status == Status.DRAFT
    assert draft.department == personas["hangzhou"].membership.department
    assert draft.created_by == personas["hangzhou"]
    assert draft.submitted_at is None


# --- State-changing URLs refuse GET --------------------------------------------------------


def test_get_on_submit_is_refused_and_submits_nothing(client_for):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    for kind in Material.Kind.values:
        upload(hangzhou, draft, kind)

    response = hangzhou.get(f"/cases/{draft.pk}/submit/")

    assert response.status_code == 405
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.submitted_at is None
    assert not CaseProcess.objects.filter(case=draft).exists()


def test_get_on_materials_is_refused_and_stores_nothing(client_for):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    events = draft.events.count()

    response = hangzhou.get(f"/cases/{draft.pk}/materials/", {"kind": "form"})

    assert response.status_code == 405
    assert not draft.materials.exists()
    assert draft.events.count() == events
