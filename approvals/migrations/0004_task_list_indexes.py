"""Indexes on viewflow's task table for the task lists (see bench/lists.py).

viewflow indexes status, owner and created separately; the lists filter on several columns
and sort by created, so on a national table the planner walks the created index and reads
most tasks. These composite indexes serve the queue (permission and object of the task),
the inbox (owner) and the per-case task lookups directly. Plain SQL that both PostgreSQL and
SQLite understand.
"""

from django.db import migrations

INDEXES = {
    "approvals_task_queue": "owner_permission, owner_permission_obj_pk, status, created",
    "approvals_task_inbox": "owner_id, status, created",
}


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0003_timeline_append_only"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON viewflow_task ({columns})",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
