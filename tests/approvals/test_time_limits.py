"""Each statutory time limit of the procedure (Administrative Licensing Law), as the clock
of the step a case is in:

- art. 32: acceptance by the examining office within 5 working days, else deemed accepted
  from the day of receipt; a return before acceptance is the notice to supplement;
- art. 43: the province's preliminary examination, 20 working days from acceptance;
- art. 42: the Ministry's decision, 20 working days, extended once by 10 by its supervisor;
- art. 45: a suspension (testing, expert review) does not count;
- art. 44: the decision served (filed) within 10 working days;
- a return stops the clock; a complete resubmission starts the step's period again.
"""

import datetime
import json

import pytest
from django.utils import timezone

from approvals import clocks, procedure
from approvals.flows import IssuanceFlow
from approvals.models import Action, ClockState, Notice, Outcome, Step, StepClock
from approvals.models.clock import day_end
from approvals.recording import ActionRefused
from issuers.membership import department_of
from tests.helpers import applied, approved, passed_examination
from worktime.days import WorkCalendar
from worktime.models import CalendarDay, TimeLimit

flow = IssuanceFlow


def today() -> datetime.date:
    return timezone.localdate()


def running(case) -> StepClock:
    case.refresh_from_db()
    return case.current_clock


def actions_of(case) -> list[str]:
    return list(case.events.order_by("pk").values_list("action", flat=True))


def test_a_municipal_application_waits_for_its_provinces_acceptance_five_working_days(
    personas,
):
    application = applied(personas, "hangzhou")
    clock = running(application)
    assert clock.step == Step.ACCEPTANCE
    assert clock.department == department_of(personas["zhejiang"])
    assert (clock.amount, clock.unit) == (5, TimeLimit.Unit.WORKING_DAYS)
    assert clock.counts_from == today()
    assert clock.due_date == WorkCalendar.load().add_working_days(today(), 5)
    assert "32" in clock.legal_basis
    assert Action.CLOCK_STARTED in actions_of(application)


def test_a_provincial_application_waits_for_the_ministrys_acceptance(personas):
    clock = running(applied(personas, "zhejiang"))
    assert clock.step == Step.ACCEPTANCE
    assert clock.department == department_of(personas["ministry"])


def test_acceptance_is_on_the_timeline_told_to_the_applicant_and_starts_the_examination(
    personas,
):
    application = applied(personas, "hangzhou")
    acceptance = running(application)
    clocks.accept(application, by=personas["zhejiang"])
    examination = running(application)
    assert examination.step == Step.PROVINCIAL_EXAMINATION
    assert (examination.amount, examination.counts_from) == (20, today())
    assert "43" in examination.legal_basis
    acceptance.refresh_from_db()
    assert acceptance.stopped_at is not None and acceptance.next_alarm_at is None
    assert application.events.filter(action=Action.ACCEPTED, actor=personas["zhejiang"]).exists()
    told = Notice.objects.filter(case=application, kind=Notice.Kind.DECISION)
    assert personas["hangzhou"].pk in set(told.values_list("user_id", flat=True))


@pytest.mark.parametrize("who", ["hangzhou", "ningbo", "ministry", "guangdong"])
def test_only_the_examining_office_accepts(personas, who):
    application = applied(personas, "hangzhou")
    with pytest.raises(ActionRefused):
        clocks.accept(application, by=personas[who])
    assert running(application).step == Step.ACCEPTANCE


def test_deciding_on_the_merits_before_acceptance_accepts_first(personas):
    application = passed_examination(personas, "hangzhou")
    history = actions_of(application)
    assert history.index(Action.ACCEPTED) < history.index(Action.EXAMINATION_PASSED)
    # A decision on the merits is no notice to supplement.
    assert application.events.get(action=Action.EXAMINATION_PASSED).detail == ""
    # Accepted once, by the province: the Ministry's own period starts at once.
    review = running(application)
    assert review.step == Step.MINISTRY_REVIEW
    assert (review.amount, review.extension_allowed) == (20, 10)


def test_a_return_before_acceptance_is_the_notice_to_supplement_and_stops_the_clock(personas):
    application = applied(personas, "hangzhou")
    first = running(application)
    procedure.decide(
        application, flow.provincial_examination, personas["zhejiang"], Outcome.RETURN, "补正"
    )
    assert running(application) is None
    first.refresh_from_db()
    assert first.stopped_at is not None
    returned = application.events.get(action=Action.RETURNED)
    assert json.loads(returned.detail)["t"] == "supplement"
    assert Action.ACCEPTED not in actions_of(application)


def test_a_complete_resubmission_starts_the_steps_period_again(personas):
    application = passed_examination(personas, "hangzhou")
    procedure.decide(application, flow.ministry_review, personas["ministry"], Outcome.RETURN, "x")
    assert running(application) is None
    # The time returned to the applicant does not count: the period restarts on resubmission.
    procedure.correct(application, personas["hangzhou"])
    again = running(application)
    assert again.step == Step.ACCEPTANCE
    assert again.counts_from == today() and again.suspended_days == 0
    assert StepClock.objects.filter(case=application, stopped_at__isnull=True).count() == 1


def test_silence_for_five_working_days_counts_as_accepted_from_the_day_of_receipt(personas):
    application = applied(personas, "hangzhou")
    acceptance = running(application)
    before = clocks.sweep(acceptance.due_at - datetime.timedelta(hours=1))
    assert "deemed" not in before
    fired = clocks.sweep(acceptance.due_at + datetime.timedelta(minutes=1))
    assert fired["deemed"] == 1
    application.refresh_from_db()
    assert application.accepted_at == acceptance.started_at
    assert Action.DEEMED_ACCEPTED in actions_of(application)
    examination = application.current_clock
    assert examination.step == Step.PROVINCIAL_EXAMINATION
    # Counted from the day of receipt, not from the day the silence ran out.
    received = timezone.localdate(acceptance.started_at)
    assert examination.counts_from == received
    assert examination.due_date == WorkCalendar.load().add_working_days(received, 20)


