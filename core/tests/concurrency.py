"""Helpers for tests with two real clients at once (each thread its own database connection)."""

import threading

import pytest
from django.db import connections


def together(*jobs, timeout=60):
    """Run the callables in threads started at the same moment; their results (or exceptions)."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(timeout=timeout)
            results[index] = job()
        except Exception as exc:  # noqa: BLE001 - returned to the test, which judges it
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a client never finished"
    return results


@pytest.fixture(scope="module")
def restore_seeded_rows(django_db_setup, django_db_blocker):
    """Use in a module of ``transaction=True, serialized_rollback=True`` tests: the flush after
    each leaves the database empty, so the rows the data migrations seed (roles, lookups) are put
    back from Django's snapshot when the module is done, for later tests and ``--reuse-db``."""
    yield
    with django_db_blocker.unblock():
        for conn in connections.all():
            snapshot = getattr(conn, "_test_serialized_contents", None)
            if snapshot:
                conn.creation.deserialize_db_from_string(snapshot)
        connections.close_all()
