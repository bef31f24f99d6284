"""Signed checkpoints of the audit chain (approvals.audit).

The attacker here administers the database and can run the application's code, but holds
neither the office key nor the file store: every rewrite below is raw SQL, with the hashes
recomputed by the application's own `CaseEvent.digest()`, so that the chain's own walk is
satisfied and only the checkpoints can tell.
"""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from approvals import audit, tasks
from approvals.models import Action, AuditChainHead, AuditCheckpoint, CaseEvent
from approvals.models.timeline import GENESIS
from approvals.recording import record_event
from approvals.signing import write_demo_key_pair
from tests.helpers import applied


@pytest.fixture
def sign(django_capture_on_commit_callbacks):
    """Write a checkpoint in a transaction that commits: the row, then the file's line."""

    def write() -> AuditCheckpoint:
        with django_capture_on_commit_callbacks(execute=True):
            return audit.checkpoint()

    return write


@pytest.fixture
def administrator():
    """Raw SQL as the database's administrator, for whom PostgreSQL's append-only trigger is
    no obstacle (triggers are off for the rest of the test's transaction)."""

    def run(statement: str, params: list | None = None) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(statement, params or [])

    return run


def rewrite(run, sequence: int, reason: str) -> None:
    """Change one event's reason, then recompute its hash, every later event's and the head's,
    writing each back with raw SQL."""
    events = list(CaseEvent.objects.order_by("sequence"))
    previous = events[sequence - 2].hash if sequence > 1 else GENESIS
    for event in events[sequence - 1 :]:
        if event.sequence == sequence:
            event.reason = reason
        event.prev_hash = previous
        event.hash = event.digest()
        run(
            "UPDATE approvals_caseevent SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [event.reason, event.prev_hash, event.hash, event.pk],
        )
        previous = event.hash
    run("UPDATE approvals_auditchainhead SET last_hash = %s WHERE id = 1", [previous])


def file_lines() -> list[dict]:
    path = audit.checkpoint_path()
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def verify_audit_fails() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    return str(failure.value)


def test_checkpoints_of_an_intact_chain_pass(personas, sign, capsys):
    applied(personas, "hangzhou")
    first = sign()
    applied(personas, "beijing")
    second = sign()

    call_command("verify_audit")

    assert "Audit chain intact" in capsys.readouterr().out
    assert second.sequence > first.sequence
    head = AuditChainHead.objects.get()
    assert (second.sequence, second.hash) == (head.last_sequence, head.last_hash)
    assert [(line["sequence"], line["hash"]) for line in file_lines()] == [
        (first.sequence, first.hash),
        (second.sequence, second.hash),
    ]


def test_a_rewrite_with_every_hash_recomputed_passes_the_chain_but_not_the_checkpoints(
    personas, sign, administrator
):
    applied(personas, "hangzhou")
    before = sign()
    applied(personas, "beijing")
    after = sign()
    applied(personas, "shenzhen")  # and more events since the last checkpoint
    target = before.sequence + 2
    assert target < after.sequence

    rewrite(administrator, target, "nothing happened here")

    assert CaseEvent.objects.get(sequence=target).reason == "nothing happened here"
    assert audit.first_problem() is None  # the chain's own walk is satisfied
    rewritten_hash = CaseEvent.objects.get(sequence=after.sequence).hash
    message = verify_audit_fails()
    assert (
        f"events #{before.sequence + 1}–#{after.sequence} were rewritten: the checkpoint of "
        f"{after.at.isoformat(timespec='microseconds')} records #{after.sequence} as "
        f"{after.hash}, the database has {rewritten_hash}; the last checkpoint that still "
        f"matches is #{before.sequence}"
    ) in message
    assert "forged" not in message
    assert "not in the" not in message


def test_checkpoints_signed_with_another_key_are_reported_as_forged(
    personas, sign, administrator, settings, tmp_path
):
    applied(personas, "hangzhou")
    genuine = sign()
    rewrite(administrator, 3, "rewritten")
    # The attacker runs the code too, with a key of their own, and signs the rewritten head.
    office_key = settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = (
        tmp_path / "key.pem",
        tmp_path / "cert.pem",
    )
    write_demo_key_pair(settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT)
    forged = sign()
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = office_key

    message = verify_audit_fails()

    assert (forged.sequence, forged.hash) != (genuine.sequence, genuine.hash)
    assert f"database row {forged.pk}: the checkpoint of" in message
    assert f"line 2 of {audit.checkpoint_path()}: the checkpoint of" in message
    assert message.count("is forged") == 2
    assert f"events #1–#{genuine.sequence} were rewritten" in message


