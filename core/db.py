"""Reads that may go to a read replica, and the router that sends them there.

With ``DATABASE_REPLICA_URL`` set (a PostgreSQL streaming replica of ``DATABASE_URL``), the
settings add a ``replica`` database, ``ReplicaRouter`` and ``PrimaryAfterWriteMiddleware``.
Nothing reads from the replica unless its caller asks, inside ``reading_from_replica()``: the
dashboard, the period statistics, the ledgers and the export jobs of a county or wider — long
region-wide reads that would otherwise compete with data entry on the primary. Even there a
read stays on the primary

- once anything in the same request (or the same ``reading_from_replica`` block, in a job) has
  been written, except the bookkeeping of ``DATABASE_REPLICA_UNPINNED`` (a session renewed, a
  job's progress, an audit record): what was just written is read where it was written;
- inside a transaction on the primary (``transaction.atomic``): the transaction's own snapshot,
  e.g. the figures a month is closed with;
- and every write, and every migration, goes to the primary: a hot standby refuses writes.

When the replica does not answer, its reads go to the primary for ``REPLICA_RETRY_SECONDS`` and
a warning is logged: slower pages, not error pages. The replica runs a moment behind the primary
(milliseconds on a local network; a visit entered by a township is in the county's cached
dashboard within its 5 minutes anyway). Without ``DATABASE_REPLICA_URL`` none of this is
installed and every query goes to ``default``.
"""

import contextvars
import functools
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
#: After the replica failed to connect, its reads go to the primary for this long before it is tried again.
REPLICA_RETRY_SECONDS = 30
_replica_down_until = 0.0


@dataclass
class _Reads:
    replica: bool = False
    pinned: bool = False


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar("replica_reads", default=None)


@contextmanager
def _scope(*, replica: bool):
    outer = _reads.get()
    inner = _Reads(replica=replica, pinned=bool(outer and outer.pinned))
    token = _reads.set(inner)
    try:
        yield inner
    finally:
        _reads.reset(token)
        if outer is not None and inner.pinned:
            outer.pinned = True


class reading_from_replica:  # noqa: N801 — used like contextlib's managers
    """Reads inside may go to the replica: ``with reading_from_replica():`` or, as a decorator,
    ``@reading_from_replica(when=predicate)`` where ``predicate`` gets the function's arguments
    (``when`` may also be a plain bool)."""

    def __init__(self, when=True):
        self.when = when

    def _wanted(self, *args, **kwargs) -> bool:
        return bool(self.when(*args, **kwargs) if callable(self.when) else self.when)

    def __enter__(self):
        self._cm = _scope(replica=self._wanted())
        return self._cm.__enter__()

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with _scope(replica=self._wanted(*args, **kwargs)):
                return func(*args, **kwargs)

        return wrapper


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def reads_from_replica() -> bool:
    """Whether a read made here goes to the replica (what ``ReplicaRouter.db_for_read`` decides)."""
    reads = _reads.get()
    return bool(
        reads is not None
        and reads.replica
        and not reads.pinned
        and replica_configured()
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        and _replica_up()
    )


def _replica_up() -> bool:
    """Whether the replica answers; when it does not, its readers are served by the primary
    (slower, never an error page) and it is tried again after ``REPLICA_RETRY_SECONDS``."""
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    replica = connections[REPLICA]
    try:
        # What Django does before a query: the once-a-request health check, then connect.
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except DatabaseError as exc:
        _replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        logger.warning(
            "The read replica is unreachable (%s); reading from the primary for %s s.", exc, REPLICA_RETRY_SECONDS
        )
        return False
    return True


def _unpinned(model) -> bool:
    names = settings.DATABASE_REPLICA_UNPINNED
    return model._meta.label_lower in names or f"{model._meta.app_label}.*" in names


class ReplicaRouter:
    """Django's DATABASE_ROUTERS entry for ``default`` (primary) + ``replica``."""

    def db_for_read(self, model, **hints):
        return REPLICA if reads_from_replica() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        if reads is not None and not _unpinned(model):
            reads.pinned = True
        # Explicitly the primary: left to Django, a row read from the replica would be saved back
        # to where it came from.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows, two copies of them

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class PrimaryAfterWriteMiddleware:
    """One request, one scope: after the request writes, its reads stay on the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with _scope(replica=False):
            return self.get_response(request)
