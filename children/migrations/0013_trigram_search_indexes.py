from django.db import migrations

from core.migration_ops import trigram_extension, trigram_index


class Migration(migrations.Migration):
    """Issue 16: the children search (name, ID number, guardian, guardian's phone — every field
    it ORs, so PostgreSQL can combine the indexes) and the visits search's "children named …"
    served by trigram indexes on PostgreSQL; nothing on SQLite."""

    dependencies = [("children", "0012_changelist_order_indexes")]

    operations = [
        trigram_extension(),  # kept when migrating back: other apps' indexes use it
        trigram_index("children_child", "child_name_trgm", "name"),
        trigram_index("children_child", "child_id_number_trgm", "id_number"),
        trigram_index("children_child", "child_guardian_name_trgm", "guardian_name"),
        trigram_index("children_child", "child_guardian_phone_trgm", "guardian_phone"),
    ]
