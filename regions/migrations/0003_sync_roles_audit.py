from django.db import migrations

from regions.roles import sync_roles


class Migration(migrations.Migration):
    """Grant the roles their new permissions (audit log views) now that those models exist."""

    dependencies = [
        ("regions", "0002_create_roles"),
        ("audit", "0001_initial"),
        ("children", "0005_add_history"),
        ("volunteers", "0003_add_history"),
        ("activities", "0004_add_history"),
        ("pairing", "0002_add_history"),
    ]
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
