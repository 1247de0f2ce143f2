"""Existing children entered the programme on the day they were registered: the earlier of their
creation time and their first history row, as a local date. Only rows still without a date are
touched, so running it again changes nothing."""

from django.db import migrations
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Least, TruncDate


def backfill(apps, schema_editor):
    Child = apps.get_model("children", "Child")
    HistoricalChild = apps.get_model("children", "HistoricalChild")
    registered = TruncDate("created_at")
    first_history = (
        HistoricalChild.objects.filter(id=OuterRef("pk")).order_by("history_date").values("history_date")[:1]
    )
    first_day = TruncDate(Subquery(first_history))
    Child.objects.filter(entered_on__isnull=True).update(entered_on=Least(registered, Coalesce(first_day, registered)))
    # History rows carry the child's date; rows of a child since deleted, the day they were written.
    entered = Child.objects.filter(pk=OuterRef("id")).values("entered_on")[:1]
    HistoricalChild.objects.filter(entered_on__isnull=True).update(
        entered_on=Coalesce(Subquery(entered), TruncDate("history_date"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("children", "0006_add_entered_on"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
