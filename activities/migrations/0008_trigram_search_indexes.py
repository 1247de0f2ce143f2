from django.db import migrations

from core.migration_ops import trigram_extension, trigram_index


class Migration(migrations.Migration):
    """Issue 16: the visits search by staff name (VisitAdmin._search) on PostgreSQL: a partial
    trigram index holding only the visits that name staff; nothing on SQLite."""

    dependencies = [("activities", "0007_changelist_order_indexes")]

    operations = [
        trigram_extension(),  # kept when migrating back: other apps' indexes use it
        trigram_index("activities_visit", "visit_staff_trgm", "staff_visitors", where="staff_visitors <> ''"),
    ]
