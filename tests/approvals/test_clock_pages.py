"""The time limit as officials see it: on the case and task pages (due date, working days
left, state, legal basis), the acceptance button of the examining office, a supervisor's
suspension, resumption and extension pages (reason required), and the due column, filter
and sort of the case list, the change list and the flow's task lists."""

import datetime

import pytest
from django.utils import timezone

from approvals import clocks
from approvals.models import Action, StepClock
from tests.helpers import applied, changed, filed_issuer, page


def make_overdue(case) -> StepClock:
    clock = StepClock.objects.get(pk=case.current_clock_id)
    past = timezone.now() - datetime.timedelta(days=2)
    StepClock.objects.filter(pk=clock.pk).update(due_at=past, remind_at=past)
    return clock


def test_the_case_page_shows_the_due_date_days_left_state_and_legal_basis(personas, client_for):
    application = applied(personas, "hangzhou")
    clock = application.current_clock
    html = page(client_for("hangzhou"), f"/cases/{application.pk}/")
    assert "Time limit" in html and "Acceptance" in html
    assert str(clock.due_date.year) in html
    assert "Working days left" in html and "On time" in html
    assert "art. 32" in html


def test_the_chinese_case_page_shows_the_clock_in_chinese(personas, client_for):
    application = applied(personas, "hangzhou")
    client = client_for("hangzhou")
    client.cookies["django_language"] = "zh-hans"
    html = page(client, f"/cases/{application.pk}/")
    assert "办理时限" in html and "剩余工作日" in html


def test_the_examining_office_accepts_from_the_case_page(personas, client_for):
    application = applied(personas, "hangzhou")
    zhejiang = client_for("zhejiang")
    assert "Accept (受理)" in page(zhejiang, f"/cases/{application.pk}/")
    assert "Accept (受理)" not in page(client_for("hangzhou"), f"/cases/{application.pk}/")
    response = zhejiang.post(f"/cases/{application.pk}/accept/")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.accepted_at is not None
    assert application.current_clock.step == "provincial_examination"
    html = page(zhejiang, f"/cases/{application.pk}/")
    assert "Accepted (acceptance notice)" in html


def test_the_applicant_cannot_accept_its_own_case(personas, client_for):
    application = applied(personas, "hangzhou")
    client_for("hangzhou").post(f"/cases/{application.pk}/accept/")
    application.refresh_from_db()
    assert application.accepted_at is None


def review(personas):
    application = applied(personas, "beijing")
    clocks.accept(application, by=personas["ministry"])
    return application


def test_a_supervisor_extends_with_a_reason_and_the_applicant_reads_it(personas, client_for):
    application = review(personas)
    head = client_for("ministry-head")
    url = f"/cases/{application.pk}/time-limit/extend/"
    assert "Extend" in page(head, f"/cases/{application.pk}/")
    blank = head.post(url, {"reason": " "})
    assert blank.status_code == 200 and "This field is required" in blank.content.decode()
    assert head.post(url, {"reason": "征求发卡银行意见"}).status_code == 302
    html = page(client_for("beijing"), f"/cases/{application.pk}/")
    assert "征求发卡银行意见" in html and "Extended" in html
    # Once only: the button is gone and the page refuses.
    assert "time-limit/extend/" not in page(head, f"/cases/{application.pk}/")
    assert head.get(url).status_code == 403


@pytest.mark.parametrize("who", ["ministry", "beijing", "zhejiang-head"])
def test_the_clock_pages_refuse_everyone_but_the_offices_supervisor(personas, client_for, who):
    application = review(personas)
    for what in ("suspend", "extend"):
        url = f"/cases/{application.pk}/time-limit/{what}/"
        assert client_for(who).post(url, {"reason": "x"}).status_code in (403, 404)
    clock = StepClock.objects.get(pk=application.current_clock_id)
    assert (clock.suspended_since, clock.extended_by) == (None, 0)


def test_outside_the_jurisdiction_the_clock_pages_do_not_exist(personas, client_for):
    application = applied(personas, "hangzhou")
    for url in (
        f"/cases/{application.pk}/accept/",
        f"/cases/{application.pk}/time-limit/suspend/",
    ):
        assert client_for("guangdong").post(url, {"reason": "x"}).status_code == 404


