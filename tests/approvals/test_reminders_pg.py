"""Two beat instances sweeping at once fire each alarm once (PostgreSQL row locks; SQLite has
none, so the module is skipped there). Each sweep handles a clock in its own transaction
under the clock's row lock and re-reads it there; a notice is unique per user and key."""

import datetime
import time

import pytest
from django.db import connection

from approvals import clocks
from approvals.models import Action, CaseEvent, Notice, StepClock
from tests.helpers import applied, race

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


@pytest.mark.parametrize("slow", [False, True], ids=["fast", "slow-fire"])
def test_two_concurrent_sweeps_fire_each_alarm_once(transactional_db, personas, monkeypatch, slow):
    cases = [applied(personas, persona) for persona in ("beijing", "zhejiang", "guangdong")]
    for case in cases:
        clocks.accept(case, by=personas["ministry"])
    running = list(StepClock.objects.filter(stopped_at__isnull=True))
    assert len(running) == 3
    if slow:
        # Each clock's alarms take a while under its lock: the other sweep meets it locked.
        original = clocks._fire

        def slowly(*args, **kwargs):
            time.sleep(0.2)
            return original(*args, **kwargs)

        monkeypatch.setattr(clocks, "_fire", slowly)
    late = max(clock.escalate_at for clock in running) + datetime.timedelta(minutes=1)

    first, second = race(lambda: clocks.sweep(late), lambda: clocks.sweep(late))

    fired = {kind: first.get(kind, 0) + second.get(kind, 0) for kind in {*first, *second}}
    assert fired == {"overdue": 3, "escalation": 3}
    assert CaseEvent.objects.filter(action=Action.OVERDUE).count() == 3
    for clock in running:
        keys = Notice.objects.filter(key__startswith=f"clock:{clock.pk}:")
        overdue = keys.filter(kind="overdue")
        assert overdue.count() == overdue.values("user").distinct().count() > 0
        assert keys.filter(kind="escalation").values_list("user__username", flat=True).get() == (
            "ministry-head"
        )
    # And a third run, after both: nothing left.
    assert clocks.sweep(late) == {}
