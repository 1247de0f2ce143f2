"""The deployment in docs/deploy.md, smoke-tested: the documented environment file (.env.example)
and gunicorn config file, collectstatic, then gunicorn behind a pretend nginx (the test sends the
headers nginx adds: Host, X-Forwarded-Proto: https, X-Forwarded-For)."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
GUNICORN_CONF = BASE_DIR / "docs" / "deploy" / "gunicorn.conf.py"
ENV_FILE = BASE_DIR / ".env.example"


def documented_env() -> dict:
    lines = ENV_FILE.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(tmp_path) -> str:
    """The test database on PostgreSQL (as in production); SQLite's test database lives in memory."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


def production_env(tmp_path, port: int) -> dict:
    """The documented environment file with this machine's secret, database, folders and port.

    Nothing of the test run's own DJANGO_* variables (they switch the HTTPS redirect off).
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(documented_env())
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database_url(tmp_path),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        LEDGER_UPLOAD_DIR=str(tmp_path / "ledger-uploads"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
    )
    return env


def fetch(url: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(
        url, headers={"Host": "aixin.example.gov.cn", "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_for_port(port: int, server: subprocess.Popen, log: Path, seconds: int = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        assert server.poll() is None, "gunicorn exited:\n" + log.read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "gunicorn did not start:\n" + log.read_text()
            time.sleep(0.2)


@pytest.fixture
def gunicorn(tmp_path, django_db_setup):
    port = free_port()
    env = production_env(tmp_path, port)
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, cwd=BASE_DIR, check=True)
    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "config.wsgi"],
        env=env,
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, server, tmp_path / "gunicorn.log")
        yield f"http://127.0.0.1:{port}", tmp_path / "gunicorn.log"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def test_gunicorn_serves_the_login_page_and_static_files_with_production_settings(gunicorn):
    base, log = gunicorn
    status, headers, body = fetch(f"{base}/admin/login/")
    page = body.decode()
    assert status == 200, page
    assert "登录" in page and 'lang="zh-hans"' in page
    assert "Content-Security-Policy" in headers and "Strict-Transport-Security" in headers
    assert "secure" in headers.get("Set-Cookie", "").lower()

    # A hashed name from the manifest, served by whitenoise with a far-future cache header.
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, page
    status, headers, body = fetch(base + stylesheet.group(1))
    assert status == 200 and body
    assert "immutable" in headers.get("Cache-Control", "")

    # Without HTTPS at nginx the app insists on it.
    plain = urllib.request.Request(f"{base}/admin/login/", headers={"Host": "aixin.example.gov.cn"})
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(plain, timeout=10)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"] == "https://aixin.example.gov.cn/admin/login/"

    logged = log.read_text()
    assert '10.0.0.8 "GET /admin/login/ HTTP/1.1" 200' in logged, logged


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_check_deploy_passes_with_the_documented_environment_file(tmp_path):
    env = production_env(tmp_path, free_port())
    result = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
