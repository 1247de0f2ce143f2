"""No English a person reads: every admin page and site page, as each role, in Chinese only.

Pages are found, not listed: every model admin in ``admin.site._registry`` (its changelist, add
form, the change form / history / delete page of an object the role may see, its import and
export pages and any other page its ``get_urls`` adds), and every named URL of the URLconf that
answers a GET without arguments (or whose only argument is an app label or an object of a known
model). Each role gets one database setup and one client; a failure names the role, the page
and the English words found on it.

"Visible text" is the text of the page with scripts and styles removed, plus the attributes a
person reads or hears: title, placeholder, aria-label, alt, and the value of buttons.
"""

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone

# English words and phrases of the UI (the theme's, Django's, import-export's, simple-history's,
# axes'). Matched as whole words, case-sensitively: a person's data in Latin letters (an
# account name such as ``town_a``) does not match a capitalised UI word.
ENGLISH_UI_WORDS = [
    "Welcome",
    "Return to site",
    "Search",
    "Type to search",
    "Filters",
    "Filter",
    "Select",
    "Go back",
    "Previous",
    "Next",
    "Light",
    "Dark",
    "System",
    "No results",
    "Choose file",
    "Changes",
    "None",
    "Save",
    "Delete",
    "History",
    "Add",
    "Change",
    "Home",
    "Log out",
    "Log in",
    "Logout",
    "Password",
    "Username",
    "View site",
    "Close",
    "Cancel",
    "Submit",
    "Apply",
    "Reset",
    "Clear",
    "Export",
    "Import",
    "Run",
    "Actions",
    "Action",
    "Yes",
    "No",
    "True",
    "False",
    "All",
    "Today",
    "Now",
    "Show",
    "Hide",
    "Toggle",
    "Loading",
    "Edit",
    "Remove",
    "Confirm",
    "Back",
    "Error",
    "Errors",
    "Preview",
    "Format",
    "Expand",
    "Collapse",
    "General",
    "Recent",
    "Dashboard",
    "Django",
    "administration",
    "Not Found",
    "Server Error",
    "Forbidden",
    "Bad Request",
    "results",
    "found",
    "selected",
    "required",
    "Date",
    "Time",
    "Object",
    "Comment",
    "Changed by",
    "Created",
    "Changed",
    "Deleted",
    "Skipped",
    "New",
    "Update",
    "Row",
    "Line number",
    "Resource",
    "More actions",
    "Unknown",
    "Page",
]
ENGLISH = re.compile(r"(?<![A-Za-z])(" + "|".join(re.escape(w) for w in ENGLISH_UI_WORDS) + r")(?![A-Za-z])")
# Chinese words that give away an untranslated default of Django's (the admin's own title).
STOCK_CHINESE = ["站点管理", "最近动作", "我的动作", "Django 管理"]

READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
BUTTON_INPUTS = {"submit", "button", "reset"}
SKIPPED_ELEMENTS = {"script", "style", "noscript"}


