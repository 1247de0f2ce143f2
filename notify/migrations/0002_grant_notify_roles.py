from django.db import migrations

from notify.roles import grant_roles


class Migration(migrations.Migration):
    """Every role reads its own messages and keeps its settings; county admins manage group robots."""

    dependencies = [
        ("notify", "0001_add_messages_deliveries_settings_robots"),
        ("regions", "0006_staff_accounts_manage_permission"),
    ]
    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
