"""The case timeline is append-only and hash-chained; verify_audit finds tampering."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from approvals.flows import IssuanceFlow
from approvals.models import CaseEvent
from tests.helpers import apply, decide


@pytest.fixture
def case_with_history(client_for):
    application = apply(client_for("hangzhou"))
    decide(client_for("zhejiang"), application, IssuanceFlow.provincial_examination, "pass")
    return application


def test_a_case_history_forms_an_intact_chain(case_with_history, capsys):
    call_command("verify_audit")
    assert "Audit chain intact" in capsys.readouterr().out
    events = list(CaseEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert all(e.prev_hash == p.hash for p, e in zip(events, events[1:], strict=False))


def test_the_model_refuses_updates_and_deletes(case_with_history):
    event = CaseEvent.objects.first()
    event.reason = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(PermissionError):
        CaseEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the trigger refuses raw updates")
def test_verify_audit_reports_an_altered_row(case_with_history):
    target = CaseEvent.objects.order_by("sequence")[2]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE approvals_caseevent SET reason = 'x' WHERE id = %s", [target.pk])
    with pytest.raises(CommandError, match=f"event #{target.sequence} .* altered"):
        call_command("verify_audit")


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the trigger refuses raw deletes")
def test_verify_audit_reports_a_missing_row(case_with_history):
    target = CaseEvent.objects.order_by("sequence")[1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM approvals_caseevent WHERE id = %s", [target.pk])
    with pytest.raises(CommandError, match=f"event #{target.sequence} is missing"):
        call_command("verify_audit")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement", ["UPDATE approvals_caseevent SET reason = 'x'", "DELETE FROM approvals_caseevent"]
)
def test_the_database_refuses_raw_updates_and_deletes(case_with_history, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_concurrent_writers_still_build_one_chain(transactional_db, personas):
    from approvals.actions import record_event
    from approvals.models import Application

    application = Application.objects.create(
        department=personas["hangzhou"].membership.department,
        created_by=personas["hangzhou"],
        contact_person="x",
        contact_phone="1",
        cardholder_population="x",
        planned_quantity=1,
        card_supplier="x",
        card_product="x",
        spec_version="3.00",
        planned_start="2027-01-01",
    )
    errors = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    record_event(application, CaseEvent.Action.EDITED, by=None, detail=f"{n}-{i}")
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert CaseEvent.objects.count() == 80
    call_command("verify_audit")
