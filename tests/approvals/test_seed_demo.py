"""The demo data command."""

import pytest
from django.core.management import CommandError, call_command

from approvals.models import Application, ChangeRequest


def test_seed_demo_creates_every_state_in_several_provinces_and_is_idempotent(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses >= {"examination", "review", "returned", "rejected", "approved", "filed"}
    provinces = {a.department.division.code[:2] for a in Application.objects.all()}
    assert len(provinces) > 2
    assert ChangeRequest.objects.values("route").distinct().count() == 2
    assert not Application.objects.filter(department__name__startswith="杭州市").exists()
    counts = Application.objects.count(), ChangeRequest.objects.count()
    call_command("seed_demo")
    assert (Application.objects.count(), ChangeRequest.objects.count()) == counts


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    call_command("seed_demo", force=True)
    assert Application.objects.exists()
