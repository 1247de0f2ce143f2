"""Background jobs: imports and exports that run outside the request, with progress and a result.

Runner: django-tasks (the backport of Django 6's ``django.tasks``) with its database backend
(django-tasks-db): the queue is a table in the project's own database and the worker is
``manage.py job_worker`` (reports.worker: django-tasks-db's ``db_worker`` that survives a lost
connection). Moving to Django 6's built-in framework later means changing the
``django_tasks`` import below to ``django.tasks``.

The services, all keyword-only:

- ``job_start(*, user, kind, total=None, params=None, upload=None) -> Job`` creates the job row,
  stores the upload (if any) under MEDIA_ROOT with a random name, and enqueues the task.
- ``job_progress(job, done, total=None)`` — the task body reports rows done; cheap: it writes at
  most once per ``PROGRESS_EVERY_ROWS`` rows or per second (and always on the last row).
- ``job_finish(job, *, file=None, filename="", report=None)`` and ``job_fail(job, message)``.
  Any exception escaping a job marks it failed with a Chinese message; a job never stays
  "running" because its code raised.

Plugging in a job kind is one line each (e.g. in ``reports/apps.py`` ``ready()`` or at the end of
this module):

    register_import("import_children", _("Import children ledger"), import_children_file,
                    user_errors=(LedgerImportError,), permission="children.add_child")
    register_export("monthly_ledger", _("Monthly ledger"), write_monthly_ledger, document="monthly_ledger")

An **importer** is ``importer(data: bytes, filename: str, *, kind: str, user, progress) -> dict``:
it reads the uploaded file, writes through the project's services, calls
``progress(done, total)`` as it goes and returns a JSON-able report (counts, row messages),
shown on the job page. It raises one of ``user_errors`` (or ``JobInputError``) for a bad file;
``str(exc)`` is shown to the person, and ``exc.errors`` (a list of row messages), if present, is
kept in the report. It should write nothing on a bad file (one transaction).

An **exporter** is ``exporter(user, month: date, region: Region | None, path: Path, progress)
-> dict | None``: it writes the file at ``path`` (rows the user may see: ``for_user(user)``,
masked with core.masking) and returns an optional report. ``month`` is the first day of the
month; ``region`` is None for the user's whole scope.

Progress from inside a transaction (an import writing in one ``atomic`` block) would be invisible
to the admin page until commit, so on PostgreSQL it is written through a second connection.

While a job runs, a heartbeat thread (its own connection) writes ``Job.heartbeat_at`` every
``JOB_HEARTBEAT_SECONDS``, and so does every progress write. A running job silent for longer than
``JOB_STALE_AFTER_SECONDS`` lost its worker (killed, out of memory, machine restarted): the next
worker start (``manage.py job_worker``, reports.worker) and ``fail_stale_jobs`` mark it failed.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from core.db import reading_from_replica
from core.downloads import download_name
from core.permissions import may_export
from core.spreadsheet import SpreadsheetError
from regions.scoping import user_region
from reports.models import Job, JobStatus
from reports.replica import reads_widely

logger = logging.getLogger(__name__)

PROGRESS_EVERY_ROWS = 1000
PROGRESS_EVERY_SECONDS = 1.0
_clock = time.monotonic  # tests replace this, not the time module


class JobInputError(Exception):
    """Bad input for a job; the message is for the person who started it (Chinese)."""

    def __init__(self, message, errors=None, file=None):
        super().__init__(str(message))
        self.errors = errors or []
        #: a file for the person to download and correct (a ContentFile with a name), or None
        self.file = file


# ---------------------------------------------------------------------------------------------
# Registry of job kinds


@dataclass(frozen=True)
class JobKind:
    name: str
    label: object
    runner: Callable[[Job], None]
    takes_upload: bool = False
    takes_month: bool = False
    #: A permission codename ("app.codename") or a callable(user) -> bool; None: any staff user.
    permission: object = None
    user_errors: tuple = field(default_factory=tuple)
    #: An export: its result file is re-checked against ``may_export`` when downloaded.
    exports: bool = False
    #: the start page's form; its ``params()`` are passed to an importer as keyword arguments
    form_class: object = None

    def may_start(self, user) -> bool:
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return False
        if self.permission is None:
            return True
        if callable(self.permission):
            return bool(self.permission(user))
        return user.has_perm(self.permission)


KINDS: dict[str, JobKind] = {}


def kind_label(kind: str):
    found = KINDS.get(kind)
    return found.label if found else kind


def register_import(kind, label, importer, *, user_errors=(), permission=None, form_class=None) -> JobKind:
    """Register an import job: ``importer(data, filename, *, kind, user, progress, **params) -> dict``."""
    errors = (JobInputError, SpreadsheetError, *user_errors)

    def runner(job):
        run_import_job(job, importer, user_errors=errors)

    KINDS[kind] = JobKind(
        kind, label, runner, takes_upload=True, permission=permission, user_errors=errors, form_class=form_class
    )
    return KINDS[kind]


def register_export(kind, label, exporter, *, document=None, form_class=None, extension="xlsx") -> JobKind:
    """Register an export job: ``exporter(user, month, region, path, progress) -> dict | None``.

    Its file is named by core.downloads' rule: the region + ``document`` (a key of
    core.downloads.DOCUMENTS or a document's name; default: the kind's label) + the month, and
    ``extension`` (an exporter that writes a PDF says "pdf"). ``form_class`` replaces the start
    page's month-and-region form (it takes ``user=`` and its ``params()`` hold "month" and "region").

    Who may start it, run it and download its file is ``core.permissions.may_export(user, kind)``
    (a kind missing from that table is refused to everyone).
    """

    def runner(job):
        run_ledger_job(job, exporter, document=document or str(label), extension=extension)

    def permission(user):
        return bool(may_export(user, kind))

    KINDS[kind] = JobKind(
        kind,
        label,
        runner,
        takes_month=True,
        permission=permission,
        user_errors=(JobInputError,),
        exports=True,
        form_class=form_class,
    )
    return KINDS[kind]


# ---------------------------------------------------------------------------------------------
# Services


def job_start(*, user, kind, total=None, params=None, upload=None) -> Job:
    """Create a job and enqueue it. ``upload`` is an uploaded file (or a ContentFile with a name)."""
    job_kind = KINDS.get(kind)
    if job_kind is None:
        raise JobInputError(gettext("Unknown job kind: %(kind)s") % {"kind": kind})
    if not job_kind.may_start(user):
        raise JobInputError(gettext("You may not start this job."))
    if job_kind.takes_upload and upload is None:
        raise JobInputError(gettext("Choose a file to import."))
    with transaction.atomic():
        job = Job(user=user, kind=kind, total=total, params=params or {})
        if upload is not None:
            job.upload_name = Path(upload.name).name[:200]
            job.upload.save(job.upload_name, upload, save=False)
        job.save()
    # Enqueued after the job row is saved: a worker never picks a task whose job it cannot see
    # (if the caller holds a transaction, the task row commits together with the job). The
    # immediate backend runs the job right here, outside the block above, so a database error
    # inside the job cannot break the transaction that records its failure.
    try:
        result = run_job.enqueue(job.pk)
    except Exception:
        job_fail(job, gettext("The job could not be queued; try again later."))
        raise
    Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


_side = threading.local()


def _side_connection():
    """A second connection in autocommit, for progress written from inside a transaction."""
    conn = getattr(_side, "connection", None)
    if conn is None:
        conn = connections.create_connection("default")
        _side.connection = conn
    return conn


def _close_side_connection():
    conn = getattr(_side, "connection", None)
    if conn is not None:
        conn.close()
        _side.connection = None


def _atomic_depth():
    return len(connection.atomic_blocks) if connection.in_atomic_block else 0


def _write_progress(job, done, total):
    if not hasattr(job, "_atomic_depth"):
        job._atomic_depth = _atomic_depth()  # progress reported outside run_job: this is the baseline
    if _atomic_depth() > job._atomic_depth:
        # Inside the job's own transaction: other connections would not see an ORM update.
        if connection.vendor != "postgresql":
            return  # SQLite allows one writer at a time; progress shows when the job ends.
        with _side_connection().cursor() as cursor:
            cursor.execute(
                "UPDATE reports_job SET done = %s, total = %s, heartbeat_at = %s WHERE id = %s",
                [done, total, timezone.now(), job.pk],
            )
        return
    Job.objects.filter(pk=job.pk).update(done=done, total=total, heartbeat_at=timezone.now())


def job_progress(job, done, total=None, *, force=False):
    """Record rows done (and the total if known); cheap enough to call on every row."""
    total = job.total if total is None else total
    if total is not None and done > total:
        total = done
    now = _clock()
    last_done = getattr(job, "_progress_done", None)
    changed = (done, total) != (last_done, getattr(job, "_progress_total", None))
    due = force or (
        changed
        and (
            last_done is None
            or done - last_done >= PROGRESS_EVERY_ROWS
            or (total is not None and done == total)
            or now - getattr(job, "_progress_at", 0.0) >= PROGRESS_EVERY_SECONDS
        )
    )
    job.done, job.total = done, total
    if not due:
        return
    job._progress_done, job._progress_at, job._progress_total = done, now, total
    _write_progress(job, done, total)


def job_finish(job, *, file=None, filename="", report=None):
    """Mark a job done, keeping its result file (a File/ContentFile or a path) and report."""
    if file is not None:
        if isinstance(file, (str, Path)):
            with open(file, "rb") as handle:
                job.result.save(filename or Path(file).name, File(handle), save=False)
        else:
            job.result.save(filename or file.name, file, save=False)
        job.result_name = (filename or Path(job.result.name).name)[:200]
    if job.total is None or job.done > job.total:
        job.total = job.done
    job.done = job.total
    job.status = JobStatus.DONE
    job.report = report
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "result_name", "done", "total", "status", "report", "finished_at"])
    _drop_upload(job)


def job_fail(job, message, *, report=None, file=None):
    """Mark a job failed with a message for the person who started it; keeps no result file
    except ``file``, one to correct (a ContentFile with a name)."""
    if job.result:
        job.result.delete(save=False)
    if file is not None:
        job.result.save(file.name, file, save=False)
        job.result_name = file.name[:200]
    job.status = JobStatus.FAILED
    job.message = str(message)
    job.report = report
    job.finished_at = timezone.now()
    if job.total is not None and job.done > job.total:
        job.total = job.done
    job.save(update_fields=["result", "result_name", "status", "message", "report", "finished_at", "done", "total"])
    _drop_upload(job)


def job_fail_stale(*, queued_before=None) -> int:
    """Fail running jobs whose heartbeat is older than ``JOB_STALE_AFTER_SECONDS``: their worker
    died (killed, out of memory, machine restarted) without reaching job_fail. Jobs still queued
    since before ``queued_before`` (if given) are failed too. Returns how many."""
    silent_since = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
    running = (
        Job.objects.filter(status=JobStatus.RUNNING)
        .alias(alive=Coalesce("heartbeat_at", "started_at", "created_at"))
        .filter(alive__lt=silent_since)
    )
    count = 0
    with translation.override("zh-hans"):
        message = gettext(
            "The job stopped: its background worker gave no sign of life for %(minutes)d minutes "
            "(it was stopped or the machine restarted). Start the job again."
        ) % {"minutes": max(1, settings.JOB_STALE_AFTER_SECONDS // 60)}
        for job in running.iterator():
            job_fail(job, message)
            count += 1
        if queued_before is not None:
            queued = gettext("The job waited too long for a background worker; start it again.")
            for job in Job.objects.filter(status=JobStatus.QUEUED, created_at__lt=queued_before).iterator():
                job_fail(job, queued)
                count += 1
    return count


@contextmanager
def _heartbeat(job):
    """Write the job's heartbeat every JOB_HEARTBEAT_SECONDS from a thread with its own connection,
    so a long step without progress (one big query, writing a workbook) still shows life."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    connections["default"].close()  # reconnect at the next beat
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _drop_upload(job):
    # The uploaded file holds ID numbers; it is not kept once the job has run.
    if job.upload:
        job.upload.delete(save=False)
        Job.objects.filter(pk=job.pk).update(upload="")


