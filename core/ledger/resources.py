"""The one import engine behind every ledger, in the admin and in ``import_ledger``.

django-import-export drives it (``import_data`` with dry-run preview, then confirm), but the
row loop is our own because a ledger is not a list of independent rows: the header sits
below title rows, several rows form one pairing, the same child may appear twice, and any
error anywhere means nothing is written. Each ledger's resource (``<app>/resources.py``)
says which columns it reads, how one row becomes a plan, and how a plan is written.

Flow: grid → header → rows → ``plan_row`` each (no writes, cached look-ups) → ``plan_file``
(checks across rows) → if any error: report them all, write nothing → else run every plan's
``write`` inside one transaction. New rows whose plans say ``bulk`` are inserted a batch at a
time by the resource's ``create_many`` (one insert per table per batch, not one per row).
"""

import datetime
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connections,
    transaction,
)
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.results import Error, Result, RowResult
from tablib import Dataset

from core.bulk import insert_with_history
from core.idnumber import IdInfo, normalise_phone, parse_id_number, validate_phone
from core.masking import IMPORT_LIMITED, REFUSED, identity_tries_left, identity_try, log_refusal, sees_full_identity
from core.signals import access_logged, ledger_exported, ledger_imported
from regions.scoping import user_region
from reports.summary import rows_created as figures_changed_by

from .conflicts import FieldChange, FieldHistory
from .headers import Column, HeaderError, find_header, footer_start, footer_text
from .ledger_date import find_ledger_date
from .lookups import RegionIndex  # the resources import it from here too
from .values import CellError, text

ROW_NUMBER = "__row__"
#: The change reason on history records (and card changes) written by importing a ledger.
IMPORT_REASON = "台账导入"


logger = logging.getLogger(__name__)

#: A lost or broken connection is no fault of any row: the whole file is refused, nothing written.
CONNECTION_ERRORS = (OperationalError, InterfaceError)
#: SQLSTATEs of a lock not granted in time: lock_not_available, deadlock, serialization failure.
BUSY_SQLSTATES = {"55P03", "40P01", "40001"}


def is_busy(exc: Exception) -> bool:
    """Whether ``exc`` is the database refusing to wait for a lock another writer holds — SQLite's
    "database is locked" while the job worker writes, or PostgreSQL's lock timeout or deadlock."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in BUSY_SQLSTATES or getattr(cause, "pgcode", None) in BUSY_SQLSTATES:
        return True
    words = str(exc).lower()
    return "database is locked" in words or "database table is locked" in words or "busy" in words


def system_message(exc: Exception) -> str:
    """The Chinese file-level message for a database error that is no row's fault."""
    if is_busy(exc):
        return gettext(
            "The database was busy with another write (such as a background job) and the import could not "
            "wait for it; nothing was imported. Please confirm the import again in a moment."
        )
    return gettext("The database connection was lost; nothing was imported. Please try again later.")


class _Rollback(Exception):
    pass


def _refusal(exc: DatabaseError) -> str:
    """The row message for a database refusal, in Chinese words; the English text goes to the log."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    # The constraint's name and the SQLSTATE, not the message: it would quote the row's values.
    logger.warning(
        "ledger import: the database refused a row: %s %s %s",
        type(exc).__name__,
        getattr(cause, "sqlstate", "") or "",
        getattr(diag, "constraint_name", "") or "",
    )
    if isinstance(exc, IntegrityError):
        return gettext("the database refused the row: it clashes with a record already saved")
    if isinstance(exc, DataError):
        return gettext("the database refused the row: a value is too long, out of range or cannot be stored")
    return gettext("the database refused the row")


@dataclass
class SourceRow:
    number: int  # the row number as Excel shows it
    cells: dict[str, Any]
    #: a signature or note line under the table (the whole row's text), not data
    footer: str = ""

    def raw(self, key: str):
        return self.cells.get(key, "")


@dataclass
class Plan:
    """What one row will do; ``write`` is None for a skipped row."""

    row: SourceRow
    import_type: str
    write: Callable[[], Any] | None = None
    note: str = ""
    key: Any = None
    extra: dict = field(default_factory=dict)
    #: the row's model instance, when a preview can validate it without writing
    instance: Any = None
    #: a new ``instance`` that ``create_many`` inserts together with the other new rows;
    #: ``write`` still writes it alone (used to name the row the database refuses)
    bulk: bool = False
    #: makes ``instance`` when it is needed: a batch of new rows at a time, so that a file of
    #: 50,000 rows never holds 50,000 model instances at once
    build: Callable[[], Any] | None = None
    #: a new row as {field name or attname: value}, when the resource writes new rows from
    #: values (``check_values`` checks them as ``check_instance`` would the instance)
    values: dict | None = None

    def made(self):
        """The row's instance, made now if it is built on demand."""
        if self.instance is None and self.build is not None:
            self.instance = self.build()
        return self.instance

    def release(self) -> None:
        """Forget an instance that can be built again (it is written or checked)."""
        if self.build is not None:
            self.instance = None


