from django.db import migrations

from regions.roles import sync_roles


class Migration(migrations.Migration):
    """Grant the roles their month-close permissions (township submits, county closes)."""

    dependencies = [
        ("closing", "0001_add_month_close"),
        ("regions", "0003_sync_roles_audit"),
    ]
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
