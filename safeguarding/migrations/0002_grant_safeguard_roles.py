from django.db import migrations

from safeguarding.roles import grant_roles


class Migration(migrations.Migration):
    """County admins see, receive and close 强制报告; township staff file them; both record consent."""

    dependencies = [
        ("safeguarding", "0001_add_mandatory_reports_and_consent"),
        ("regions", "0006_staff_accounts_manage_permission"),
    ]
    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