class LedgerRowResult(RowResult):
    """One row of the result. Its cells for the preview's table (``diff``) are worked out when
    the table shows the row, not for every row of a file (a preview shows the first rows only,
    a confirmed import none)."""

    source: SourceRow | None = None
    columns: list = []

    @property
    def diff(self):
        if self._diff is None and self.source is not None:
            self._diff = [LedgerResource._display(self.source.raw(c.key)) for c in self.columns]
        return self._diff

    @diff.setter
    def diff(self, value):
        self._diff = value


class Problems:
    """Every error of a file, per Excel row and column, collected before anything is written."""

    def __init__(self, resource):
        self.resource = resource
        self.by_row: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.rows: dict[int, SourceRow] = {}

    def add(self, row: SourceRow, key: str | None, message, value=None):
        label = self.resource.column(key).label if key else gettext("row")
        if value is None and key:
            value = row.raw(key)
        shown = text(value) if not isinstance(value, float) else repr(value).replace("e+", "E+")
        message = str(message)
        if shown:
            message = gettext("“%(value)s”: %(message)s") % {"value": shown, "message": message}
        self.by_row[row.number][label].append(message)
        self.rows[row.number] = row

    def __bool__(self):
        return bool(self.by_row)

    def __contains__(self, row: SourceRow):
        return row.number in self.by_row


def summary_counts(result: Result) -> dict[str, int]:
    """Each row counted once; a row with a change left unapplied counts as a conflict only."""
    errors = len(result.invalid_rows) + len(result.error_rows) + len(result.base_errors)
    conflicts = getattr(result, "conflict_counts", Counter())
    return {
        "new": result.totals[RowResult.IMPORT_TYPE_NEW],
        "updated": result.totals[RowResult.IMPORT_TYPE_UPDATE] - conflicts[RowResult.IMPORT_TYPE_UPDATE],
        "conflicts": sum(conflicts.values()),
        "skipped": result.totals[RowResult.IMPORT_TYPE_SKIP] - conflicts[RowResult.IMPORT_TYPE_SKIP],
        "errors": errors,
    }


def report_lines(result: Result) -> list[str]:
    """Every problem of an import as one Chinese line each (file-level errors, row errors, notes)."""
    lines = [str(error.error) for error in result.base_errors]
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            lines.extend(f"第{row.number}行 {column} {message}" for message in messages)
    for row in result.error_rows:  # import-export's own row errors, should one ever occur
        lines.extend(f"第{row.number}行 {error.error}" for error in row.errors)
    lines.extend(f"第{number}行 {note}" for number, note in getattr(result, "notes", []))
    lines.extend(conflict_lines(result))
    return lines


def failure_reasons(result: Result) -> list[str]:
    """Why an import wrote nothing, for the logs: file-level messages in full, and each row with
    its columns but not its values (they may be ID or phone numbers)."""
    reasons = [str(error.error) for error in result.base_errors]
    for row in result.invalid_rows:
        reasons.append(f"第{row.number}行 " + "、".join(str(column) for column in row.error_dict))
    for row in result.error_rows:
        reasons.append(f"第{row.number}行 " + "；".join(str(error.error) for error in row.errors))
    return reasons


