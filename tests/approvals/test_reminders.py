"""The sweep (celery beat, every five minutes): a reminder N working days before a step's due
date, an overdue notice on it to the officials who can act, an escalation to the office's
supervisors M working days later; each once, whatever the number of runs, and nothing for a
suspended or finished step. Notices reach nobody outside the case's jurisdiction."""

import datetime

from django.utils import timezone

from approvals import clocks, procedure
from approvals.flows import IssuanceFlow
from approvals.models import Action, Notice, StepClock
from approvals.models.clock import day_start
from issuers.membership import members_of
from tests.helpers import applied, passed_examination
from worktime.days import WorkCalendar

MINUTE = datetime.timedelta(minutes=1)


def examination_of(personas):
    """Hangzhou's application in Zhejiang's examination, the task taken by `zhejiang`."""
    application = applied(personas, "hangzhou")
    clocks.accept(application, by=personas["zhejiang"])
    task = procedure.open_task(application, IssuanceFlow.provincial_examination)
    with task.activation() as activation:
        activation.assign(personas["zhejiang"])
    application.refresh_from_db()
    return application, application.current_clock


def told(kind: str) -> set[str]:
    return set(Notice.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_the_reminder_comes_three_working_days_before_the_due_date_to_the_holder(personas):
    application, clock = examination_of(personas)
    calendar = WorkCalendar.load()
    assert clock.remind_at == day_start(calendar.subtract_working_days(clock.due_date, 3))
    assert clocks.sweep(clock.remind_at - MINUTE) == {}
    assert clocks.sweep(clock.remind_at + MINUTE) == {"reminder": 1}
    assert told("reminder") == {"zhejiang"}
    # Run again, and again later the same day: nothing twice.
    assert clocks.sweep(clock.remind_at + 2 * MINUTE) == {}
    assert clocks.sweep(clock.due_at - MINUTE) == {}
    assert Notice.objects.filter(kind="reminder").count() == 1


def test_a_queued_steps_reminder_goes_to_every_member_of_the_office(personas):
    application = applied(personas, "hangzhou")
    clocks.accept(application, by=personas["zhejiang"])
    clock = StepClock.objects.get(pk=application.current_clock_id)
    clocks.sweep(clock.remind_at + MINUTE)
    assert told("reminder") == {user.username for user in members_of(clock.department)}
    assert told("reminder") == {"zhejiang", "zhejiang-head"}


def test_overdue_on_the_due_date_then_escalation_to_the_supervisors_each_once(personas):
    application, clock = examination_of(personas)
    clocks.sweep(clock.remind_at + MINUTE)
    assert clocks.sweep(clock.due_at + MINUTE) == {"overdue": 1}
    assert told("overdue") == {"zhejiang"}
    assert application.events.filter(action=Action.OVERDUE).count() == 1
    assert clocks.sweep(clock.escalate_at - MINUTE) == {}
    escalation_day = timezone.localdate(clock.escalate_at - MINUTE)
    assert escalation_day == WorkCalendar.load().add_working_days(clock.due_date, 2)
    assert clocks.sweep(clock.escalate_at + MINUTE) == {"escalation": 1}
    assert told("escalation") == {"zhejiang-head"}
    # Nothing is left to fire, however long it stays overdue.
    assert clocks.sweep(clock.escalate_at + datetime.timedelta(days=60)) == {}
    assert application.events.filter(action=Action.OVERDUE).count() == 1
    assert Notice.objects.filter(kind__in=["overdue", "escalation"]).count() == 2
    clock.refresh_from_db()
    assert clock.next_alarm_at is None


def test_a_late_first_sweep_sends_the_overdue_notice_without_a_stale_reminder(personas):
    _application, clock = examination_of(personas)
    assert clocks.sweep(clock.due_at + MINUTE) == {"overdue": 1}
    assert told("reminder") == set()


def test_nothing_fires_for_a_suspended_step(personas):
    application, clock = examination_of(personas)
    clocks.suspend(application, by=personas["zhejiang-head"], reason="检测 testing")
    assert clocks.sweep(clock.escalate_at + datetime.timedelta(days=30)) == {}
    assert not Notice.objects.filter(kind__in=["reminder", "overdue", "escalation"]).exists()


def test_nothing_fires_for_a_finished_step(personas):
    application = passed_examination(personas, "hangzhou")
    examination = StepClock.objects.get(case=application, step="provincial_examination")
    assert examination.stopped_at is not None
    review = StepClock.objects.get(pk=application.current_clock_id)
    clocks.sweep(examination.escalate_at + MINUTE)
    fired_for = set(Notice.objects.values_list("key", flat=True))
    assert not any(key.startswith(f"clock:{examination.pk}:") for key in fired_for)
    assert review.pk != examination.pk


def test_an_extension_moves_the_alarms_and_the_reminder_comes_again_before_the_new_date(
    personas,
):
    application = applied(personas, "beijing")
    clocks.accept(application, by=personas["ministry"])
    clock = StepClock.objects.get(pk=application.current_clock_id)
    clocks.sweep(clock.remind_at + MINUTE)
    clocks.extend(application, by=personas["ministry-head"], reason="征求意见")
    extended = StepClock.objects.get(pk=clock.pk)
    assert extended.reminded_at is None and extended.remind_at > clock.remind_at
    assert clocks.sweep(extended.remind_at + MINUTE) == {"reminder": 1}


def test_reminders_and_escalations_reach_nobody_outside_the_cases_jurisdiction(personas):
    _application, clock = examination_of(personas)
    clocks.sweep(clock.escalate_at + MINUTE)
    everyone_told = set(Notice.objects.values_list("user__username", flat=True))
    assert everyone_told
    assert everyone_told.isdisjoint({"ningbo", "guangdong", "shenzhen", "beijing", "xihu"})
    assert everyone_told <= {"hangzhou", "hangzhou-head", "zhejiang", "zhejiang-head"}


def test_the_sweep_reads_only_the_clocks_whose_alarm_has_come(
    personas, django_assert_max_num_queries
):
    examination_of(personas)
    for persona in ("beijing", "zhejiang", "guangdong"):
        applied(personas, persona)
    # Nothing due: a few queries (calendar, stale clocks, due clocks), whatever the number of
    # running clocks.
    with django_assert_max_num_queries(6):
        assert clocks.sweep(timezone.now()) == {}


def test_a_clock_met_again_with_a_stale_alarm_time_fires_nothing_twice(personas):
    """Each alarm remembers that it fired: a clock swept again (its next alarm time stale, as
    after a recomputation racing a sweep) sends nothing a second time."""
    application, clock = examination_of(personas)
    late = clock.escalate_at + MINUTE
    clocks.sweep(clock.remind_at + MINUTE)
    StepClock.objects.filter(pk=clock.pk).update(next_alarm_at=clock.remind_at)
    assert clocks.sweep(clock.remind_at + 2 * MINUTE) == {}
    assert clocks.sweep(late) == {"overdue": 1, "escalation": 1}
    StepClock.objects.filter(pk=clock.pk).update(next_alarm_at=clock.remind_at)
    assert clocks.sweep(late) == {}
    assert application.events.filter(action=Action.OVERDUE).count() == 1
