"""The one fast insert of many rows: COPY on PostgreSQL, ``bulk_create`` elsewhere.

The demo generator and the ledger imports write through it. ``insert_with_history`` adds the
history rows simple-history's ``bulk_create_with_history`` would write, built as plain tuples
(no historical model instance per row) and copied the same way.
"""

import json
import time

from django.db import connection
from django.db.models import JSONField
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model

BATCH = 5000


def copies() -> bool:
    """Whether rows go in with COPY (PostgreSQL); else through ``bulk_create``."""
    return connection.vendor == "postgresql"


def _adapter(field):
    """How a Python value of ``field`` becomes a value COPY can write; None: as it is.

    psycopg writes str, int, date, datetime, Decimal, bool and None itself; a list or dict would
    go out as an array, so JSON goes through the field's own preparation (psycopg's Jsonb)."""
    if isinstance(field, JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def column_defaults(model, given, now) -> dict:
    """{attname: value} of ``model``'s fields not in ``given`` (nor the primary key): ``now`` for
    auto timestamps, the field's default, NULL when nullable, else "" — what ``bulk_create``
    would write for a field left unset."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.attname in given or field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.has_default():
            value = field.get_default()
        else:
            value = None if field.null else ""
        values[field.attname] = value
    return values


def insert_rows(
    model, columns: list[str], rows: list[tuple], *, with_ids: bool = False, constants: dict | None = None, now=None
) -> list[int]:
    """Insert plain tuples of ``columns`` (attnames) into ``model``'s table, fast.

    PostgreSQL gets COPY (ids reserved from the table's sequence first when ``with_ids``), which
    skips building a model instance and compiling an INSERT per batch; other databases get
    ``bulk_create``. ``constants`` ({attname: value}) are the same in every row; fields in
    neither take their default (``column_defaults``, ``now`` for auto timestamps). Returns the
    new primary keys in order when ``with_ids``. A database error comes out as Django's (an
    IntegrityError, OperationalError…), so callers handle it as they would an INSERT's.
    """
    if not rows:
        return []
    constants = dict(constants or {})
    if not copies():
        objs = model.objects.bulk_create(
            (model(**dict(zip(columns, row, strict=True)), **constants) for row in rows), BATCH
        )
        return [obj.pk for obj in objs] if with_ids else []
    now = now or timezone.now()
    constants.update(column_defaults(model, {*columns, *constants}, now))
    fill = []
    for name, value in constants.items():
        field = model._meta.get_field(name)
        if isinstance(field, JSONField):  # its text once, not psycopg's dump in every row
            fill.append(None if value is None else json.dumps(value, cls=field.encoder))
        else:
            fill.append(value)
    adapters = [(pos, adapt) for pos, c in enumerate(columns) if (adapt := _adapter(model._meta.get_field(c)))]
    table = model._meta.db_table
    names = [model._meta.get_field(c).column for c in [*columns, *constants]]
    ids = []
    started = time.monotonic()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if with_ids:
            pk = model._meta.pk.column
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, len(rows)]
            )
            ids = [r[0] for r in cursor.fetchall()]
            names.insert(0, pk)
        sql = "COPY {} ({}) FROM STDIN".format(
            connection.ops.quote_name(table), ", ".join(connection.ops.quote_name(n) for n in names)
        )
        fill = tuple(fill)
        with cursor.cursor.copy(sql) as copy:
            write = copy.write_row
            if adapters:
                for n, row in enumerate(rows):
                    row = list(row)
                    for pos, adapt in adapters:
                        row[pos] = adapt(row[pos])
                    write((ids[n], *row, *fill) if with_ids else (*row, *fill))
            elif with_ids:
                for row_id, row in zip(ids, rows, strict=True):
                    write((row_id, *row, *fill))
            else:
                for row in rows:
                    write((*row, *fill))
    if connection.queries_logged:  # COPY runs on psycopg's cursor: counted like any query
        spent = f"{time.monotonic() - started:.3f}"
        connection.queries_log.append({"sql": f"{sql} -- {len(rows)} rows", "time": spent})
    return ids


def fill_derived(objs: list) -> None:
    """What save() computes from other fields (a child's or mother's pinyin, for search): COPY
    and ``bulk_create`` skip save(), so every bulk path here calls this first."""
    for obj in objs:
        if hasattr(obj, "fill_derived"):
            obj.fill_derived()


def insert_objects(objs: list) -> list:
    """``bulk_create`` for unsaved instances of one model, through ``insert_rows`` (COPY on
    PostgreSQL); the instances get their primary keys and what save() derives."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    fill_derived(objs)
    if not copies():
        return model.objects.bulk_create(objs, BATCH)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [tuple(f.pre_save(obj, True) for f in fields) for obj in objs]
    ids = insert_rows(model, [f.attname for f in fields], rows, with_ids=True)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, "default"
    return objs


def insert_with_history(objs: list, *, user=None, reason: str = "") -> list:
    """``bulk_create_with_history`` through ``insert_objects``: the new rows, then one "+" history
    row each with the same values simple-history writes (its tracked fields, ``history_user``
    from the instance's ``_history_user`` else ``user``, ``history_change_reason`` from its
    ``_change_reason`` else ``reason``, ``history_date`` now)."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    if not copies():
        fill_derived(objs)
        return bulk_create_with_history(objs, model, batch_size=BATCH, default_user=user, default_change_reason=reason)
    insert_objects(objs)
    history = get_history_manager_for_model(model).model
    tracked = [f.attname for f in history.tracked_fields]
    user_column = history._meta.get_field("history_user").attname
    relation = ["history_relation_id"] if hasattr(history, "history_relation") else []
    now = timezone.now()
    rows = [
        (
            *(getattr(obj, name) for name in tracked),
            getattr(obj, "_history_date", now),
            getattr(getattr(obj, "_history_user", user), "pk", None),
            getattr(obj, "_change_reason", None) or reason,
            "+",
            *([obj.pk] if relation else []),
        )
        for obj in objs
    ]
    columns = [*tracked, "history_date", user_column, "history_change_reason", "history_type", *relation]
    insert_rows(history, columns, rows)
    return objs


def insert_rows_with_history(model, columns: list[str], rows: list[tuple], *, user=None, reason: str = "") -> list[int]:
    """``insert_rows`` and one "+" history row each, from the same tuples (no model instance at
    all). Tracked fields not in ``columns`` take their default in both tables (the same value:
    one clock reading for the timestamps). Returns the new primary keys."""
    if not rows:
        return []
    history = get_history_manager_for_model(model).model
    if not copies():
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        bulk_create_with_history(objs, model, batch_size=BATCH, default_user=user, default_change_reason=reason)
        return [obj.pk for obj in objs]
    now = timezone.now()
    ids = insert_rows(model, columns, rows, with_ids=True, now=now)
    pk = model._meta.pk.attname
    tracked = [f.attname for f in history.tracked_fields]
    at = {name: pos for pos, name in enumerate(columns)}
    defaults = column_defaults(model, {*at, pk}, now)
    picks = [at[name] for name in tracked if name in at]
    history_rows = [(row_id, *(row[pos] for pos in picks)) for row_id, row in zip(ids, rows, strict=True)]
    user_column = history._meta.get_field("history_user").attname
    constants = {
        **{name: defaults[name] for name in tracked if name != pk and name not in at},
        "history_date": now,
        user_column: getattr(user, "pk", None),
        "history_change_reason": reason or "",
        "history_type": "+",
    }
    insert_rows(history, [pk, *(name for name in tracked if name in at)], history_rows, constants=constants, now=now)
    return ids