# ---------------------------------------------------------------------------------------------
# The task


@task()
def run_job(job_id: int) -> str:
    """Run one job. Claims it (queued → running) so a job never runs twice."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        return "skipped"
    job = Job.objects.select_related("user").get(pk=job_id)
    job._atomic_depth = _atomic_depth()
    with translation.override("zh-hans"):
        try:
            job_kind = KINDS.get(job.kind)
            if job_kind is None:
                raise JobInputError(gettext("Unknown job kind: %(kind)s") % {"kind": job.kind})
            if not job_kind.may_start(job.user):
                raise JobInputError(gettext("You may not start this job."))
            with _heartbeat(job):
                job_kind.runner(job)
        except Exception as exc:  # noqa: BLE001 - a job must end failed, never stay running
            if isinstance(exc, OperationalError | InterfaceError) and not connection.is_usable():
                # The database connection was lost mid-job: reconnect to record the failure.
                connection.close()
                logger.warning("Job %s lost its database connection: %s", job.pk, exc)
                job_fail(job, gettext("The job stopped: the connection to the database was lost; start it again."))
                return job.status
            job.refresh_from_db(fields=["status"])
            if job.status != JobStatus.FAILED:
                user_errors = KINDS[job.kind].user_errors if job.kind in KINDS else (JobInputError,)
                if isinstance(exc, user_errors):
                    errors = [str(e) for e in getattr(exc, "errors", []) or []]
                    report = {"errors": errors} if errors else None
                    job_fail(job, str(exc), report=report, file=getattr(exc, "file", None))
                else:
                    logger.exception("Job %s (%s) failed", job.pk, job.kind)
                    job_fail(
                        job,
                        gettext(
                            "The job stopped because of an internal error; nothing was written. "
                            "Tell the system administrator job number %(id)s."
                        )
                        % {"id": job.pk},
                    )
        finally:
            _close_side_connection()
    return job.status


def run_import_job(job, importer, *, user_errors=(JobInputError, SpreadsheetError)):
    """Run ``importer`` on the job's uploaded file and finish the job with its report."""
    if not job.upload:
        raise JobInputError(gettext("The uploaded file is missing; start the import again."))
    with job.upload.open("rb") as handle:
        data = handle.read()

    def progress(done, total=None):
        job_progress(job, done, total)

    report = importer(data, job.upload_name, kind=job.kind, user=job.user, progress=progress, **(job.params or {}))
    job_finish(job, report=report)


