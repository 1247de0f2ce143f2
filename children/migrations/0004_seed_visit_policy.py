from django.db import migrations

DEFAULTS = {"red": 14, "yellow": 30, "green": 90}


def seed(apps, schema_editor):
    VisitPolicy = apps.get_model("children", "VisitPolicy")
    for colour, days in DEFAULTS.items():
        VisitPolicy.objects.get_or_create(card_colour=colour, defaults={"interval_days": days})


class Migration(migrations.Migration):
    dependencies = [("children", "0003_visit_policy")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
