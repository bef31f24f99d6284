"""On PostgreSQL the database itself refuses to change or remove a timeline event."""

from django.db import migrations

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
    dependencies = [("approvals", "0002_seed_change_kinds")]

    operations = [migrations.RunPython(add_trigger, drop_trigger)]
