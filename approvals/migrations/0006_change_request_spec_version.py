from django.db import migrations, models


def copy_registered_version(apps, schema_editor):
    """Open and past change requests keep the version they were made from."""
    ChangeRequest = apps.get_model("approvals", "ChangeRequest")
    for change in ChangeRequest.objects.select_related("base_version"):
        change.spec_version = change.base_version.spec_version
        change.save(update_fields=["spec_version"])


def add_kind(apps, schema_editor):
    apps.get_model("approvals", "ChangeKind").objects.get_or_create(
        code="spec_version",
        defaults={
            "name": "卡规范版本变更 Change of card specification version",
            "route": "reapproval",
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0005_application_form_rules"),
        ("issuers", "0003_division_code_rule"),
    ]

    operations = [
        migrations.AddField(
            model_name="changerequest",
            name="spec_version",
            field=models.CharField(
                choices=[("1.00", "1.00"), ("2.00", "2.00"), ("3.00", "3.00")],
                default="3.00",
                help_text="A change of version changes the card's file structure: it takes re-approval.",
                max_length=4,
                verbose_name="card specification version",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_registered_version, migrations.RunPython.noop),
        migrations.RunPython(add_kind, migrations.RunPython.noop),
    ]