def test_a_forged_or_unreadable_line_in_the_file_is_reported(personas, sign):
    applied(personas, "hangzhou")
    genuine = sign()
    line = file_lines()[0]
    with audit.checkpoint_path().open("a") as store:
        store.write(json.dumps({**line, "hash": "f" * 64}) + "\n")
        store.write("not json\n")

    message = verify_audit_fails()

    assert f"line 2 of {audit.checkpoint_path()}: the checkpoint of" in message
    assert f"recording #{genuine.sequence} as {'f' * 64} is forged" in message
    assert f"line 3 of {audit.checkpoint_path()} is not a checkpoint" in message
    assert "rewritten" not in message


def test_a_database_checkpoint_missing_from_the_file_is_reported(personas, sign):
    applied(personas, "hangzhou")
    written = sign()
    audit.checkpoint_path().write_text("")

    message = verify_audit_fails()

    assert (
        f"1 checkpoint(s) in the database are not in the file store {audit.checkpoint_path()}, "
        f"the first of {written.at.isoformat(timespec='microseconds')} recording "
        f"#{written.sequence}"
    ) in message


def test_a_file_checkpoint_missing_from_the_database_is_reported(personas, sign, administrator):
    applied(personas, "hangzhou")
    written = sign()
    administrator("DELETE FROM approvals_auditcheckpoint WHERE id = %s", [written.pk])

    message = verify_audit_fails()

    assert "1 checkpoint(s) in the file store are not in the database" in message
    assert f"recording #{written.sequence} as {written.hash}" in message


def test_events_removed_from_the_end_are_caught_by_a_later_checkpoint(
    personas, sign, administrator
):
    applied(personas, "hangzhou")
    written = sign()
    keep = written.sequence - 3
    administrator("DELETE FROM approvals_caseevent WHERE sequence > %s", [keep])
    kept = CaseEvent.objects.get(sequence=keep)
    administrator(
        "UPDATE approvals_auditchainhead SET last_sequence = %s, last_hash = %s WHERE id = 1",
        [keep, kept.hash],
    )

    assert audit.first_problem() is None
    assert (
        f"events after #{keep} were removed: the checkpoint of "
        f"{written.at.isoformat(timespec='microseconds')} records #{written.sequence} as "
        f"{written.hash}, the database ends at #{keep}"
    ) in verify_audit_fails()


def test_a_rolled_back_transaction_leaves_no_checkpoint(
    personas, django_capture_on_commit_callbacks
):
    application = applied(personas, "hangzhou")
    head = AuditChainHead.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            record_event(application, Action.EDITED, by=None, detail="never happened")
            made = audit.checkpoint()
            assert made.sequence == head.last_sequence + 1
            raise RuntimeError

    assert AuditCheckpoint.objects.count() == 0
    assert not audit.checkpoint_path().exists()
    assert AuditChainHead.objects.get().last_sequence == head.last_sequence


def test_the_hourly_task_signs_a_head_once(personas, django_capture_on_commit_callbacks, settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule[tasks.write_audit_checkpoint.name] == 3600
    application = applied(personas, "hangzhou")
    head = AuditChainHead.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.write_audit_checkpoint.apply().get()
    with django_capture_on_commit_callbacks(execute=True):
        again = tasks.write_audit_checkpoint.apply().get()

    assert first == again == head.last_sequence
    assert AuditCheckpoint.objects.count() == 1
    assert len(file_lines()) == 1

    record_event(application, Action.EDITED, by=None, detail="a new event")
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.write_audit_checkpoint.apply().get() == head.last_sequence + 1
    assert AuditCheckpoint.objects.count() == 2
    assert [line["sequence"] for line in file_lines()] == [first, first + 1]


def test_a_checkpoint_before_any_event_records_the_genesis(db, sign):
    made = sign()

    assert (made.sequence, made.hash) == (0, GENESIS)
    assert file_lines()[0]["sequence"] == 0
    call_command("verify_audit")


def test_a_checkpoint_is_written_by_hand(personas, django_capture_on_commit_callbacks, capsys):
    applied(personas, "hangzhou")
    head = AuditChainHead.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("verify_audit", "--checkpoint")

    assert f"#{head.last_sequence} {head.last_hash}" in capsys.readouterr().out
    assert [line["hash"] for line in file_lines()] == [head.last_hash]