class VisibleText(HTMLParser):
    """The text a person reads on a page, and the page's <title>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.title, self._skip, self._in_title = [], [], 0, False
        self._skip_stack = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in SKIPPED_ELEMENTS or (tag == "span" and "material-symbols" in (attrs.get("class") or "")):
            # A Material Symbols ligature ("search", "close") is drawn as an icon, not read.
            self._skip_stack.append(tag)
            self._skip += 1
        elif self._skip_stack and tag == self._skip_stack[-1]:
            self._skip_stack.append(tag)
            self._skip += 1
        if tag == "title":
            self._in_title = True
        for name in READ_ATTRIBUTES & attrs.keys():
            self.parts.append(attrs[name] or "")
        if (tag == "button" or (tag == "input" and attrs.get("type") in BUTTON_INPUTS)) and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self._skip_stack and tag == self._skip_stack[-1]:
            self._skip_stack.pop()
            self._skip -= 1
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> tuple[str, str]:
        parser = cls()
        parser.feed(html)
        parser.close()
        return " ".join(parser.parts), " ".join(parser.title).strip()


def english_in(html: str) -> list[str]:
    text, title = VisibleText.of(html)
    found = sorted({m.group(1) for m in ENGLISH.finditer(text + " " + title)})
    found += [w for w in STOCK_CHINESE if w in text or w in title]
    return found


# --- page discovery ---------------------------------------------------------------------------


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def _arguments(pattern) -> list[str]:
    route = pattern.pattern
    if isinstance(route, RoutePattern):
        return list(route.converters)
    named = list(route.regex.groupindex)
    return named + ["?"] * (route.regex.groups - len(named))


def _flatten(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _flatten(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


# URL arguments that name an object of a model: the first one the role may see is used.
OBJECT_ARGUMENTS = {
    "children:profile": "children.Child",
    "activities:visit_saved": "activities.Visit",
    "reports:job_status": "reports.Job",
}
# GET-only-by-mistake or downloads: not HTML pages a person reads.
NOT_PAGES = {"admin:logout", "admin:jsi18n", "admin:view_on_site", "view_on_site"}


def model_admin_pages(user):
    """(label, url) of every page of every model admin ``user`` may open."""
    request = _request(user)
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        if not model_admin.has_module_permission(request) and not model_admin.has_view_or_change_permission(request):
            continue
        obj = model_admin.get_queryset(request).order_by("pk").first()
        label = model._meta.label
        for pattern in model_admin.get_urls():
            if not pattern.name:
                continue
            arguments = _arguments(pattern)
            name = f"admin:{pattern.name}"
            if name in NOT_PAGES or pattern.name.endswith("_process_import"):
                continue
            if not arguments:
                yield f"{label} {pattern.name}", reverse(name)
            elif obj is None:
                continue
            elif arguments == ["object_id"]:
                yield f"{label} {pattern.name} #{obj.pk}", reverse(name, args=[obj.pk])
            elif pattern.name.endswith("_simple_history") and len(arguments) == 2 and hasattr(obj, "history"):
                # simple-history's page of one version (read-only here).
                version = obj.history.order_by("history_id").last()
                if version is not None:  # a row seeded by a data migration has no version yet
                    yield f"{label} {pattern.name} #{obj.pk}", reverse(name, args=[obj.pk, version.history_id])


def site_pages(user):
    """(label, url) of the URLconf's other pages: no arguments, an app label or a known object."""
    from django.apps import apps

    admin_names = {
        f"admin:{p.name}" for model_admin in admin.site._registry.values() for p in model_admin.get_urls() if p.name
    }
    for name, pattern in _flatten(get_resolver().url_patterns):
        if name in admin_names or name in NOT_PAGES:
            continue
        arguments = _arguments(pattern)
        if not arguments:
            yield name, reverse(name)
        elif arguments == ["app_label"]:
            for app_label in sorted({m._meta.app_label for m in admin.site._registry}):
                yield f"{name} {app_label}", reverse(name, kwargs={"app_label": app_label})
        elif name in OBJECT_ARGUMENTS and len(arguments) == 1:
            model = apps.get_model(OBJECT_ARGUMENTS[name])
            obj = model.objects.for_user(user).order_by("pk").first()
            if obj is not None:
                yield f"{name} #{obj.pk}", reverse(name, kwargs={arguments[0]: obj.pk})


# --- data and roles ---------------------------------------------------------------------------


@pytest.fixture
def lived_in(world, users):
    """``world`` plus what the history, job and log pages show: a colour change, a finished
    job with a report, an import logged, a search logged."""
    from django.contrib.admin.models import CHANGE, LogEntry

    from children.services import child_change_colour
    from core.signals import access_logged, ledger_imported
    from reports.models import Job, JobStatus

    child = world["a"]["child"]
    child_change_colour(
        child=child, to_colour="yellow", effective_on=timezone.localdate(), reason="走访评估", by=users["admin"]
    )
    for user in (users["admin"], users["town_a"], users["viewer"]):
        Job.objects.create(
            user=user,
            kind="monthly_ledger",
            status=JobStatus.DONE,
            done=3,
            total=3,
            finished_at=timezone.now(),
            report={"children": 2, "activities": 1, "sheets": "汇总、基础台账", "masked": True},
        )
        Job.objects.create(
            user=user,
            kind="import_children",
            status=JobStatus.FAILED,
            done=2,
            total=2,
            finished_at=timezone.now(),
            message="未导入任何数据：新增 0，更新 0，跳过 0，错误 1",
            report={"new": 0, "updated": 0, "conflicts": 0, "skipped": 0, "errors": ["第3行 性别 无法识别"]},
        )
        ledger_imported.send(
            sender=None,
            user=user,
            ledger="children",
            filename="儿童台账.xlsx",
            counts={"new": 2, "updated": 1, "skipped": 0, "errors": 0},
        )
        access_logged.send(sender=None, user=user, kind="search", place="changelist:children.child", detail="甲")
        # Django's own admin log (the "最近动作" box it would show on the index).
        LogEntry.objects.log_actions(user.pk, [child], CHANGE, change_message="[]", single_object=True)
    return world


