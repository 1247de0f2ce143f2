from django.db import migrations

from core.migration_ops import trigram_extension, trigram_index


class Migration(migrations.Migration):
    """Issue 16: mothers by name (the visits and pairings searches, the mother picker) served by
    a trigram index on PostgreSQL; nothing on SQLite."""

    dependencies = [("volunteers", "0006_changelist_order_indexes")]

    operations = [
        trigram_extension(),  # kept when migrating back: other apps' indexes use it
        trigram_index("volunteers_volunteer", "volunteer_name_trgm", "name"),
    ]
