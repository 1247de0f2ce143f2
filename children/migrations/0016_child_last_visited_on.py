"""Child.last_visited_on: the stored date of the child's latest visit (issue 16), filled here from
the visits in one statement, then indexed with status and card colour for the overdue list.

The visits that count are frozen here as they are when this runs: every visit
(``activities.schedule.schedule_visits``). Reversing drops the column; running it again fills
it again.
"""

from django.db import migrations, models

BACKFILL = """
UPDATE children_child SET last_visited_on = v.last
FROM (SELECT child_id, MAX(visited_on) AS last FROM activities_visit GROUP BY child_id) v
WHERE v.child_id = children_child.id
"""


def backfill(apps, schema_editor):
    # One pass over the visits grouped by child (1.7M visits, 100k children: a few seconds),
    # not a probe per child. PostgreSQL and SQLite (3.33+) both read UPDATE … FROM.
    schema_editor.execute(BACKFILL)
    if schema_editor.connection.vendor == "postgresql":
        # Statistics for the new column at once: without them the planner guesses that a third
        # of the children are overdue and reads the whole table instead of the index.
        schema_editor.execute("ANALYZE children_child")


class Migration(migrations.Migration):
    dependencies = [
        ("children", "0015_exit_reasons_and_text"),
        ("regions", "0006_staff_accounts_manage_permission"),
        ("activities", "0008_trigram_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="child",
            name="last_visited_on",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="last visited on"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        # After the fill: building the index once is cheaper than keeping it through the UPDATE.
        migrations.AddIndex(
            model_name="child",
            index=models.Index(fields=["status", "card_colour", "last_visited_on"], name="child_visit_schedule"),
        ),
    ]
