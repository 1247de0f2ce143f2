from django.db import migrations

from core.migration_ops import analyze, spaced_index, trigram_extension, trigram_index


class Migration(migrations.Migration):
    """Issue 16: the activities' search (title, place, description) and the visits' search by
    staff name on PostgreSQL (core.search): trigram indexes for words of three characters or
    more, spaced ones for shorter words. The activities' search walked all 200,070 rows of a
    province for a surname (3.6 s). Nothing on SQLite."""

    dependencies = [("activities", "0009_visit_source")]

    operations = [
        trigram_extension(),
        trigram_index("activities_activity", "activity_title_trgm", "title"),
        trigram_index("activities_activity", "activity_place_trgm", "place"),
        trigram_index("activities_activity", "activity_description_trgm", "description"),
        spaced_index("activities_activity", "activity_title_spaced", "title"),
        spaced_index("activities_activity", "activity_place_spaced", "place"),
        spaced_index("activities_activity", "activity_description_spaced", "description"),
        spaced_index("activities_visit", "visit_staff_spaced", "staff_visitors", where="staff_visitors <> ''"),
        analyze("activities_activity", "activities_visit"),
    ]
