from django.db import migrations

# The regulation's two lists (seed 000, procedure step 4); both end in "etc.", so admins may add more.
KINDS = [
    ("surface", "卡面变更 Change of card surface", "reapproval"),
    ("file_structure", "卡内文件结构变更 Change of card file structure", "reapproval"),
    ("supplier", "变更供卡厂商 Change of card supplier", "filing"),
    ("product", "变更卡产品 Change of card product", "filing"),
    ("population", "扩大发卡人群 Wider cardholder population", "filing"),
    ("quantity_increase", "增加拟发卡数量 More planned cards", "filing"),
]


def seed(apps, schema_editor):
    ChangeKind = apps.get_model("approvals", "ChangeKind")
    for code, name, route in KINDS:
        ChangeKind.objects.get_or_create(code=code, defaults={"name": name, "route": route})


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
