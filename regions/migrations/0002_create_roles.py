from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from regions.roles import ROLES


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in global_apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in perms]
        group.permissions.add(*wanted)


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("children", "0002_seed_lookups"),
        ("volunteers", "0002_seed_sectors"),
        ("activities", "0002_seed_lookups"),
        ("pairing", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
