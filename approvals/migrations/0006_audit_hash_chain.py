import hashlib
import json

from django.db import migrations, models

GENESIS = "0" * 64


def digest(event):
    # A frozen copy of approvals.audit.event_digest: migrations don't import app code.
    content = [
        event.sequence,
        event.prev_hash,
        event.application_id,
        event.change_request_id,
        event.at.isoformat(),
        event.actor_id,
        event.actor_department,
        event.action,
        event.status_before,
        event.status_after,
        event.reason,
        event.detail,
    ]
    encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def chain_existing_events(apps, schema_editor):
    CaseEvent = apps.get_model("approvals", "CaseEvent")
    AuditChainHead = apps.get_model("approvals", "AuditChainHead")
    previous, sequence = GENESIS, 0
    for event in CaseEvent.objects.order_by("pk"):
        sequence += 1
        event.sequence, event.prev_hash = sequence, previous
        event.hash = digest(event)
        # Bypass the model's append-only guard: this is the one-time backfill.
        CaseEvent.objects.filter(pk=event.pk).update(
            sequence=event.sequence, prev_hash=event.prev_hash, hash=event.hash
        )
        previous = event.hash
    AuditChainHead.objects.create(pk=1, last_sequence=sequence, last_hash=previous)


APPEND_ONLY_TRIGGER = """
CREATE OR REPLACE FUNCTION approvals_caseevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'approvals_caseevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS approvals_caseevent_append_only ON approvals_caseevent;
CREATE TRIGGER approvals_caseevent_append_only
    BEFORE UPDATE OR DELETE ON approvals_caseevent
    FOR EACH ROW EXECUTE FUNCTION approvals_caseevent_append_only();
"""
DROP_TRIGGER = """
DROP TRIGGER IF EXISTS approvals_caseevent_append_only ON approvals_caseevent;
DROP FUNCTION IF EXISTS approvals_caseevent_append_only();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER, params=None)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0005_seed_change_kinds")]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("last_sequence", models.PositiveBigIntegerField(default=0)),
                ("last_hash", models.CharField(default=GENESIS, max_length=64)),
            ],
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="at",
            field=models.DateTimeField(editable=False, verbose_name="time"),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="caseevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="caseevent",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
