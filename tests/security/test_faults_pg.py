"""A database connection killed in the middle of an approval loses nothing and doubles nothing."""

import psycopg
import pytest
from django.db import connection
from django.test import Client

from approvals import actions
from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application, CaseEvent
from issuers.models import Issuer, IssuerSerial
from tests.helpers import apply, task_url

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


def kill_backend(pid: int) -> None:
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"], port=params["PORT"] or 5432, user=params["USER"], dbname=params["NAME"]
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_killed_connection_mid_approval_changes_nothing_and_the_retry_works(
    transactional_db, personas, client_for, monkeypatch
):
    application = apply(client_for("guangdong"))
    ministry = Client(raise_request_exception=False)
    ministry.force_login(personas["ministry"])
    assert ministry.post(task_url(application, Flow.ministry_review, "assign")).status_code == 302
    events_before = CaseEvent.objects.count()
    original = actions.record_decision

    def record_then_lose_the_connection(*args, **kwargs):
        original(*args, **kwargs)
        kill_backend(connection.connection.info.backend_pid)

    monkeypatch.setattr(actions, "record_decision", record_then_lose_the_connection)
    url = task_url(application, Flow.ministry_review, "execute")
    response = ministry.post(url, {"outcome": "pass"})
    assert response.status_code == 500
    assert "Traceback" not in response.content.decode()

    connection.close()
    application.refresh_from_db()
    assert application.status == Application.Status.MINISTRY_REVIEW
    assert not Issuer.objects.exists()
    assert not IssuerSerial.objects.filter(last_value__gt=0).exists()
    assert CaseEvent.objects.count() == events_before

    monkeypatch.setattr(actions, "record_decision", original)
    assert ministry.post(url, {"outcome": "pass"}).status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert Issuer.objects.get().serial == 1