# NO_ENGLISH_DUMP=/some/dir keeps the pages that failed, to look at.
DUMP = Path(os.environ["NO_ENGLISH_DUMP"]) if os.environ.get("NO_ENGLISH_DUMP") else None
ROLES = ["superuser", "county admin", "township staff", "viewer"]


def _user(role, users, django_user_model):
    if role == "superuser":
        from regions.tests.factories import staff_user

        user = staff_user("root_admin", None, None)
        user.is_superuser = True
        user.save()
        return user
    return {"county admin": users["admin"], "township staff": users["town_a"], "viewer": users["viewer"]}[role]


def _read(client, url):
    response = client.get(url)
    if response.status_code in (301, 302, 303, 307, 308, 405):
        return None
    if "html" not in response.get("Content-Type", ""):
        return None
    if getattr(response, "streaming", False):
        return None
    return response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_no_english_on_any_page(role, lived_in, users, django_user_model):
    user = _user(role, users, django_user_model)
    client = Client()
    client.force_login(user)
    pages = [*model_admin_pages(user), *site_pages(user)]
    assert len(pages) > 20, pages
    problems = []
    for label, url in pages:
        html = _read(client, url)
        if html is None:
            continue
        found = english_in(html)
        if found and DUMP:
            (DUMP / (re.sub(r"\W+", "_", f"{role}_{label}") + ".html")).write_text(html)
        if found:
            problems.append(f"{label} ({url}): {', '.join(found)}")
    assert not problems, f"English on {len(problems)} page(s) as {role}:\n" + "\n".join(problems)


def test_no_english_on_the_login_and_missing_pages(client, db):
    problems = []
    for label, url in [("login", reverse("admin:login")), ("404", "/no-such-page/")]:
        response = client.get(url)
        found = english_in(response.content.decode())
        if found:
            problems.append(f"{label} ({url}): {', '.join(found)}")
    assert not problems, "\n".join(problems)


# --- the raw values and pages issue 13 named -------------------------------------------------


def test_the_history_page_shows_colour_labels_not_stored_values(client, lived_in, users):
    client.force_login(users["admin"])
    child = lived_in["a"]["child"]
    page = client.get(reverse("admin:children_child_history", args=[child.pk])).content.decode()
    text, _title = VisibleText.of(page)
    assert re.search(r"绿\s+黄", text), "the colour change reads 绿 → 黄"
    assert "green" not in text and "yellow" not in text and "None" not in text


def test_a_jobs_status_and_report_read_as_chinese(client, lived_in, users):
    from reports.models import Job

    client.force_login(users["admin"])
    monthly, failed = (
        Job.objects.filter(user=users["admin"], kind=kind).get() for kind in ("monthly_ledger", "import_children")
    )
    page = client.get(reverse("admin:reports_job_change", args=[monthly.pk])).content.decode()
    text, _title = VisibleText.of(page)
    assert "('done'" not in text and "已完成" in text
    assert "在册儿童：2" in text and "身份证号和电话已脱敏：是" in text
    assert not re.search(r"\b(children|activities|masked|sheets|True)\b", text), text
    page = client.get(reverse("admin:reports_job_change", args=[failed.pk])).content.decode()
    assert "第3行 性别 无法识别" in page and "冲突：0" in VisibleText.of(page)[0]


def test_the_import_log_names_ledgers_and_counts_in_chinese(client, lived_in, users):
    from audit.models import LedgerEvent

    client.force_login(users["admin"])
    page = client.get(reverse("admin:audit_ledgerevent_changelist")).content.decode()
    text, _title = VisibleText.of(page)
    assert "儿童台账" in text and not re.search(r"\bchildren\b", text)
    event = LedgerEvent.objects.filter(user=users["admin"]).get()
    response = client.get(reverse("admin:audit_ledgerevent_change", args=[event.pk]))
    text, title = VisibleText.of(response.content.decode())
    assert "新增：2" in text and "更新：1" in text and "儿童台账" in title
    assert not re.search(r"\b(new|updated|children)\b", text)
    # The filter offers the ledgers by name.
    page = client.get(reverse("admin:audit_ledgerevent_changelist"), {"ledger": "children"}).content.decode()
    assert "儿童台账.xlsx" in page


