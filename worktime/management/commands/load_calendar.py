"""Load the statutory holidays and make-up working days from the chinesecalendar package."""

from importlib.metadata import version

import chinese_calendar
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from worktime.models import CalendarDay, CalendarVersion, CalendarYear


def package_years() -> list[int]:
    known = {day.year for day in chinese_calendar.holidays} | {
        day.year for day in chinese_calendar.workdays
    }
    return sorted(known)


def exceptions_of(year: int) -> list[CalendarDay]:
    """The days of `year` that break the Monday-Friday rule, as the package has them."""
    days = []
    for day, name in chinese_calendar.holidays.items():
        if day.year == year and day.weekday() < 5:
            days.append(CalendarDay(date=day, is_working_day=False, name=name))
    for day, name in chinese_calendar.workdays.items():
        if day.year == year and day.weekday() >= 5:
            days.append(CalendarDay(date=day, is_working_day=True, name=name))
    return days


class Command(BaseCommand):
    help = (
        "Load statutory holidays and make-up working days for the given years (default: every "
        "year the chinesecalendar package knows from last year on). Days an admin changed by "
        "hand in a year not yet loaded are kept; reloading a year replaces its days."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("years", nargs="*", type=int)

    def handle(self, *args, years: list[int], **options) -> None:
        known = package_years()
        this_year = timezone.localdate().year
        years = years or [year for year in known if year >= this_year - 1]
        unknown = [year for year in years if year not in known]
        if unknown:
            raise CommandError(
                f"chinesecalendar {version('chinesecalendar')} has no schedule for "
                f"{', '.join(map(str, unknown))}: enter the State Council's schedule in the "
                "admin (calendar days, then the calendar year), or upgrade the package."
            )
        source = f"chinesecalendar {version('chinesecalendar')}"
        for year in years:
            with transaction.atomic():
                CalendarDay.objects.filter(date__year=year).delete()
                CalendarDay.objects.bulk_create(exceptions_of(year))
                CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
            self.stdout.write(f"{year}: {len(exceptions_of(year))} days ({source})")
        CalendarVersion.bump()
