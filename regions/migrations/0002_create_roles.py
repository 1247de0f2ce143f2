from django.db import migrations

from regions.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("children", "0004_seed_visit_policy"),
        ("volunteers", "0002_seed_sectors"),
        ("activities", "0003_visit_photos"),
        ("pairing", "0001_initial"),
    ]
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
