from django.db import migrations

from core.migration_ops import analyze, spaced_index, trigram_extension, trigram_index


class Migration(migrations.Migration):
    """Issue 16: searches naming a township (the mothers' ``region__name``) read the regions
    named from an index on PostgreSQL (core.search); nothing on SQLite."""

    dependencies = [("regions", "0006_staff_accounts_manage_permission")]

    operations = [
        trigram_extension(),
        trigram_index("regions_region", "region_name_trgm", "name"),
        spaced_index("regions_region", "region_name_spaced", "name"),
        analyze("regions_region"),
    ]
