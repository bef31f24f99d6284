import hashlib

from django.db import migrations, models


def digest(file) -> str:
    try:
        with file.open("rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except (FileNotFoundError, ValueError):
        return ""  # no file to read: compared as changed, as before


def backfill(apps, schema_editor):
    """Surfaces stored before their content hash was: hash them once, here."""
    for model in (
        apps.get_model("approvals", "ChangeRequest"),
        apps.get_model("issuers", "CardSpecification"),
    ):
        for row in model.objects.exclude(surface="").filter(surface_sha256=""):
            row.surface_sha256 = digest(row.surface)
            row.save(update_fields=["surface_sha256"])


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0010_application_file_structure"),
        ("issuers", "0006_surface_sha256"),
    ]

    operations = [
        migrations.AddField(
            model_name="changerequest",
            name="surface_sha256",
            field=models.CharField(blank=True, db_default="", editable=False, max_length=64),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
