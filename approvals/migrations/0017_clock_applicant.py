"""Each clock keeps its case's applying department (`applicant`), filled for the clocks
already there, so that an overdue list scoped to a jurisdiction is served by an index on
(applicant, due_at) instead of joining every overdue clock to its case."""

import django.db.models.deletion
from django.db import migrations, models

BACKFILL = """
UPDATE approvals_stepclock SET applicant_id = (
    SELECT department_id FROM approvals_case WHERE approvals_case.id = approvals_stepclock.case_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0016_case_newest_index"),
        ("issuers", "0008_search_trigram_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="stepclock",
            name="applicant",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="issuers.department",
            ),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="stepclock",
            name="applicant",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="issuers.department",
            ),
        ),
        migrations.AddIndex(
            model_name="stepclock",
            index=models.Index(
                condition=models.Q(("stopped_at__isnull", True), ("suspended_since__isnull", True)),
                fields=["applicant", "due_at"],
                name="clock_applicant_due",
            ),
        ),
    ]
