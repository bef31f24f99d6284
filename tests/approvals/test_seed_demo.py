"""The demo data command."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from guardian.models import UserObjectPermission
from viewflow.workflow.models import Process, Task

from approvals.demo import DEMO_PASSWORD, PERSONAS
from approvals.models import Application, Authorisation, CaseEvent, ChangeRequest, Material
from issuers.models import CardSpecification, Department, Division, Issuer, Membership


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


def test_seed_demo_creates_the_personas_and_a_second_run_creates_nothing(db, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo cases created." in out.getvalue()

    User = get_user_model()
    for username, (name, name_en, kind, code) in PERSONAS.items():
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        department = user.membership.department
        assert (department.name, department.name_en, department.kind) == (name, name_en, kind)
        assert (department.division.code if department.division else None) == code
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff

    provinces_by_status: dict[str, set[str]] = {}
    for application in Application.objects.select_related("department__division"):
        province = application.department.division.code[:2]
        provinces_by_status.setdefault(application.status, set()).add(province)
    for status in ("examination", "review", "returned", "rejected", "approved", "filed"):
        assert provinces_by_status.get(status), status
    assert len(set().union(*provinces_by_status.values())) >= 3
    # Beijing's issuer is filed only (the walk-through takes it further); the others are in
    # each state between filing and issuing cards.
    beijing = Application.objects.get(status="filed", department__name__startswith="北京")
    assert beijing.issuer.status == Issuer.Status.FILED
    standings = {
        application.department.name[:2]: application.issuer.standing()
        for application in Application.objects.filter(status="filed")
    }
    assert standings == {
        "北京": "Filed and active",
        "天津": "Filed and active",
        "上海": "Filed and active",
        "重庆": "Authorised to issue",
        "江苏": "Authorised to issue; general test pending for v2",
    }
    authorisations = {
        case.department.name[:2]: (case.status, case.key_state, case.psam_state)
        for case in Authorisation.objects.select_related("department")
    }
    assert authorisations == {
        "天津": ("gates", "issued", "examination"),
        "上海": ("test_failed", "issued", "issued"),
        "重庆": ("authorised", "issued", "issued"),
        "江苏": ("authorised", "issued", "issued"),
    }

    models = [
        User, Department, Membership, Division, UserObjectPermission, Application, Material,
        CaseEvent, Issuer, CardSpecification, ChangeRequest, Process, Task,
    ]  # fmt: skip
    counts = {model.__name__: model.objects.count() for model in models}
    statuses = sorted(Application.objects.values_list("pk", "status"))

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo cases already present." in out.getvalue()
    assert {model.__name__: model.objects.count() for model in models} == counts
    assert sorted(Application.objects.values_list("pk", "status")) == statuses