def log_failed_import(user, ledger: str, filename: str, result: Result | None = None, *, reason: str = "") -> None:
    """A confirmed import that wrote nothing: a warning in the server log and a row in the
    import log (audit's LedgerEvent, its counts carrying the reasons)."""
    reasons = ([reason] if reason else []) + (failure_reasons(result) if result is not None else [])
    counts = summary_counts(result) if result is not None else {"new": 0, "updated": 0, "skipped": 0, "errors": 1}
    logger.warning(
        "ledger import failed, nothing written: ledger=%s file=%s user=%s counts=%s reasons=%s",
        ledger,
        filename,
        getattr(user, "pk", None),
        summary_line(counts),
        " | ".join(reasons) or "-",
    )
    try:
        ledger_imported.send(
            sender=LedgerResource,
            user=user,
            ledger=ledger,
            filename=filename,
            counts={**counts, "failed": True, "reasons": reasons[:50]},
        )
    except DatabaseError as exc:  # the database that failed the import may refuse the log as well
        logger.warning("ledger import: the failed import could not be written to the import log: %s", exc)


def conflict_lines(result: Result) -> list[str]:
    """One line per change the ledger would make to a value that is newer than the ledger."""
    lines = []
    for row in result.rows:
        for change in getattr(row, "changes", []):
            if change.conflict:
                lines.append(
                    gettext("Row %(row)d %(label)s: %(old)s → %(new)s, changed in the system on %(day)s, %(what)s")
                    % {
                        "row": row.number,
                        "label": change.label,
                        "old": change.old,
                        "new": change.new,
                        "day": change.changed_on.isoformat(),
                        "what": gettext("overwritten") if change.applied else gettext("not overwritten"),
                    }
                )
    return lines


def summary_line(counts: dict[str, int]) -> str:
    # Fixed wording: operators' scripts read this line (DESIGN.md interfaces).
    return "新增 {new}，更新 {updated}，冲突 {conflicts}（未覆盖），跳过 {skipped}，错误 {errors}".format(
        **{"conflicts": 0, **counts}
    )


class LookupIndex:
    """Names of an editable lookup table (categories, visit modes…), from one query."""

    def __init__(self, model):
        self.by_name = {text(o.name): o for o in model.objects.filter(is_active=True)}

    def get(self, name: str):
        obj = self.by_name.get(text(name))
        if obj is None:
            raise CellError(_("unknown value; allowed: %(allowed)s") % {"allowed": "、".join(self.by_name)})
        return obj


class MotherIndex:
    """Caring mothers in scope by name and phone, for pairings and visits."""

    def __init__(self, user):
        from volunteers.models import Volunteer

        self.by_name = defaultdict(list)
        self.by_phone = {}
        for mother in Volunteer.objects.for_user(user).only("id", "name", "phone", "status"):
            self.by_name[text(mother.name)].append(mother)
            self.by_phone[mother.phone] = mother

    def find(self, name: str, phone: str = ""):
        """The mother with this name; the phone decides when the name is not unique."""
        phone = normalise_phone(phone)
        found = self.by_name.get(text(name), [])
        if phone and len(found) != 1:
            found = [m for m in found if m.phone == phone]
        if not found:
            raise CellError(_("no caring mother with this name in your area"))
        if len(found) > 1:
            raise CellError(_("several caring mothers in your area have this name; add the phone column"))
        return found[0]


