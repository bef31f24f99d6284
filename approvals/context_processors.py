"""What the app bar of every page shows: unread notices, my department's overdue tasks, and
to admins, the calendar years deadlines reach that are not loaded."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from issuers.membership import department_of

from . import clocks
from .models import Notice, StepClock

# The app bar counts my department's overdue steps up to here ("99+"): the exact number is
# on the overdue list, and counting every one on every page grew with the national backlog.
OVERDUE_CAP = 99


def _overdue(request: HttpRequest) -> int:
    department = department_of(request.user)
    if department is None:
        return 0
    overdue = StepClock.objects.filter(department=department).filter(
        StepClock.objects.in_state("overdue", timezone.now())
    )
    return overdue.values("pk").order_by()[: OVERDUE_CAP + 1].count()


def app_bar(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notices": SimpleLazyObject(
            lambda: Notice.objects.filter(user=user, read_at__isnull=True).count()
        ),
        "department_overdue": SimpleLazyObject(lambda: _overdue(request)),
        "overdue_cap": OVERDUE_CAP,
        "calendar_missing": SimpleLazyObject(
            lambda: clocks.provisional_years() if user.is_staff or user.is_superuser else []
        ),
    }
