"""Browser tests: Playwright (sync API) drives Debian's Chromium against pytest-django's live server.

Chromium comes from the system (``apt-get install -y chromium``), never from ``playwright install``
(browser downloads are impossible where this runs). Without it the tests skip with a message saying
how to install it, except under CI=true, where they fail instead.

Every test here is transactional (the live server answers from its own threads and database
connections, so rows must be committed) and runs with ``serialized_rollback``: the lookup rows
that data migrations seed (roles, categories, visit modes, sectors, visit intervals) are restored
from Django's snapshot before each test. The flush after each test leaves the database empty, so
the module-scoped ``browser`` fixture puts the snapshot back when its module is done: tests that
run later in the same worker, and the next run with ``--reuse-db``, still find their lookup rows.

Each page is watched for console errors, uncaught exceptions and Content-Security-Policy
violations; a test fails at teardown if any happened that it did not expect. Screenshots of each
step go to ``e2e-screenshots/<test>/`` (or ``$E2E_SCREENSHOT_DIR``), and the run lists them at the end.
"""

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(os.environ.get("E2E_SCREENSHOT_DIR", Path(__file__).resolve().parent.parent / "e2e-screenshots"))
PASSWORD = "Correct-horse-9"  # regions.tests.factories.UserFactory's password
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}
MISSING = (
    "未找到 Chromium（{path}），请安装：apt-get install -y chromium / "
    "Chromium not found at {path}; install it with: apt-get install -y chromium"
)
SKIPPED = "浏览器测试已跳过 / browser tests skipped: "
NO_SKIP_IN_CI = "CI=true，浏览器测试不能跳过 / no skipping browser tests under CI=true: "
# Report CSP violations to the test through an exposed function (it survives navigations).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__e2eCspViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
                           " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return MISSING.format(path="playwright (pip install -r requirements-dev.txt)")
    if not CHROMIUM.exists():
        return MISSING.format(path=CHROMIUM)
    return None


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config, items):
    missing = _browser_missing()
    here = Path(__file__).parent
    for item in items:
        if here not in Path(item.path).parents:
            continue
        # All browser tests on one xdist worker (`--dist loadgroup`): one Chromium at a time on
        # a small machine, and one live server.
        item.add_marker(pytest.mark.e2e)
        if config.pluginmanager.hasplugin("xdist"):
            item.add_marker(pytest.mark.xdist_group("e2e"))
        if missing and not _in_ci():
            item.add_marker(pytest.mark.skip(reason=SKIPPED + missing))


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(django_db_setup, django_db_blocker):
    """Chromium for one test module; afterwards the migrations' rows are put back (see above)."""
    missing = _browser_missing()
    if missing:
        if _in_ci():
            pytest.fail(NO_SKIP_IN_CI + missing, pytrace=False)
        pytest.skip(SKIPPED + missing)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    snapshots = {
        c.alias: c._test_serialized_contents for c in connections.all() if hasattr(c, "_test_serialized_contents")
    }
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio loop running in this thread, which Django's ORM
        # takes for async code; the tests' own ORM calls are ordinary synchronous code.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            # While a loop runs, asgiref gives this thread fresh connection objects (per-context
            # storage), which lack the snapshot that serialized_rollback restores from.
            for alias, snapshot in snapshots.items():
                connections[alias]._test_serialized_contents = snapshot
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    with django_db_blocker.unblock():
        for alias, snapshot in snapshots.items():
            connections[alias].creation.deserialize_db_from_string(snapshot)
        connections.close_all()


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen by one test's pages."""

    errors: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """A console error the test expects (e.g. the browser logging a 404 it asked for)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        errors = [e for e in self.errors if not any(p.search(e) for p in self.allowed)]
        return errors + [f"CSP: {v}" for v in self.csp]


@pytest.fixture
def problems():
    return PageProblems()


@pytest.fixture
def open_context(request, browser, live, problems, screenshots):
    """``open_context(viewport=PHONE)`` → a fresh browser context (own cookies) on the live server.

    At the end: a screenshot of every open page if the test failed, then the check that no page
    had a console error, an uncaught exception or a CSP violation the test did not expect.
    """
    contexts = []

    def open_(viewport=DESKTOP, **options):
        context = browser.new_context(
            base_url=live.url, viewport=viewport, locale="zh-CN", accept_downloads=True, **options
        )
        context.set_default_timeout(15_000)
        # The site has no favicon; the browser's own request for one is not an error of a page.
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        context.expose_function("__e2eCspViolation", lambda text: problems.csp.append(text))
        context.add_init_script(CSP_LISTENER)
        context.on("page", lambda page: _watch(page, problems))
        contexts.append(context)
        return context

    yield open_
    report = getattr(request.node, "report_call", None)
    for context in contexts:
        if report is not None and report.failed:
            for page in context.pages:
                screenshots.take(page, "failed")
        context.close()
    found = problems.unexpected()
    assert not found, "浏览器控制台错误或 CSP 违规 / console errors or CSP violations:\n" + "\n".join(found)


def _watch(page, problems: PageProblems) -> None:
    def console(message):
        if message.type == "error":
            source = message.location.get("url") or page.url
            problems.errors.append(f"{source}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.errors.append(f"{page.url}: uncaught {error}"))


@pytest.fixture
def page(open_context):
    """A desktop-sized page."""
    return open_context().new_page()


# --- screenshots ------------------------------------------------------------------------------


class Screenshots:
    """One test's screenshots: ``e2e-screenshots/<test>/NN-<step>.png``, emptied when the test starts."""

    def __init__(self, folder: Path, record_property):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder, self.record_property, self.taken = folder, record_property, []

    def take(self, page, step: str, *, full_page: bool = True) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=full_page)
        self.taken.append(path)
        # Travels to the controller in the test's report (also under xdist); listed at the end.
        self.record_property("screenshot", str(path))
        return path


