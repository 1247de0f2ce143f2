"""Issue 11, item 11: hostile values in any parameter get a refusal or a page, never a 5xx.

The parameter names come from the admin registry (each changelist's filter specs plus search,
ordering, paging and the admin's own flags; each autocomplete; each export endpoint) and from
the pages outside the admin, so a new filter or register is fuzzed without touching this file.
Every role is tried, because filters, choices and scopes differ by role. PostgreSQL is where a
NUL byte fails ("A string literal cannot contain NUL"); CI runs these there (``make security``).

Two layers:
- at the door (core.middleware): a NUL or an overlong value, in each parameter on its own,
  answers 400 with the Chinese page, for every endpoint and role;
- behind it: each malformed value (wrong type, range, date, LIKE and quote characters, a line
  separator, astral unicode) goes into all of an endpoint's parameters at once, for every role;
  and, because one filter's refusal (a redirect with ?e=1) can hide the filters after it, each
  parameter is also sent alone, as the superuser and as a township user, with a malformed value
  that rotates over the list. One request per (parameter, value, role) would take many minutes
  (an admin page renders in 50–150 ms); this keeps the run within a minute on two workers.
"""

from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse

from activities.forms import VisitEntryForm

pytestmark = [pytest.mark.security, pytest.mark.django_db]

AT_THE_DOOR = ["\x00", "1\x00", "x" * 10_000]
MALFORMED = ["abc", "-1", "1e99", "%", "'", "\u2028", "2025-13-45", "[]", "儿童\U00020000"]

#: Parameters every changelist reads besides its filters: search, ordering, page, error flag,
#: facets, show-all, popup and to-field, the filters carried over from a change page.
CHANGELIST_PARAMS = ["q", "o", "p", "e", "_facets", "all", "_popup", "_to_field", "_changelist_filters"]
#: A lookup that is no field of most models: the report that gave a 500 on the activity export.
FOREIGN_LOOKUP = "child__id__exact"

ROLES = ["root", "admin", "town_a", "viewer"]


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def filter_parameters(model_admin, user):
    """Every GET parameter the changelist's filter specs read (``expected_parameters``)."""
    request = RequestFactory().get("/")
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    return sorted({name for spec in changelist.filter_specs for name in spec.expected_parameters()})


def _admin_url(model, view):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


def endpoints(world, root):
    """(label, method, url, parameter names, fixed data, parameters go in the query string)."""
    out = []
    for model, model_admin in registered():
        names = [*filter_parameters(model_admin, root), *CHANGELIST_PARAMS]
        out.append(("changelist", "get", _admin_url(model, "changelist"), names, {}, True))
        if hasattr(model_admin, "get_export_queryset"):
            export = _admin_url(model, "export")
            out.append(("export", "get", export, [*names, FOREIGN_LOOKUP], {}, True))
            out.append(("export", "post", export, [*names, FOREIGN_LOOKUP], {"format": "0", "resource": "0"}, True))
            out.append(("export form", "post", export, ["format", "resource", "export_items"], {}, False))
        for field_name in model_admin.autocomplete_fields:
            base = {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field_name}
            out.append(("autocomplete", "get", reverse("admin:autocomplete"), [*base, "term", "page"], base, True))
    child, visit = world["a"]["child"], world["a"]["visit"]
    entry = reverse("activities:visit_entry")
    visit_form = {"child": child.pk, "visited_on": "2025-03-01", "findings": "走访"}
    out += [
        ("visits", "get", reverse("activities:child_search"), ["q"], {}, True),
        ("visits", "get", entry, ["q", "child"], {}, True),
        ("visits", "post", entry, [f for f in VisitEntryForm.base_fields if f != "photos"], visit_form, False),
        ("visits", "get", reverse("activities:visit_saved", args=[visit.pk]), ["next"], {}, True),
        ("profile", "get", reverse("children:profile", args=[child.pk]), ["print", "month"], {}, True),
        ("dashboard", "get", reverse("admin:index"), ["month"], {}, True),
        ("ledger", "get", reverse("reports_ledger"), ["month", "region"], {}, True),
        ("pairing", "get", reverse("admin:pairing_pairing_pair"), ["child"], {}, True),
    ]
    return out


