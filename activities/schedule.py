"""The stored visit schedule: ``Child.last_visited_on``, the date of the child's latest visit
that counts (``schedule_visits``), kept by the visit service in the transaction that writes the
visit, so the overdue list and its counts read one indexed column instead of probing the
visits of every child (issue 16).

``schedule_visits`` is the one definition of the visits that count; everything here (the
refresh after a write, the repair of every child, the drift check) derives from it. The
migration that added the column (children 0015) froze a copy of it in SQL.
"""

import datetime

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Subquery

from children.models import Child

from .models import Visit


def schedule_visits():
    """The visits that count for the visit schedule: every visit recorded for the child (the
    phone page, the admin, imports). Contacts recorded another way count once they are added
    here, and only here."""
    return Visit.objects.all()


def latest_visits():
    """``child_id`` and ``last``, the date of its latest counting visit, one row per child."""
    return schedule_visits().order_by().values("child_id").annotate(last=Max("visited_on"))


def schedule_refresh(*, child_ids) -> None:
    """Recompute ``last_visited_on`` of the children ``child_ids`` from their visits.

    Called by every write of a visit, in its transaction, after the write. The children's rows
    are locked first (``FOR NO KEY UPDATE``, in id order) and the dates read afterwards, in a
    statement of their own: under READ COMMITTED that statement sees every visit committed by a
    transaction that held the lock before, so two visits saved for one child at the same moment
    leave the later date, whichever commits last, and an edit or a delete that moves the latest
    visit back is counted too (a ``GREATEST`` would not undo a date). ``NO KEY``: inserting a
    visit takes a key-share lock on its child, which this lock does not wait for, so two
    writers of visits for one child cannot deadlock on each other here.
    """
    ids = sorted({pk for pk in child_ids if pk is not None})
    if not ids:
        return
    with transaction.atomic():
        locked = Child.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
        list(locked.values_list("pk", flat=True))
        latest = latest_visits().filter(child_id=OuterRef("pk")).values("last")
        Child.objects.filter(pk__in=ids).update(last_visited_on=Subquery(latest))


def schedule_drift(*, limit: int | None = None) -> tuple[int, list[tuple[int, object, object]]]:
    """Children whose stored ``last_visited_on`` differs from their visits: the number of them,
    and up to ``limit`` (None: all) as ``(child id, stored, recomputed)``, lowest id first.
    One pass over the visits grouped by child, whatever the number of children."""
    sql, params = latest_visits().query.sql_with_params()
    table = connection.ops.quote_name(Child._meta.db_table)
    differs = "c.last_visited_on IS DISTINCT FROM v.last"
    query = f"SELECT c.id, c.last_visited_on, v.last FROM {table} c LEFT JOIN ({sql}) v ON v.child_id = c.id WHERE {differs} ORDER BY c.id"  # noqa: E501, S608 - Django's own SQL
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    shown = rows if limit is None else rows[:limit]
    return len(rows), [(pk, _day(stored), _day(recomputed)) for pk, stored, recomputed in shown]


def _day(value):
    # SQLite returns the dates of a raw query as text.
    if isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return value


@transaction.atomic
def schedule_refresh_all() -> int:
    """Set every child's ``last_visited_on`` from its visits in two statements (an UPDATE from the
    visits grouped by child, then NULL for children without one); returns the rows changed.
    For ``check_visit_schedule --fix`` and the demo data, which write visits in bulk."""
    sql, params = latest_visits().query.sql_with_params()
    table = connection.ops.quote_name(Child._meta.db_table)
    with connection.cursor() as cursor:
        where = f"v.child_id = {table}.id AND {table}.last_visited_on IS DISTINCT FROM v.last"
        cursor.execute(f"UPDATE {table} SET last_visited_on = v.last FROM ({sql}) v WHERE {where}", params)  # noqa: S608
        changed = cursor.rowcount
    unvisited = Child.objects.filter(last_visited_on__isnull=False).filter(
        ~Exists(schedule_visits().filter(child=OuterRef("pk")))
    )
    return changed + unvisited.update(last_visited_on=None)
