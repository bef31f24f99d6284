"""Work that never stalls: a supervisor releases a taken task to the queue, reassigns it to a
named colleague or distributes the queue, always within the department and under the
four-eyes rule; an absent official's substitute receives what is addressed to them and takes
over their tasks; the department's members and roles are managed by its supervisor, on a
trail. Preconditions through the actions; the pages over HTTP where they are the subject."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from viewflow.workflow.status import STATUS

from approvals import assignments, procedure
from approvals.flows import IssuanceFlow
from approvals.models import Action, Notice
from approvals.recording import ActionRefused
from issuers import membership
from issuers.models import MembershipEvent
from tests.helpers import APPLICATION_DATA, applied, login, page

EXAMINATION = IssuanceFlow.provincial_examination


@pytest.fixture
def colleague(personas):
    """A second official of Zhejiang (besides `zhejiang` and its supervisor)."""
    user = get_user_model().objects.create(username="zhejiang-2", email="z2@ssc-demo.example")
    membership.add_member(user, membership.department_of(personas["zhejiang"]))
    return user


def examination(personas, taken_by: str | None = "zhejiang"):
    """Hangzhou's application in Zhejiang's examination; its task, taken by `taken_by`."""
    application = applied(personas, "hangzhou")
    task = procedure.open_task(application, EXAMINATION)
    if taken_by:
        with task.activation() as activation:
            activation.assign(personas[taken_by])
    task.refresh_from_db()
    return application, task


def notices_of(user, kind: str) -> list[Notice]:
    return list(Notice.objects.filter(user=user, kind=kind))


def test_a_supervisor_releases_a_colleagues_task_to_the_queue_and_the_holder_is_told(personas):
    application, task = examination(personas)
    assignments.release(task, by=personas["zhejiang-head"], reason="病假 on sick leave")
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.NEW, None)
    event = application.events.get(action=Action.RELEASED)
    assert (event.actor, event.reason) == (personas["zhejiang-head"], "病假 on sick leave")
    assert notices_of(personas["zhejiang"], "reassignment")


def test_releasing_a_colleagues_task_needs_a_reason(personas):
    _application, task = examination(personas)
    with pytest.raises(ActionRefused, match="reason"):
        assignments.release(task, by=personas["zhejiang-head"], reason=" ")


def test_a_holder_releases_its_own_task_without_a_reason(personas):
    _application, task = examination(personas)
    assignments.release(task, by=personas["zhejiang"], reason="")
    task.refresh_from_db()
    assert task.owner is None


def test_a_supervisor_reassigns_a_taken_task_to_a_colleague_and_both_are_told(personas, colleague):
    application, task = examination(personas)
    assignments.reassign(task, colleague, by=personas["zhejiang-head"], reason="均衡工作量")
    task.refresh_from_db()
    assert task.owner == colleague and task.status == STATUS.ASSIGNED
    event = application.events.get(action=Action.REASSIGNED)
    assert (event.reason, event.actor) == ("均衡工作量", personas["zhejiang-head"])
    assert notices_of(colleague, "assignment")
    assert notices_of(personas["zhejiang"], "reassignment")


def test_a_queued_task_is_assigned_by_reassignment(personas, colleague):
    _application, task = examination(personas, taken_by=None)
    assignments.reassign(task, colleague, by=personas["zhejiang-head"], reason="请办理")
    task.refresh_from_db()
    assert task.owner == colleague


@pytest.mark.parametrize("who", ["zhejiang", "zhejiang-2", "ministry-head", "hangzhou-head"])
def test_only_a_supervisor_of_the_tasks_department_reassigns(personas, colleague, who):
    _application, task = examination(personas)
    by = colleague if who == "zhejiang-2" else personas[who]
    with pytest.raises(ActionRefused):
        assignments.reassign(task, colleague, by=by, reason="x")
    if who != "zhejiang":  # the holder may release its own task
        with pytest.raises(ActionRefused):
            assignments.release(task, by=by, reason="x")
    task.refresh_from_db()
    assert task.owner == personas["zhejiang"]


@pytest.mark.parametrize("outsider", ["guangdong", "ministry", "hangzhou"])
def test_a_task_is_never_reassigned_across_departments(personas, outsider):
    _application, task = examination(personas)
    with pytest.raises(ActionRefused, match="not a member"):
        assignments.reassign(task, personas[outsider], by=personas["zhejiang-head"], reason="x")


def test_the_four_eyes_rule_holds_for_a_reassignment(personas):
    # The official who prepared Hangzhou's application moves to Zhejiang: never its examiner.
    author = get_user_model().objects.create(username="hangzhou-2")
    membership.add_member(author, membership.department_of(personas["hangzhou"]))
    application = procedure.apply(author, **APPLICATION_DATA)
    task = procedure.open_task(application, EXAMINATION)
    membership.add_member(author, membership.department_of(personas["zhejiang"]))
    with pytest.raises(ActionRefused, match="may not act"):
        assignments.reassign(task, author, by=personas["zhejiang-head"], reason="x")


def test_distribution_hands_the_queue_out_in_turn(personas, colleague):
    tasks = [examination(personas, taken_by=None)[1]]
    tasks.append(procedure.open_task(applied(personas, "ningbo"), EXAMINATION))
    given = assignments.distribute(
        tasks, [colleague, personas["zhejiang"]], by=personas["zhejiang-head"]
    )
    assert sorted(u.username for u in given.values()) == ["zhejiang", "zhejiang-2"]
    for task in tasks:
        task.refresh_from_db()
        assert task.owner == given[task.pk]


def test_the_distribute_page_is_for_supervisors(personas, client_for, colleague):
    _application, task = examination(personas, taken_by=None)
    data = {"form": "distribute", "tasks": [str(task.pk)], "colleagues": [str(colleague.pk)]}
    assert client_for("zhejiang").post("/team/distribute/", data).status_code == 404
    assert client_for("zhejiang-head").post("/team/distribute/", data).status_code == 302
    task.refresh_from_db()
    assert task.owner == colleague


def away(user, substitute, by):
    today = timezone.localdate()
    return membership.record_absence(
        user,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=5),
        substitute=substitute,
        by=by,
    )


def test_a_task_reassigned_to_an_official_away_goes_to_the_substitute(personas, colleague):
    _application, task = examination(personas, taken_by=None)
    away(personas["zhejiang"], colleague, by=personas["zhejiang"])
    assignments.reassign(task, personas["zhejiang"], by=personas["zhejiang-head"], reason="x")
    task.refresh_from_db()
    assert task.owner == colleague


def test_the_substitute_sees_the_absent_colleagues_task_and_takes_it_over(
    personas, client_for, colleague
):
    application, task = examination(personas)
    away(personas["zhejiang"], colleague, by=personas["zhejiang-head"])
    substitute = login(colleague)
    assert application.reference in page(substitute, "/issuance/inbox/")
    assert "Take over for zhejiang" in page(substitute, f"/cases/{application.pk}/")
    response = substitute.post(f"/team/tasks/{task.pk}/take-over/")
    assert response.status_code == 302 and "/execute/" in response.url
    task.refresh_from_db()
    assert task.owner == colleague
    event = application.events.get(action=Action.TAKEN_OVER)
    assert event.actor == colleague and '"for":"zhejiang"' in event.detail


def test_nobody_but_the_substitute_takes_over(personas, colleague):
    _application, task = examination(personas)
    with pytest.raises(ActionRefused, match="substitute"):
        assignments.take_over(task, by=colleague)
    task.refresh_from_db()
    assert task.owner == personas["zhejiang"]


def test_an_absence_needs_a_substitute_of_the_same_department(personas, colleague):
    with pytest.raises(membership.MembershipRefused, match="same department"):
        away(personas["zhejiang"], personas["guangdong"], by=personas["zhejiang"])
    with pytest.raises(membership.MembershipRefused):
        away(colleague, personas["zhejiang"], by=personas["zhejiang"])  # not a supervisor


def test_the_release_and_reassign_pages_are_a_supervisors(personas, client_for, colleague):
    application, task = examination(personas)
    for client in (*map(client_for, ("zhejiang", "guangdong", "hangzhou-head")), login(colleague)):
        for action in ("release", "reassign"):
            assert client.get(f"/team/tasks/{task.pk}/{action}/").status_code == 404
    head = client_for("zhejiang-head")
    assert "Reassign" in page(head, f"/cases/{application.pk}/")
    response = head.post(
        f"/team/tasks/{task.pk}/reassign/", {"to": colleague.pk, "reason": "均衡工作量"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner == colleague
    blank = head.post(f"/team/tasks/{task.pk}/release/", {"reason": ""})
    assert blank.status_code == 200
    task.refresh_from_db()
    assert task.owner == colleague


def test_every_member_sees_the_team_page_and_the_superuser_none(personas, client_for):
    html = page(client_for("zhejiang"), "/team/")
    assert "zhejiang-head" in html and "Supervisor" in html
    assert "Add a member" not in html
    assert "Add a member" in page(client_for("zhejiang-head"), "/team/")
    admin = get_user_model().objects.get(username="admin")
    assert login(admin).get("/team/").status_code == 404


def test_a_supervisor_adds_and_removes_members_on_the_trail(personas, client_for):
    newcomer = get_user_model().objects.create(username="newcomer")
    head = client_for("zhejiang-head")
    assert head.post("/team/members/add/", {"username": "newcomer"}).status_code == 302
    zhejiang = membership.department_of(personas["zhejiang"])
    assert membership.department_of(newcomer) == zhejiang
    assert head.post(f"/team/members/{newcomer.pk}/supervisor/", {"grant": "1"}).status_code == 302
    assert membership.is_supervisor(newcomer, zhejiang)
    assert head.post(f"/team/members/{newcomer.pk}/remove/").status_code == 302
    assert membership.department_of(get_user_model().objects.get(pk=newcomer.pk)) is None
    trail = MembershipEvent.objects.filter(user=newcomer, by=personas["zhejiang-head"])
    assert set(trail.values_list("change", flat=True)) == {"added", "sup_granted", "removed"}


def test_a_removed_members_tasks_go_back_to_the_queue(personas, client_for):
    _application, task = examination(personas)
    head = client_for("zhejiang-head")
    assert head.post(f"/team/members/{personas['zhejiang'].pk}/remove/").status_code == 302
    task.refresh_from_db()
    assert task.owner is None and task.status == STATUS.NEW


def test_a_supervisor_never_takes_an_official_of_another_department(personas, client_for):
    head = client_for("zhejiang-head")
    head.post("/team/members/add/", {"username": "guangdong"})
    assert membership.department_of(personas["guangdong"]).name_en == "Guangdong HRSS Department"


@pytest.mark.parametrize(
    "url", ["/team/members/add/", "/team/members/{pk}/remove/", "/team/members/{pk}/supervisor/"]
)
def test_a_non_supervisors_team_changes_do_not_exist(personas, client_for, url):
    target = personas["zhejiang-head"]
    response = client_for("zhejiang").post(
        url.format(pk=target.pk), {"username": "xihu", "grant": "0"}
    )
    assert response.status_code == 404
    assert membership.is_supervisor(target, membership.department_of(target))
    assert membership.department_of(personas["xihu"]).kind == "district"
