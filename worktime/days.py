"""Working-day arithmetic: the one place that knows what a working day is.

A working day is Monday to Friday unless the calendar table says otherwise (a statutory
holiday, or a weekend made a working day). Periods run from the day after their start: a
limit of 5 working days started on a Monday (no holidays) ends on the following Monday.
"""

import datetime
from dataclasses import dataclass

from .models import CalendarDay, CalendarVersion, CalendarYear

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    exceptions: dict[datetime.date, bool]  # date -> is a working day
    loaded_years: frozenset[int]
    version: int = 0

    @classmethod
    def load(cls) -> "WorkCalendar":
        """The calendar as the table holds it now (a few dozen rows a year, one query each)."""
        return cls(
            exceptions=dict(CalendarDay.objects.values_list("date", "is_working_day")),
            loaded_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
            version=CalendarVersion.current(),
        )

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def add_working_days(self, start: datetime.date, count: int) -> datetime.date:
        """The `count`-th working day after `start` (`start` itself when count is 0)."""
        day = start
        while count > 0:
            day += ONE_DAY
            if self.is_working_day(day):
                count -= 1
        return day

    def subtract_working_days(self, end: datetime.date, count: int) -> datetime.date:
        """The working day `count` working days before `end` (`end` when count is 0)."""
        day = end
        while count > 0:
            day -= ONE_DAY
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end`; negative when end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count

    def is_provisional(self, start: datetime.date, end: datetime.date) -> bool:
        """Whether a period from start to end reaches a year whose calendar is not loaded."""
        return any(
            year not in self.loaded_years for year in range(start.year, max(start, end).year + 1)
        )

    def missing_years(self, years: range) -> list[int]:
        return [year for year in years if year not in self.loaded_years]
