"""Natural keys in the database: a visit's hashed key (child, date, mode, mothers, staff) and
an activity's title + date + township, so two imports or two form posts at once store one row.

Rows stored twice before this migration are kept, never deleted: of each set of identical
visits the oldest gets the key and the later copies keep an empty one (they stay in the
history and the ledgers, and can be corrected or deleted by hand); of each set of activities
with the same title, date and township the oldest keeps its title and the later ones get
"（重复 #id）" appended, with a history record saying why. Safe to run again.
"""

import hashlib
import unicodedata

from django.db import migrations, models
from django.utils import timezone

BATCH = 2000
ACTIVITY_REASON = "迁移：同名同日同乡镇的重复活动改名（未删除）"


def _visit_key(child_id, visited_on, mode_id, visitor_ids, staff):
    # Frozen copy of activities.services.visit_natural_key (migrations never import app code).
    mothers = ",".join(str(pk) for pk in sorted(set(visitor_ids)))
    staff = unicodedata.normalize("NFKC", staff or "").strip()
    raw = f"{child_id}|{visited_on.isoformat()}|{mode_id}|{mothers}|{staff}"
    return hashlib.sha256(raw.encode()).hexdigest()


def fill_visit_keys(apps, schema_editor):
    Visit = apps.get_model("activities", "Visit")
    through = Visit.visitors.through
    taken = set(Visit.objects.exclude(natural_key=None).values_list("natural_key", flat=True))
    pending = Visit.objects.filter(natural_key=None).order_by("pk")
    last = 0
    while True:
        chunk = list(pending.filter(pk__gt=last)[:BATCH])
        if not chunk:
            break
        last = chunk[-1].pk
        mothers = {}
        for visit_id, volunteer_id in through.objects.filter(visit_id__in=[v.pk for v in chunk]).values_list(
            "visit_id", "volunteer_id"
        ):
            mothers.setdefault(visit_id, []).append(volunteer_id)
        keyed = []
        for visit in chunk:
            key = _visit_key(
                visit.child_id, visit.visited_on, visit.mode_id, mothers.get(visit.pk, []), visit.staff_visitors
            )
            if key not in taken:  # a later copy of a visit already keyed stays without a key
                taken.add(key)
                visit.natural_key = key
                keyed.append(visit)
        Visit.objects.bulk_update(keyed, ["natural_key"])


def rename_duplicate_activities(apps, schema_editor):
    Activity = apps.get_model("activities", "Activity")
    History = apps.get_model("activities", "HistoricalActivity")
    duplicates = (
        Activity.objects.values("title", "held_on", "region_id")
        .annotate(n=models.Count("pk"), first=models.Min("pk"))
        .filter(n__gt=1)
    )
    history_fields = {f.attname for f in History._meta.concrete_fields}
    for group in duplicates:
        later = Activity.objects.filter(
            title=group["title"], held_on=group["held_on"], region_id=group["region_id"]
        ).exclude(pk=group["first"])
        for activity in later:
            suffix = f"（重复 #{activity.pk}）"
            activity.title = activity.title[: 200 - len(suffix)] + suffix
            activity.save(update_fields=["title"])
            values = {
                f.attname: getattr(activity, f.attname)
                for f in Activity._meta.concrete_fields
                if f.attname in history_fields
            }
            History.objects.create(
                **values,
                history_date=timezone.now(),
                history_type="~",
                history_change_reason=ACTIVITY_REASON,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0004_add_history"),
        ("children", "0005_add_history"),
        ("regions", "0003_sync_roles_audit"),
        ("volunteers", "0003_add_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="visit",
            name="entry_token",
            field=models.UUIDField(editable=False, null=True, unique=True, verbose_name="form token"),
        ),
        migrations.AddField(
            model_name="visit",
            name="natural_key",
            field=models.CharField(editable=False, max_length=64, null=True, unique=True, verbose_name="natural key"),
        ),
        migrations.RunPython(fill_visit_keys, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(rename_duplicate_activities, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.UniqueConstraint(
                fields=("title", "held_on", "region"), name="activity_unique_title_date_township"
            ),
        ),
    ]