@pytest.fixture
def screenshots(request, record_property):
    return Screenshots(SCREENSHOT_DIR / request.node.name, record_property)


@pytest.fixture
def shot(screenshots):
    """``shot(page, "dashboard")`` saves the page as the test's next numbered screenshot."""
    return screenshots.take


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.report_call = report  # open_context takes failure screenshots from it
    return report


def pytest_terminal_summary(terminalreporter):
    skipped = {
        report.longrepr[2]
        for report in terminalreporter.getreports("skipped")
        if isinstance(report.longrepr, tuple) and SKIPPED in report.longrepr[2]
    }
    for reason in skipped:  # also without -rs: say how to get the browser tests to run
        terminalreporter.write_line(reason.removeprefix("Skipped: "), yellow=True, bold=True)
    paths = [
        value
        for category in ("passed", "failed", "error")
        for report in terminalreporter.getreports(category)
        for name, value in getattr(report, "user_properties", [])
        if name == "screenshot"
    ]
    if paths:
        terminalreporter.section(f"浏览器测试截图 / e2e screenshots ({len(paths)})")
        for path in sorted(set(paths)):
            terminalreporter.write_line(path)


# --- data -------------------------------------------------------------------------------------


@pytest.fixture
def live(live_server, settings, tmp_path):
    """The live server, with this test's own media and upload folders.

    Settings are production's (DEBUG off, Secure cookies): Chromium accepts Secure cookies from
    http://localhost, where the live server listens.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LEDGER_UPLOAD_DIR = tmp_path / "ledger-uploads"
    # Each login hashes a password; the production hasher's deliberate slowness costs seconds here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return live_server


def login(page, username: str, password: str = PASSWORD):
    page.goto("/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")


@pytest.fixture
def county(live):
    """方山县 from the sample region list, an account per role, and a few children in two townships.

    圪洞镇: 王小花 (green, paired, visited 10 days ago) and 李小明 (red, never visited: overdue).
    大武镇: 赵小军 (yellow, paired, last visited 40 days ago: overdue).
    """
    import datetime

    from django.utils import timezone

    from activities.tests.factories import ActivityFactory, VisitFactory
    from children.tests.factories import ChildFactory, make_id_number
    from core.tests.ledger_helpers import load_sample_regions
    from pairing.tests.factories import PairingFactory, PairingMemberFactory
    from regions.models import Region
    from regions.tests.factories import staff_user
    from volunteers.models import Sector
    from volunteers.tests.factories import VolunteerFactory, VolunteerTeamFactory

    load_sample_regions()
    region = {r.code: r for r in Region.objects.filter(code__startswith="141128")}
    today = timezone.localdate()
    out = {
        "admin": staff_user("fs_admin", region["141128000000"], "admin"),
        "gedong": staff_user("gedong_staff", region["141128100000"], "township"),
        "today": today,
    }
    for key, town, mothers in [
        ("gedong_town", "141128100000", [("张秀英", "教师"), ("刘桂兰", "律师")]),
        ("dawu_town", "141128101000", [("陈丽华", "医护人员")]),
    ]:
        team = VolunteerTeamFactory(name=f"{region[town].name}爱心妈妈服务队", region=region[town])
        out[key] = [
            VolunteerFactory(name=name, region=region[town], team=team, sector=Sector.objects.get(name=sector))
            for name, sector in mothers
        ]
        ActivityFactory(title=f"{region[town].name}亲子阅读", region=region[town], held_on=today)

    def child(name, village, colour, *, mother=None, visited_days_ago=None):
        born = datetime.date(2015, 3, 2)
        kid = ChildFactory(
            name=name, region=region[village], card_colour=colour, id_number=make_id_number(village, born)
        )
        if mother is not None:
            pairing = PairingFactory(child=kid, started_on=today - datetime.timedelta(days=200))
            PairingMemberFactory(pairing=pairing, volunteer=mother, joined_on=pairing.started_on)
        if visited_days_ago is not None:
            visit = VisitFactory(child=kid, visited_on=today - datetime.timedelta(days=visited_days_ago))
            if mother is not None:
                visit.visitors.add(mother)
        return kid

    out["xiaohua"] = child("王小花", "141128100001", "green", mother=out["gedong_town"][0], visited_days_ago=10)
    out["xiaoming"] = child("李小明", "141128100002", "red")
    out["xiaojun"] = child("赵小军", "141128101001", "yellow", mother=out["dawu_town"][0], visited_days_ago=40)
    return out
