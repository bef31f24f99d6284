"""Working-day arithmetic (Administrative Licensing Law art. 82) on the State Council's
schedules as chinesecalendar has them: holidays off, make-up weekends on, across the Spring
Festival and National Day weeks of 2025 and 2026 and the turn of the year; and a year whose
schedule is not loaded yet, counted Monday to Friday and marked provisional."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from worktime.days import WorkCalendar
from worktime.models import CalendarDay, CalendarVersion, CalendarYear

D = datetime.date


@pytest.fixture
def calendar(db):
    call_command("load_calendar", "2025", "2026", stdout=open("/dev/null", "w"))
    return WorkCalendar.load()


def test_a_period_counts_from_the_day_after_its_start(calendar):
    # Monday 2025-03-03 + 5 working days: Tue..Fri, then Monday.
    assert calendar.add_working_days(D(2025, 3, 3), 5) == D(2025, 3, 10)
    assert calendar.add_working_days(D(2025, 3, 3), 0) == D(2025, 3, 3)


def test_spring_festival_2025_skips_the_holiday_and_counts_its_make_up_sunday_and_saturday(
    calendar,
):
    assert calendar.is_working_day(D(2025, 1, 26))  # a Sunday, made a working day
    assert not calendar.is_working_day(D(2025, 1, 28))
    assert calendar.is_working_day(D(2025, 2, 8))  # a Saturday, made a working day
    # From Friday 24 January: Sunday 26, Monday 27, then nothing until Wednesday 5 February.
    assert calendar.add_working_days(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert calendar.add_working_days(D(2025, 1, 24), 3) == D(2025, 2, 5)
    # Friday 7 February, the make-up Saturday 8, Monday 10.
    assert calendar.add_working_days(D(2025, 2, 6), 3) == D(2025, 2, 10)


def test_national_day_2025_with_its_make_up_days(calendar):
    assert calendar.is_working_day(D(2025, 9, 28))  # Sunday
    assert calendar.is_working_day(D(2025, 10, 11))  # Saturday
    # Tuesday 30 September, then the week off until Thursday 9 October.
    assert calendar.add_working_days(D(2025, 9, 29), 2) == D(2025, 10, 9)
    assert calendar.working_days_between(D(2025, 9, 26), D(2025, 10, 12)) == 6
    # After Friday 26 Sep: 28 (Sun), 29, 30, 9 Oct, 10, 11 (Sat) are six; twenty reach 30 Oct.
    assert calendar.add_working_days(D(2025, 9, 26), 20) == D(2025, 10, 30)


def test_spring_festival_2026_nine_days_off_and_two_make_up_saturdays(calendar):
    assert calendar.is_working_day(D(2026, 2, 14))
    assert calendar.is_working_day(D(2026, 2, 28))
    assert not any(calendar.is_working_day(D(2026, 2, day)) for day in range(15, 24))
    # From Friday 13 February: Saturday 14, then Tuesday 24 February.
    assert calendar.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert calendar.subtract_working_days(D(2026, 2, 24), 2) == D(2026, 2, 13)


def test_national_day_2026_with_its_make_up_days(calendar):
    assert calendar.is_working_day(D(2026, 9, 20))  # Sunday
    assert not calendar.is_working_day(D(2026, 9, 25))  # Mid-autumn, a Friday
    assert calendar.is_working_day(D(2026, 10, 10))  # Saturday
    assert calendar.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert calendar.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)


def test_the_turn_of_the_year_2025_2026_counts_the_make_up_sunday(calendar):
    # 1 and 2 January 2026 are off, Sunday 4 January is a working day.
    assert calendar.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)
    assert calendar.working_days_between(D(2025, 12, 30), D(2026, 1, 5)) == 3


def test_days_left_are_negative_once_the_due_date_is_past(calendar):
    assert calendar.working_days_between(D(2026, 3, 10), D(2026, 3, 6)) == -2


def test_a_year_not_loaded_counts_monday_to_friday_and_is_provisional(calendar):
    # 1 January 2027 would be a holiday; without the schedule it is a plain Friday.
    assert calendar.is_working_day(D(2027, 1, 1))
    assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)
    assert calendar.is_provisional(D(2026, 12, 10), D(2027, 1, 8))
    assert not calendar.is_provisional(D(2026, 3, 2), D(2026, 3, 30))
    assert calendar.missing_years(range(2025, 2028)) == [2027]


def test_loading_a_year_the_package_does_not_know_is_refused_with_what_to_do(db):
    with pytest.raises(CommandError, match="no schedule for 2099.*admin"):
        call_command("load_calendar", "2099")
    assert not CalendarYear.objects.exists()


def test_every_change_of_the_calendar_moves_its_version(calendar):
    before = CalendarVersion.current()
    day = CalendarDay.objects.create(date=D(2026, 12, 7), is_working_day=False, name="local")
    assert CalendarVersion.current() == before + 1
    assert not WorkCalendar.load().is_working_day(D(2026, 12, 7))
    day.delete()
    assert CalendarVersion.current() == before + 2
    assert WorkCalendar.load().is_working_day(D(2026, 12, 7))