def test_a_suspension_and_its_resumption_from_the_pages(personas, client_for):
    application = review(personas)
    head = client_for("ministry-head")
    base = f"/cases/{application.pk}/time-limit"
    assert head.post(f"{base}/suspend/", {"reason": "专家评审"}).status_code == 302
    html = page(client_for("beijing"), f"/cases/{application.pk}/")
    assert "Suspended" in html and "专家评审" in html
    assert head.post(f"{base}/resume/", {"reason": ""}).status_code == 302
    actions = set(application.events.values_list("action", flat=True))
    assert {Action.SUSPENDED, Action.RESUMED} <= actions


def test_an_unknown_clock_action_is_404(personas, client_for):
    application = review(personas)
    url = f"/cases/{application.pk}/time-limit/restart/"
    assert client_for("ministry-head").post(url).status_code == 404


def test_the_task_page_shows_the_clock(personas, client_for):
    application = applied(personas, "zhejiang")
    client = client_for("ministry")
    clocks.accept(application, by=personas["ministry"])
    task = application.process.task_set.get(flow_task_type="HUMAN", status="NEW")
    client.post(task.flow_task.reverse("assign", args=[application.process.pk, task.pk]))
    html = page(client, task.flow_task.reverse("execute", args=[application.process.pk, task.pk]))
    assert "Time limit" in html and "Ministry review" in html


def test_the_case_list_filters_by_the_time_limit_within_the_jurisdiction(personas, client_for):
    late = applied(personas, "hangzhou")
    on_time = applied(personas, "ningbo")
    make_overdue(late)
    zhejiang = client_for("zhejiang")
    html = page(zhejiang, "/cases/?due=overdue")
    assert late.reference in html and on_time.reference not in html
    assert "Overdue" in html
    assert on_time.reference in page(zhejiang, "/cases/?due=on_time")
    # A filter never widens the jurisdiction.
    assert late.reference not in page(client_for("guangdong"), "/cases/?due=overdue")


def test_the_case_list_orders_by_due_date_soonest_first(personas, client_for):
    first = applied(personas, "hangzhou")
    second = applied(personas, "ningbo")
    make_overdue(second)
    # Newest first by default; soonest due first when asked.
    html = page(client_for("zhejiang"), "/cases/")
    assert html.index(second.reference) < html.index(first.reference)
    make_overdue(first)
    StepClock.objects.filter(pk=first.current_clock_id).update(
        due_at=timezone.now() - datetime.timedelta(days=5)
    )
    html = page(client_for("zhejiang"), "/cases/?sort=due")
    assert html.index(first.reference) < html.index(second.reference)


def test_the_change_list_shows_and_filters_the_due_state(personas, client_for):
    issuer = filed_issuer(personas, "beijing")
    change = changed(personas, "beijing", issuer, planned_quantity=5)
    ministry = client_for("ministry")
    assert change.reference in page(ministry, "/changes/?due=on_time")
    assert change.reference not in page(ministry, "/changes/?due=overdue")
    make_overdue(change)
    assert change.reference in page(ministry, "/changes/?due=overdue")


def test_the_flow_queue_shows_the_due_column_and_filters_by_it(personas, client_for):
    late = applied(personas, "hangzhou")
    on_time = applied(personas, "ningbo")
    make_overdue(late)
    zhejiang = client_for("zhejiang")
    html = page(zhejiang, "/issuance/queue/")
    assert "Due" in html and "Overdue" in html
    overdue = page(zhejiang, "/issuance/queue/?due=overdue")
    assert late.reference in overdue and on_time.reference not in overdue
    assert late.reference in page(zhejiang, "/issuance/queue/?_orderby=due")


def test_the_app_bar_counts_my_departments_overdue_steps(personas, client_for):
    make_overdue(applied(personas, "hangzhou"))
    assert "1 overdue" in page(client_for("zhejiang"), "/cases/")
    assert "overdue" not in page(client_for("guangdong"), "/cases/").split("case-page")[0]