class LedgerResource(resources.ModelResource):
    """Base of every ledger resource: scoped to ``user``, header-tolerant, all-or-nothing."""

    #: ledger name sent with the signals: children|volunteers|pairings|visits|activities
    ledger = ""
    #: the columns read and exported, in export order
    columns: list[Column] = []
    #: the title of exports and templates
    title = ""
    #: whether a preview (dry run) must run the writes to find every error; ledgers whose rows
    #: go through services (pairings, visits) do, the others validate each instance instead
    dry_run_writes = False
    #: foreign keys that were resolved from the scoped caches and need no per-row query
    clean_exclude: list[str] = []
    #: ``progress(done, total)`` called as rows are written (background jobs show it)
    progress = None
    #: at most this many new rows are handed to ``create_many`` at once
    batch_size = 1000
    #: new rows are written in about this many batches, so a job's progress moves in steps
    progress_steps = 10
    #: {model field: column key} where they differ, so the preview names a change by its header
    field_columns: dict[str, str] = {}
    #: whether the rows are read for a preview (their cells are then kept for its table)
    _dry_run = True

    def __init__(self, user=None, *, ledger_date=None, overwrite_newer=False, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.masked = not sees_full_identity(user)
        #: the day ID numbers' birth dates are checked against, looked up once per file
        self.today = timezone.localdate()
        #: the date the user gave for the ledger; it wins over the 填报日期 in the title rows
        self.given_date = ledger_date
        #: the ledger's date once the file is read (None: unknown, nothing counts as newer)
        self.ledger_date = None
        #: apply changes to values that are newer than the ledger (the user ticked it)
        self.overwrite_newer = overwrite_newer
        self.history = FieldHistory()
        #: {Excel row number: [FieldChange]} of the rows planned so far
        self.row_changes: dict[int, list[FieldChange]] = defaultdict(list)
        self._planning: SourceRow | None = None
        self._default_errors: dict[str, list] = {}
        self._value_field_cache: dict[tuple, list] = {}

    def get_row_result_class(self):
        return LedgerRowResult

    @classmethod
    def get_display_name(cls):
        return cls.title or super().get_display_name()

    def get_user_visible_fields(self):
        """The columns listed on the import and export pages (our columns, not model fields)."""
        return [SimpleNamespace(column_name=c.label + ("*" if c.required else "")) for c in self.columns]

    @classmethod
    def column(cls, key: str) -> Column:
        for column in cls.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    # --- helpers for subclasses -------------------------------------------------------------

    def cell(self, row: SourceRow, key: str, problems: Problems, parse=text, **kwargs):
        """The parsed value of a cell, or None after recording the error."""
        try:
            return parse(row.raw(key), **kwargs)
        except CellError as exc:
            problems.add(row, key, exc)
        except ValidationError as exc:
            problems.add(row, key, " ".join(exc.messages))
        return None

    def id_info(self, row: SourceRow, key: str, problems: Problems) -> IdInfo | None:
        """The parsed ID number (number, birth date, gender), or None after recording the error."""
        found = self.parse_id(row.raw(key))
        if isinstance(found, ValidationError):
            problems.add(row, key, " ".join(found.messages))
            return None
        return found

    def parse_id(self, raw):
        """``parse_id_number(raw)`` (its IdInfo, or the ValidationError it raised), remembered
        for the file: ``prepare`` and ``plan_row`` both read each row's ID number."""
        cache = self.__dict__.setdefault("_id_cache", {})
        key = (raw.__class__, raw)
        found = cache.get(key)
        if found is None:
            try:
                found = parse_id_number(raw, today=self.today)
            except ValidationError as exc:
                found = exc
            cache[key] = found
        return found

    def id_number(self, row: SourceRow, key: str, problems: Problems):
        info = self.id_info(row, key, problems)
        return info.number if info else None

    def known_child(self, row: SourceRow, problems: Problems):
        """The child a row names by ID number among ``self.children`` (the user's area).

        A name that disagrees with the register is a problem too; the child is still returned
        so the rest of the row is checked.
        """
        number = self.id_number(row, "child_id", problems)
        if not number:
            return None
        masked = not sees_full_identity(self.user)
        if masked and not identity_tries_left(self.user):
            # Past the hourly limit every row is refused alike, known or not: an answer per row
            # would go on telling a masked role which candidate number is a child's.
            identity_try(self.user, number, place="import")  # counted: the first past the limit is logged
            problems.add(row, "child_id", str(IMPORT_LIMITED))
            return None
        child = self.children.get(number)
        if child is None and masked and not identity_try(self.user, number, place="import"):
            problems.add(row, "child_id", str(IMPORT_LIMITED))
        elif child is None:
            problems.add(
                row,
                "child_id",
                gettext("no child with this ID number in your area; import the children's register first"),
            )
        elif text(row.raw("child_name")) and text(row.raw("child_name")) != text(child.name):
            message = gettext("the child with this ID number is called %(name)s") % {"name": child.name}
            problems.add(row, "child_name", message)
        return child

    def phone(self, row: SourceRow, key: str, problems: Problems, *, required=False) -> str | None:
        raw = text(row.raw(key)).replace(" ", "")
        if not raw:
            if required:
                problems.add(row, key, _("is required"))
                return None
            return ""
        try:
            validate_phone(raw)
        except ValidationError as exc:
            problems.add(row, key, " ".join(exc.messages))
            return None
        return normalise_phone(raw)

    def required(self, row: SourceRow, key: str, problems: Problems) -> str | None:
        value = text(row.raw(key))
        if not value:
            problems.add(row, key, _("is required"))
            return None
        return value

    def changes(self, instance, values: dict) -> dict:
        """The values that differ from the instance and may be applied (see ``review``).

        Related rows compare by id (no query).
        """
        changed = {}
        for key, value in values.items():
            field = instance._meta.get_field(key)
            if field.is_relation:
                current, new = getattr(instance, field.attname), getattr(value, "pk", value)
            else:
                current, new = getattr(instance, key), value
            if current != new and self.review(instance, key, value):
                changed[key] = value
        return changed

    def review(self, instance, key: str, new, *, old=None, changed_on=None, history=True) -> bool:
        """Record the change of one field for the preview; False when it must not be applied.

        A change is a conflict when the stored value took its present form after the ledger's
        date (``changed_on``, else the field's history); it is applied only with overwrite_newer.
        """
        field = instance._meta.get_field(key)
        if old is None:
            old = getattr(instance, field.name)
        if changed_on is None and history and self.ledger_date is not None and instance.pk is not None:
            changed_on = self.history.changed_on(instance, key)
        conflict = self.ledger_date is not None and changed_on is not None and changed_on > self.ledger_date
        applied = not conflict or self.overwrite_newer
        label = self._field_label(field)
        change = FieldChange(label, self._shown(field, old), self._shown(field, new), changed_on, conflict, applied)
        if self._planning is not None:
            self.row_changes[self._planning.number].append(change)
        return applied

    def _field_label(self, field) -> str:
        key = self.field_columns.get(field.name, field.name)
        for column in self.columns:
            if column.key == key:
                return column.label
        return str(field.verbose_name)

    @staticmethod
    def _shown(field, value) -> str:
        if field.many_to_many:
            return "、".join(str(v) for v in value) or "—"
        if field.choices and not field.is_relation:
            value = dict(field.flatchoices).get(value, value)
        if value is None or value == "":
            return "—"
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)

    def check_instance(self, instance) -> None:
        instance.full_clean(exclude=self.clean_exclude, validate_unique=False, validate_constraints=False)

    def check_values(self, values: dict) -> None:
        """``check_instance`` of the new instance ``values`` would make, without making it.

        The same checks in the same order (``Model.clean_fields``: each field not in
        ``clean_exclude``, blank values of blank fields skipped) and the same error, with the
        cleaned values put back into ``values``; a field the values leave out holds its default,
        checked once per file. The model must not define ``clean()`` (``full_clean`` would call it).
        """
        errors = {}
        for model_field, key in self._value_fields(values):
            if key is None:
                error = self._default_errors.get(model_field.name)
                if error is None:
                    error = self._default_errors[model_field.name] = self._clean_error(
                        model_field, self._default(model_field)
                    )
                if error:
                    errors[model_field.name] = error
                continue
            raw = values[key]
            if model_field.blank and raw in model_field.empty_values:
                continue
            try:
                cleaned = model_field.clean(raw, None)
            except ValidationError as exc:
                errors[model_field.name] = exc.error_list
            else:
                if not model_field.is_relation:
                    values[key] = cleaned
        if errors:
            raise ValidationError(errors)

    def _value_fields(self, values: dict):
        """(field, key in ``values`` or None) of the fields ``full_clean`` would check, in its order."""
        keys = tuple(values)
        cached = self._value_field_cache.get(keys)
        if cached is None:
            exclude = set(self.clean_exclude)
            cached = []
            for model_field in self._meta.model._meta.fields:
                if model_field.name in exclude or getattr(model_field, "generated", False):
                    continue
                if (
                    model_field.primary_key
                    or getattr(model_field, "auto_now", False)
                    or getattr(model_field, "auto_now_add", False)
                ):
                    continue  # unset, hence blank on a new instance: full_clean skips them too
                key = (
                    model_field.name
                    if model_field.name in values
                    else model_field.attname
                    if model_field.attname in values
                    else None
                )
                cached.append((model_field, key))
            self._value_field_cache[keys] = cached
        return cached

    @staticmethod
    def _default(model_field):
        if model_field.has_default():
            return model_field.get_default()
        return None if model_field.null else ""

    @staticmethod
    def _clean_error(model_field, value) -> list:
        if model_field.blank and value in model_field.empty_values:
            return []
        try:
            model_field.clean(value, None)
        except ValidationError as exc:
            return exc.error_list
        return []

    def user_region(self):
        return user_region(self.user)

    # --- what subclasses implement ----------------------------------------------------------

    def prepare(self, rows: list[SourceRow]) -> None:
        """Load the look-ups the whole file needs (one query each, not one per row)."""

    def plan_row(self, row: SourceRow, problems: Problems) -> Plan | None:
        raise NotImplementedError

    def plan_file(self, plans: list[Plan], problems: Problems) -> None:
        """Checks that need all rows at once (e.g. a pairing's rows agree with its mode)."""

    def create_many(self, plans: list[Plan]) -> list:
        """Insert the checked new instances of ``plans`` (all ``bulk``), with their history.

        COPY on PostgreSQL (``core.bulk``), skipping save() and its signals; the history rows
        are written there too, with the importing user and reason as ``record_by_importer``
        gives a single save.
        """
        instances = [plan.instance for plan in plans]  # core.bulk fills what save() derives (pinyin, …)
        created = insert_with_history(instances, user=self.user, reason=IMPORT_REASON)
        figures_changed_by(created)
        return created

    def record_by_importer(self, instance):
        """Make the history record of the next save() name the importing user and reason."""
        instance._history_user, instance._change_reason = self.user, IMPORT_REASON
        return instance

    # --- the engine -------------------------------------------------------------------------

    def read_rows(self, dataset: Dataset) -> tuple[int, list[SourceRow]]:
        numbers, cells = [], []
        for r in dataset:  # one copy of each row, without its number
            numbers.append(int(r[0]))
            cells.append(list(r[1:]))
        header_index, mapping = find_header(cells, self.columns)
        self.title_rows = cells[:header_index]
        serial = self._serial_position(cells[header_index])
        below = cells[header_index + 1 :]
        # The footer is read from the whole row, not only the columns this ledger reads: 审核人
        # may sit under any header.
        footer_at = footer_start(below)
        rows = []
        for index, (number, values) in enumerate(zip(numbers[header_index + 1 :], below, strict=True)):
            data = {key: values[pos] for key, pos in mapping.items()}
            if serial is not None:
                data["__serial__"] = values[serial]
            footer = footer_text(values) if footer_at is not None and index >= footer_at else ""
            rows.append(SourceRow(number=number, cells=data, footer=footer))
        return numbers[header_index], rows

    @staticmethod
    def _serial_position(header_row):
        from .headers import SERIAL_NAMES, normalise_header

        for pos, cell in enumerate(header_row):
            if normalise_header(cell) in SERIAL_NAMES:
                return pos
        return None

    @staticmethod
    def _is_blank(row: SourceRow) -> bool:
        return not any(text(v) for k, v in row.cells.items() if k != "__serial__")

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        self.refused = []
        result = super().import_data(
            dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True, **kwargs
        )
        # Logged after the import's transaction, which a preview or a failed import rolls back.
        for number, kind in self.refused:
            log_refusal(user=self.user, number=number, place=f"import:{self.ledger}", field=kind)
        if dry_run:  # a preview shows the file's rows: logged like a view
            access_logged.send(
                sender=type(self),
                user=self.user,
                kind="preview",
                place=self.ledger,
                detail=kwargs.get("file_name") or "",
            )
        elif not result.has_errors() and not result.has_validation_errors():
            ledger_imported.send(
                sender=type(self),
                user=self.user,
                ledger=self.ledger,
                filename=kwargs.get("file_name") or "",
                counts=summary_counts(result),
            )
        else:
            log_failed_import(self.user, self.ledger, kwargs.get("file_name") or "", result)
        return result

    def import_data_inner(self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs):
        try:
            return self._import_rows(dataset, dry_run)
        except CONNECTION_ERRORS as exc:
            logger.warning(
                "ledger import: %s: %s",
                "the database was busy" if is_busy(exc) else "the database connection was lost",
                type(exc).__name__,
            )
            result = self.get_result_class()()
            result.append_base_error(Error(ValueError(system_message(exc))))
            return result

    def _import_rows(self, dataset, dry_run):
        self._dry_run = dry_run
        result = self.get_result_class()()
        result.diff_headers = [c.label for c in self.columns]
        result.notes = []
        if self.user is None:
            result.append_base_error(Error(ValueError(gettext("An import needs a user; nothing was imported."))))
            return result
        try:
            result.header_number, rows = self.read_rows(dataset)
        except HeaderError as exc:
            result.append_base_error(Error(exc))
            return result
        result.total_rows = len(rows)
        self.lock_ledger()
        self.ledger_date = self.given_date or find_ledger_date(self.title_rows)
        result.ledger_date, result.ledger_date_given = self.ledger_date, self.given_date is not None
        result.conflict_counts = Counter()
        problems = Problems(self)
        data_rows = []
        # Blank and signature rows are no data: counted as skipped and listed apart (never as
        # rows of the preview's table).
        result.footer_rows, result.blank_rows = [], []
        for row in rows:
            if row.footer:
                result.footer_rows.append((row.number, row.footer))
                self._count_skipped(result, row)
            elif self._is_blank(row):
                result.blank_rows.append(row.number)
                self._count_skipped(result, row)
            else:
                data_rows.append(row)
        self.prepare(data_rows)
        plans = []
        for row in data_rows:
            self._planning = row
            plan = self.plan_row(row, problems)
            if plan is not None and row not in problems:
                plans.append(plan)
        self.__dict__.pop("_id_cache", None)  # each row is planned
        if not problems:
            self.plan_file(plans, problems)
        if not problems:
            self._write(plans, problems, dry_run=dry_run)
        if problems:
            self._report(result, problems)
            result.unknown_villages = self.unknown_villages()
            return result
        for plan in plans:
            self._add_row(result, plan)
            if plan.note:
                result.notes.append((plan.row.number, plan.note))
        return result

    def lock_ledger(self) -> None:
        """One import of a ledger at a time, until its transaction ends: a second import of the
        same file, confirmed at the same moment, waits and then finds every row already there
        (its look-ups run after the wait). The unique keys in the database are the second line."""
        connection = connections[self._meta.model.objects.db]
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"ledger-import:{self.ledger}"])

    def unknown_villages(self) -> list[tuple]:
        """[(township, name, rows)] of villages the file names under a township that lacks them."""
        index = getattr(self, "regions", None)
        missing = index.missing if isinstance(index, RegionIndex) else {}
        return [
            (town, name, rows) for (town, name), rows in sorted(missing.items(), key=lambda i: (i[0][0].code, i[0][1]))
        ]

    def _write(self, plans: list[Plan], problems: Problems, *, dry_run: bool) -> None:
        if dry_run and not self.dry_run_writes:
            for plan in plans:
                self._check(plan, problems)
                plan.release()
            return
        try:
            with transaction.atomic():
                self._write_all(plans, problems)
                if problems:
                    raise _Rollback
        except _Rollback:
            pass

    def _check(self, plan: Plan, problems: Problems) -> None:
        if plan.values is not None and plan.instance is None:
            try:
                self.check_values(plan.values)
            except ValidationError as exc:
                problems.add(plan.row, None, " ".join(exc.messages))
        elif plan.made() is not None:
            try:
                self.check_instance(plan.instance)
            except ValidationError as exc:
                problems.add(plan.row, None, " ".join(exc.messages))

    def _write_all(self, plans: list[Plan], problems: Problems) -> None:
        """New rows in batches first, then the others one by one; stop at a database refusal."""
        done, total = 0, len(plans)
        batch = [plan for plan in plans if plan.bulk]
        size = max(1, min(self.batch_size, math.ceil(len(batch) / self.progress_steps)))
        writing = True
        # Each batch is checked, then written while nothing anywhere has failed; every batch is
        # checked, so the report lists every row's errors (the transaction undoes what was written).
        for start in range(0, len(batch), size):
            chunk = batch[start : start + size]
            for plan in chunk:
                self._check(plan, problems)
            if writing and not problems:
                writing = self._create_chunk(chunk, problems)
                done += len(chunk)
                self._progress(done, total)
            for plan in chunk:
                plan.release()
        if not writing:  # the database refused a row: the transaction is spoilt
            return
        for plan in plans:
            if plan.bulk:
                continue
            done += 1
            self._progress(done, total)
            if plan.write is not None and not self._write_one(plan, problems):
                return

    def _create_chunk(self, chunk: list[Plan], problems: Problems) -> bool:
        try:
            with transaction.atomic():
                self.create_many(chunk)
            return True
        except CONNECTION_ERRORS:
            raise
        except DatabaseError:
            pass
        # The database refused something in this batch: write its rows one at a time to name the
        # row (the batch was rolled back to its savepoint, so the instances are unsaved again).
        for plan in chunk:
            if plan.instance is not None:
                plan.instance.pk = None
                plan.instance._state.adding = True
            if not self._write_one(plan, problems):
                return False
        return True

    def _write_one(self, plan: Plan, problems: Problems) -> bool:
        """Run one plan's write; False when the database refused it (the transaction is spoilt)."""
        try:
            plan.write()
        except ValidationError as exc:
            problems.add(plan.row, None, " ".join(exc.messages))
        except CONNECTION_ERRORS:
            raise
        except DatabaseError as exc:
            problems.add(plan.row, None, _refusal(exc))
            return False
        return True

    def _progress(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def _count_skipped(self, result: Result, row: SourceRow) -> None:
        """A row that is no data: in the counts (跳过), not in the rows a preview shows."""
        row_result = self.get_row_result_class()()
        row_result.import_type = RowResult.IMPORT_TYPE_SKIP
        row_result.number = row.number
        result.increment_row_result_total(row_result)

    def _add_row(self, result: Result, plan: Plan) -> None:
        row_result = self.get_row_result_class()()
        row_result.import_type = plan.import_type
        if self._dry_run:  # only a preview shows the rows' cells
            row_result.source, row_result.columns = plan.row, self.columns
        row_result.object_repr = plan.note
        row_result.number = plan.row.number
        row_result.changes = self.row_changes.get(plan.row.number, [])
        if any(change.conflict and not change.applied for change in row_result.changes):
            result.conflict_counts[plan.import_type] += 1
        result.increment_row_result_total(row_result)
        result.append_row_result(row_result)

    def _report(self, result: Result, problems: Problems) -> None:
        for number in sorted(problems.by_row):
            row = problems.rows[number]
            values = {c.label: self._display(row.raw(c.key)) for c in self.columns}
            errors = {label: [str(m) for m in messages] for label, messages in problems.by_row[number].items()}
            result.append_invalid_row(number, values, ValidationError(errors))
            result.totals[RowResult.IMPORT_TYPE_INVALID] += 1

    @staticmethod
    def _display(value) -> str:
        if isinstance(value, float):
            return repr(value).replace("e+", "E+") if not value.is_integer() or abs(value) > 1e15 else str(int(value))
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return value.isoformat()
        return text(value)

    # --- export -----------------------------------------------------------------------------

    def export_queryset(self, queryset):
        """The rows to export, always inside the user's scope."""
        base = queryset if queryset is not None else self._meta.model.objects.all()
        return base.for_user(self.user)

    def export_rows(self, queryset):
        raise NotImplementedError

    def export_headers(self) -> list[str]:
        """The export's header row: the columns the import reads, then any a ledger adds for
        reading only (an import ignores headers it does not know)."""
        return [c.label for c in self.columns]

    def export_title(self) -> str:
        title = f"{self.title}（{timezone.localdate():%Y-%m-%d} 导出）"
        if self.masked:
            title += gettext(
                " — ID and phone numbers are masked: this copy is for reading and cannot be imported again."
            )
        return title

    def export(self, queryset=None, **kwargs):
        dataset = Dataset(headers=self.export_headers(), title=self.export_title())
        for values in self.export_rows(self.export_queryset(queryset)):
            dataset.append(values)
        ledger_exported.send(
            sender=type(self),
            user=self.user,
            ledger=self.ledger,
            rows=len(dataset),
            filters=kwargs.get("filters") or {},
        )
        return dataset

    def refuse(self, number: str, field: str = "id_number") -> str:
        """The message for a number registered outside the user's scope; the attempt is logged."""
        if not hasattr(self, "refused"):  # rows planned outside import_data
            self.refused = []
        self.refused.append((number, field))
        return str(REFUSED[field])

    def mask_id(self, value: str) -> str:
        from core.masking import id_number_for

        return id_number_for(self.user, value or "")

    def mask_phone(self, value: str) -> str:
        from core.masking import phone_for

        return phone_for(self.user, value or "")
