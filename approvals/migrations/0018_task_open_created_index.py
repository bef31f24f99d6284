"""The queue, newest first: a partial index over the open human tasks in order of creation.

The queue's filter is an OR of the (permission, object) pairs a user holds; the database
combined their index lookups and then sorted every match, which at a million cases meant the
Ministry's whole queue for each page. Walking this index in order stops after a page (and
the capped count after its cap): the same cost at a hundred thousand cases and at a million
(bench.scale). Plain SQL that both PostgreSQL and SQLite understand.
"""

from django.db import migrations

NAME = "approvals_task_open_created"


class Migration(migrations.Migration):
    dependencies = [("approvals", "0017_clock_applicant")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON viewflow_task (created) "
            "WHERE status = 'NEW' AND flow_task_type = 'HUMAN'",
            reverse_sql=f"DROP INDEX IF EXISTS {NAME}",
        )
    ]
