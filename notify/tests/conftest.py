import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest


class RobotServer(HTTPServer):
    """A group robot on 127.0.0.1: keeps what it receives, answers what ``answers`` says next."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RobotHandler)
        self.received: list[dict] = []
        self.answers: list[tuple[int, dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/cgi-bin/webhook/send?key=secret-key-1234"


class RobotHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"json": json.loads(body), "content_type": self.headers["Content-Type"]})
        status, answer = self.server.answers.pop(0) if self.server.answers else (200, {"errcode": 0, "errmsg": "ok"})
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    server = RobotServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _robot_on_this_machine(settings):
    """The test robot listens on 127.0.0.1; production allows only the robot services' hosts."""
    settings.NOTIFY_ROBOT_HOSTS = [*settings.NOTIFY_ROBOT_HOSTS, "127.0.0.1"]


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "aixin@example.gov.cn"


@pytest.fixture
def sent_sms(settings):
    """The SMS gateway of the tests: keeps what it was asked to send."""
    from . import sms_double

    settings.NOTIFY_SMS_BACKEND = "notify.tests.sms_double.RecordingGateway"
    sms_double.SENT.clear()
    return sms_double.SENT
