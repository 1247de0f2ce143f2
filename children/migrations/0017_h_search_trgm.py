from django.db import migrations

from core.migration_ops import analyze, spaced_index, trigram_extension, trigram_index


class Migration(migrations.Migration):
    """Issue 16: the children's and card changes' searches on PostgreSQL (core.search): the
    spaced indexes serve words of one or two characters (a surname), the trigram index the
    longer ones; nothing on SQLite."""

    dependencies = [("children", "0016_child_last_visited_on")]

    operations = [
        trigram_extension(),
        spaced_index("children_child", "child_name_spaced", "name"),
        spaced_index("children_child", "child_name_pinyin_spaced", "name_pinyin"),
        spaced_index("children_child", "child_guardian_name_spaced", "guardian_name"),
        trigram_index("children_cardchange", "cardchange_reason_trgm", "reason"),
        spaced_index("children_cardchange", "cardchange_reason_spaced", "reason"),
        analyze("children_child", "children_cardchange"),
    ]