def ministry_review_of(personas, persona="beijing"):
    application = applied(personas, persona)
    clocks.accept(application, by=personas["ministry"])
    return application, running(application)


def test_the_ministrys_supervisor_extends_its_review_once_by_ten_working_days(personas):
    application, review = ministry_review_of(personas)
    assert review.step == Step.MINISTRY_REVIEW
    assert "42" in review.legal_basis
    clocks.extend(application, by=personas["ministry-head"], reason="需征求发卡银行意见")
    extended = running(application)
    assert extended.extended_by == 10
    assert extended.due_date == WorkCalendar.load().add_working_days(review.due_date, 10)
    event = application.events.get(action=Action.EXTENDED)
    assert (event.actor, event.reason) == (personas["ministry-head"], "需征求发卡银行意见")
    # The applicant is told, with the new due date.
    told = Notice.objects.get(case=application, user=personas["beijing"], kind="extension")
    assert told.values["due"] == extended.due_date.isoformat()
    with pytest.raises(ActionRefused, match="already extended"):
        clocks.extend(application, by=personas["ministry-head"], reason="again")
    assert running(application).extended_by == 10


@pytest.mark.parametrize("who", ["ministry", "zhejiang-head", "hangzhou-head", "beijing"])
def test_nobody_but_a_ministry_supervisor_extends_its_review(personas, who):
    application, _review = ministry_review_of(personas)
    with pytest.raises(ActionRefused):
        clocks.extend(application, by=personas[who], reason="a reason")
    assert running(application).extended_by == 0


def test_an_extension_needs_its_reason(personas):
    application, _review = ministry_review_of(personas)
    with pytest.raises(ActionRefused, match="reason"):
        clocks.extend(application, by=personas["ministry-head"], reason="  ")


def test_the_provincial_examination_has_no_extension(personas):
    application = applied(personas, "hangzhou")
    clocks.accept(application, by=personas["zhejiang"])
    with pytest.raises(ActionRefused, match="cannot be extended"):
        clocks.extend(application, by=personas["zhejiang-head"], reason="a reason")


def test_a_suspension_stops_the_clock_and_its_working_days_are_added_on_resumption(personas):
    application, review = ministry_review_of(personas)
    clocks.suspend(application, by=personas["ministry-head"], reason="专家评审 expert review")
    suspended = running(application)
    assert suspended.state(timezone.now()) == ClockState.SUSPENDED
    assert suspended.next_alarm_at is None
    # Nothing fires while suspended, however late it gets.
    assert clocks.sweep(timezone.now() + datetime.timedelta(days=400)) == {}
    # Three working days of expert review.
    calendar = WorkCalendar.load()
    began = calendar.subtract_working_days(today(), 3)
    StepClock.objects.filter(pk=suspended.pk).update(
        suspended_since=day_end(began) - datetime.timedelta(hours=6)
    )
    clocks.resume(application, by=personas["ministry-head"])
    resumed = running(application)
    # The working days after the day it began, up to today (today may be a weekend).
    lost = sum(
        calendar.is_working_day(began + datetime.timedelta(days=n))
        for n in range(1, (today() - began).days + 1)
    )
    assert lost in (2, 3)
    assert resumed.suspended_since is None and resumed.suspended_days == lost
    assert resumed.due_date == calendar.add_working_days(review.due_date, lost)
    assert resumed.next_alarm_at is not None
    history = actions_of(application)
    assert history.index(Action.SUSPENDED) < history.index(Action.RESUMED)
    assert application.events.get(action=Action.SUSPENDED).reason == "专家评审 expert review"


def test_only_a_supervisor_of_the_office_whose_step_it_is_suspends(personas):
    application, _review = ministry_review_of(personas)
    for who in ("ministry", "zhejiang-head"):
        with pytest.raises(ActionRefused):
            clocks.suspend(application, by=personas[who], reason="testing")
    assert running(application).suspended_since is None


def test_a_case_awaiting_acceptance_cannot_be_suspended(personas):
    application = applied(personas, "beijing")
    with pytest.raises(ActionRefused, match="accepted or returned"):
        clocks.suspend(application, by=personas["ministry-head"], reason="testing")


def test_the_decision_is_served_within_ten_working_days_and_filing_stops_the_clock(personas):
    application = approved(personas, "beijing")
    filing = running(application)
    assert (filing.step, filing.amount) == (Step.REGISTRY_FILING, 10)
    assert "44" in filing.legal_basis
    procedure.file(application, personas["ministry"], "ICRC-TEST-1")
    assert running(application) is None
    assert not StepClock.objects.filter(case=application, stopped_at__isnull=True).exists()


def test_a_changed_limit_applies_to_steps_started_after_it(personas):
    first = running(applied(personas, "beijing"))
    TimeLimit.objects.filter(step="application.acceptance").update(amount=7)
    second = running(applied(personas, "zhejiang"))
    first.refresh_from_db()
    assert (first.amount, second.amount) == (5, 7)


def test_a_change_of_the_calendar_moves_the_due_dates_of_running_clocks(personas):
    application = applied(personas, "beijing")
    clock = running(application)
    # The Ministry's office is closed on the day after receipt (a local holiday).
    closed = WorkCalendar.load().add_working_days(clock.counts_from, 1)
    CalendarDay.objects.create(date=closed, is_working_day=False, name="closed")
    clocks.sweep()
    moved = running(application)
    assert moved.due_date == WorkCalendar.load().add_working_days(clock.due_date, 1)