def job_month(job) -> date:
    try:
        year, month = (int(part) for part in str(job.params.get("month", "")).split("-"))
        return date(year, month, 1)
    except ValueError:
        raise JobInputError(gettext("Choose a month.")) from None


def job_region(job):
    """The region chosen for the job, re-checked against the user's scope when the job runs."""
    from regions.models import Region

    code = job.params.get("region") or ""
    if not code:
        return None
    region = Region.objects.for_user(job.user).filter(code=code).first()
    if region is None:
        raise JobInputError(gettext("You may not export this region."))
    return region


def run_ledger_job(job, exporter, *, document: str, extension: str = "xlsx"):
    """Run ``exporter`` into a temporary file and keep it as the job's result, named by
    core.downloads' rule: the region (the user's own when none was chosen), document, month."""
    month = job_month(job)
    region = job_region(job)

    def progress(done, total=None):
        job_progress(job, done, total)

    with tempfile.TemporaryDirectory(prefix="job-") as tmp:
        path = Path(tmp) / "result"
        with reading_from_replica(reads_widely(job.user)):  # its writes (progress, the file) go to the primary
            report = exporter(job.user, month, region, path, progress)
        name = download_name(region=region or user_region(job.user), kind=document, period=month, extension=extension)
        job_finish(job, file=path, filename=name, report=report)


def job_status(job) -> dict:
    """What the job page's script shows: status, rows and percent."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.is_finished,
        "message": job.message or job.worker_note(),
    }


# ---------------------------------------------------------------------------------------------
# Job kinds that exist now. The ledger import and monthly ledger plug in with one line each.

from regions.services import RegionLoadError  # noqa: E402
from reports import exports as _exports  # noqa: E402

register_export(
    "visit_ledger",
    _("Visit ledger (one month)"),
    _exports.write_visit_ledger,
    document="visit_ledger",
)
register_import(
    "load_regions",
    _("Load region codes"),
    _exports.load_regions_file,
    user_errors=(RegionLoadError,),
    # The region tree is shared by every county: only superusers load it.
    permission=lambda user: user.is_superuser,
)

# Kinds registered by their own modules: the ledger import and monthly ledger, the batch of 一人一档.
from reports import dossier, ledger_jobs  # noqa: E402, F401