def test_a_failed_import_in_the_log_reads_as_failed_with_its_reasons(client, lived_in, users):
    from audit.models import LedgerEvent

    event = LedgerEvent.objects.filter(user=users["admin"]).get()
    event.pk = None
    event.counts = {"new": 0, "errors": 1, "failed": True, "reasons": ["第3行 身份证号码", "第5行 性别"]}
    event.save()
    client.force_login(users["admin"])
    page = client.get(reverse("admin:audit_ledgerevent_change", args=[event.pk])).content.decode()
    text, _title = VisibleText.of(page)
    assert "失败：是" in text and "原因：第3行 身份证号码；第5行 性别" in text
    assert not re.search(r"\b(failed|reasons|True)\b", text) and "[" not in text


def test_the_access_log_names_pages_in_chinese(client, lived_in, users):
    client.force_login(users["admin"])
    text, _title = VisibleText.of(client.get(reverse("admin:audit_accessevent_changelist")).content.decode())
    assert "儿童 · 列表" in text and "changelist" not in text


def test_our_catalogue_overrides_the_wrong_upstream_translation(settings):
    from django.utils import translation

    assert settings.LOCALE_PATHS, "the project's catalogue comes before every app's"
    with translation.override("zh-hans"):
        assert translation.gettext("Some rows failed to validate") == "部分行未通过校验"
        assert translation.gettext("Skipped") == "跳过"


def test_every_admin_title_names_the_product_not_djangos_site_admin(client, lived_in, users):
    client.force_login(users["admin"])
    page = client.get(reverse("admin:index")).content.decode()
    _text, title = VisibleText.of(page)
    assert title.startswith("工作台") and "爱心妈妈" in title and "站点管理" not in title
    # Django's "recent actions" box of the admin's own LogEntry rows is gone (there is one).
    assert "recent-actions-module" not in page and "最近动作" not in page


@pytest.mark.parametrize("url,heading", [("/no-such-page/", "页面不存在"), ("/admin/no-such-page/", "页面不存在")])
def test_the_404_page_is_chinese_and_links_back(client, users, url, heading):
    client.force_login(users["viewer"])
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert heading in page and 'href="/admin/"' in page and "返回工作台" in page
    assert not english_in(page)


def test_the_403_page_is_chinese_and_links_back(client, lived_in, users):
    client.force_login(users["viewer"])
    response = client.get(reverse("admin:children_child_add"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "您不能打开这个页面" in page and 'href="/admin/"' in page
    assert not english_in(page)


def test_the_500_page_renders_without_any_context():
    from django.template import loader

    page = loader.get_template("500.html").render()  # no request, no context processors
    assert "服务器出了问题" in page and 'href="/admin/"' in page
    assert not english_in(page)


def test_the_500_handler_answers_in_chinese(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500 and "服务器出了问题" in response.content.decode()


def test_the_400_page_is_chinese(rf):
    from django.core.exceptions import SuspiciousOperation
    from django.views.defaults import bad_request

    response = bad_request(rf.get("/"), SuspiciousOperation("x"))
    assert response.status_code == 400 and "无法处理这次请求" in response.content.decode()


def test_a_csrf_failure_is_chinese_and_offers_to_log_in_again(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("admin:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "表单已失效" in page and 'href="/admin/login/"' in page
    assert not english_in(page)


@pytest.mark.parametrize("changelist", ["admin:audit_ledgerevent_changelist", "admin:audit_accessevent_changelist"])
def test_the_log_lists_name_things_without_a_query_per_row(client, lived_in, users, changelist):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.signals import access_logged, ledger_imported

    client.force_login(users["admin"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(changelist)).status_code == 200
        return len(captured)

    few = queries()
    for n in range(20):
        ledger_imported.send(sender=None, user=users["admin"], ledger="visits", filename=f"{n}.xlsx", counts={"new": n})
        access_logged.send(sender=None, user=users["admin"], kind="preview", place="visits", detail=f"{n}.xlsx")
    assert queries() <= few
