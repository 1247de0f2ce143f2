from django.db import migrations

from regions.roles import sync_roles

DEPARTMENTS = ["民政", "教育", "卫健", "公安", "司法", "残联", "检察院", "团委", "社会组织"]


def seed_departments(apps, schema_editor):
    Department = apps.get_model("casework", "Department")
    for order, name in enumerate(DEPARTMENTS, start=1):
        Department.objects.get_or_create(name=name, defaults={"sort_order": order})


class Migration(migrations.Migration):
    """The departments needs are referred to (editable later), and the roles' casework permissions."""

    dependencies = [
        ("casework", "0001_add_needs_referrals_supervision"),
        ("regions", "0006_staff_accounts_manage_permission"),
    ]
    operations = [
        migrations.RunPython(seed_departments, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
