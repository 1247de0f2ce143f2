"""County admins read the access log: grant its view permission to the role (sync_roles)."""

from django.db import migrations

from regions.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_add_access_event"),
        ("regions", "0003_sync_roles_audit"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
