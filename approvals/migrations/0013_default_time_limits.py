"""The time limits of the steps, as the Administrative Licensing Law sets them (admin-editable
afterwards; a running step keeps the limit it started with)."""

from django.db import migrations

from approvals.statutory_limits import LIMITS, defaults_for


def create_limits(apps, schema_editor):
    TimeLimit = apps.get_model("worktime", "TimeLimit")
    for step in LIMITS:
        TimeLimit.objects.get_or_create(step=step, defaults=defaults_for(step))


class Migration(migrations.Migration):
    dependencies = [("approvals", "0012_time_limits"), ("worktime", "0001_initial")]

    operations = [migrations.RunPython(create_limits, migrations.RunPython.noop)]
