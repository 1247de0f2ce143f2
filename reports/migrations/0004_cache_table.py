"""The database cache's table (settings.CACHES: dbcache://django_cache in production), so the
dashboard's cache is shared by every app server process from the first `migrate` on."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Creates the table of each configured database cache, and nothing when there is none
    # (development's memory cache); a table already there is left alone.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_region_month_figures")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True)]
