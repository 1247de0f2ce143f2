from django.db import migrations

from core.migration_ops import analyze, spaced_index, trigram_extension, trigram_index


class Migration(migrations.Migration):
    """Issue 16: every field the mothers' search ORs has an index on PostgreSQL (core.search),
    so the OR is answered from them: trigram indexes for words of three characters or more,
    spaced ones for shorter words (the number fields are not searched by those). Teams too:
    ``team__name`` is searched as the ids of the teams named. Nothing on SQLite."""

    dependencies = [("volunteers", "0009_mother_account")]

    operations = [
        trigram_extension(),
        trigram_index("volunteers_volunteer", "volunteer_phone_trgm", "phone"),
        trigram_index("volunteers_volunteer", "volunteer_id_number_trgm", "id_number"),
        trigram_index("volunteers_volunteer", "volunteer_employer_trgm", "employer"),
        spaced_index("volunteers_volunteer", "volunteer_name_spaced", "name"),
        spaced_index("volunteers_volunteer", "volunteer_name_pinyin_spaced", "name_pinyin"),
        spaced_index("volunteers_volunteer", "volunteer_employer_spaced", "employer"),
        trigram_index("volunteers_volunteerteam", "volunteerteam_name_trgm", "name"),
        spaced_index("volunteers_volunteerteam", "volunteerteam_name_spaced", "name"),
        analyze("volunteers_volunteer", "volunteers_volunteerteam"),
    ]