class Fuzzer:
    def __init__(self, client):
        self.client = client
        self.failures: list[str] = []
        self.requests = 0

    def send(self, method, url, names, value, base, in_query):
        self.requests += 1
        hostile = dict.fromkeys(names, value)
        if in_query and method == "post":
            target, data = f"{url}?{urlencode(hostile)}", base
        else:
            target, data = url, {**base, **hostile}
        label = f"{method.upper()} {url} {sorted(names)}={value[:12]!r}"
        try:
            # A savepoint per request: one database error must not poison the requests after it.
            with transaction.atomic():
                response = getattr(self.client, method)(target, data)
        except Exception as error:  # noqa: BLE001 — any exception is the 500 we are looking for
            self.failures.append(f"{label}: {type(error).__name__}: {str(error)[:160]}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{label}: {response.status_code}")
        return response


@pytest.fixture(autouse=True)
def _quiet_refusals():
    """Thousands of expected 4xx answers would each log a warning with a traceback."""
    import logging

    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def people(users, world):
    root = get_user_model().objects.create_superuser("root_fuzz", "root@example.com", "Correct-horse-9")
    return {"root": root, **users}


@pytest.mark.parametrize("role", ROLES)
def test_it_refuses_nul_and_overlong_values_at_the_door_in_every_parameter(client, people, world, role):
    client.force_login(people[role])
    fuzz = Fuzzer(client)
    wrong = []
    for _label, method, url, names, base, in_query in endpoints(world, people["root"]):
        for name in names:
            for value in AT_THE_DOOR:
                if len(value) > 1000 and not in_query:
                    continue  # long form fields (a visit's findings) are the form's business
                response = fuzz.send(method, url, [name], value, base, in_query)
                if response is not None and (response.status_code != 400 or "拒绝" not in response.content.decode()):
                    wrong.append(f"{method} {url} {name}={value[:5]!r}: {response.status_code}")
    assert fuzz.failures == [], "\n".join(fuzz.failures)
    assert wrong == [], "\n".join(wrong)


def _openable(client, endpoints_):
    for endpoint in endpoints_:
        _label, method, url, _names, base, _in_query = endpoint
        # A page the role may not open at all has nothing behind it to reach.
        if method == "post" or client.get(url, base).status_code not in (403, 404):
            yield endpoint


@pytest.mark.parametrize("role", ROLES)
def test_it_answers_malformed_values_in_all_parameters_at_once_without_a_server_error(client, people, world, role):
    client.force_login(people[role])
    fuzz = Fuzzer(client)
    for _label, method, url, names, base, in_query in _openable(client, endpoints(world, people["root"])):
        for value in MALFORMED:
            fuzz.send(method, url, names, value, base, in_query)
    assert fuzz.failures == [], "\n".join(fuzz.failures)


@pytest.mark.parametrize("role", ["root", "town_a"])
def test_it_answers_a_malformed_value_in_each_parameter_alone_without_a_server_error(client, people, world, role):
    client.force_login(people[role])
    fuzz = Fuzzer(client)
    turn = 0 if role == "root" else len(MALFORMED) // 2
    for _label, method, url, names, base, in_query in _openable(client, endpoints(world, people["root"])):
        for name in names:
            turn += 1
            fuzz.send(method, url, [name], MALFORMED[turn % len(MALFORMED)], base, in_query)
    assert fuzz.failures == [], "\n".join(fuzz.failures)


def test_the_export_with_a_filter_it_cannot_apply_says_so_in_chinese(client, people):
    """The report's case: POST /admin/activities/activity/export/?child__id__exact=1 was a 500."""
    client.force_login(people["admin"])
    url = f"{reverse('admin:activities_activity_export')}?{FOREIGN_LOOKUP}=1"
    response = client.post(url, {"format": "0", "resource": "0"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:activities_activity_changelist")
    assert "筛选条件无法应用" in response.content.decode()


def test_the_door_page_is_chinese_and_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("activities:child_search"), {"q": "甲\x00"})
    assert response.status_code == 400
    assert "包含空字符" in response.content.decode()
    response = client.get(reverse("admin:index"), {"month": "9" * 1001})
    assert response.status_code == 400 and "1000" in response.content.decode()
