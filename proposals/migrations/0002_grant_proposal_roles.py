from django.db import migrations

from proposals.roles import grant_roles


class Migration(migrations.Migration):
    """Township staff propose; county admins propose and decide; viewers read."""

    dependencies = [
        ("proposals", "0001_proposal"),
        ("regions", "0006_staff_accounts_manage_permission"),
    ]
    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
