"""Recovery after the database restarts (issue 11, item 10): the web process reconnects."""

import io

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test.client import FakePayload

from core.tests.concurrency import restore_seeded_rows  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.security,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="terminating a backend needs PostgreSQL"),
]


def _get(path, cookie=""):
    """One request through Django's own WSGI handler, as gunicorn sends it (the test client skips
    the connection housekeeping that runs at the start and end of each request)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": cookie,
        "wsgi.url_scheme": "https",
        "wsgi.input": FakePayload(b""),
        "wsgi.errors": io.StringIO(),
    }
    status = []
    body = b"".join(WSGIHandler()(environ, lambda s, headers, exc_info=None: status.append(s)))
    return int(status[0].split()[0]), body


def _terminate(pid):
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def test_health_checks_are_on():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


# Outside a test transaction, so that Django's per-request connection housekeeping runs.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_seeded_rows")
def test_the_next_request_after_the_database_dropped_a_kept_connection_succeeds(monkeypatch, users):
    from django.test import Client

    browser = Client()
    browser.force_login(users["admin"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)  # as in production: kept
    connection.close()
    assert _get("/admin/", cookie)[0] == 200
    assert connection.connection is not None, "the connection is kept between requests"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()

    _terminate(pid)  # what a database restart does to every kept connection

    assert _get("/admin/", cookie)[0] == 200
