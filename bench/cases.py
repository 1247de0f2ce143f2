"""The benchmark cases. Each yields Rows: our figure, the comparison measured in the same run, the ratio."""

from functools import partial
from urllib.parse import urlencode

from django.test import override_settings

from activities.models import ActivityType, VisitMode
from bench.harness import Row, fmt_ms, ratio, timed_queries


def first_pk(model):
    return lambda: model.objects.order_by("pk").first().pk


CHANGELISTS = [
    ("children", "child", {"card_colour": "red"}, "王"),
    ("volunteers", "volunteer", {"status": "active"}, "王"),
    ("pairing", "pairing", {"open": "yes"}, "王"),
    ("activities", "visit", {"mode__id__exact": first_pk(VisitMode)}, "王"),
    ("activities", "activity", {"activity_type__id__exact": first_pk(ActivityType)}, "安全"),
]
CHANGELIST_TARGET_S = 0.200
CHANGELIST_MAX_QUERIES = 12


def changelists(*, users, client_factory):
    """Median of 20 requests per changelist with a filter and a search, and its query count;
    the comparison is Django's stock ModelAdmin on the same models and scope (bench/naive_admin.py)."""
    with override_settings(ROOT_URLCONF="bench.naive_admin"):
        for app, model, filters, search in CHANGELISTS:
            query = urlencode({**{k: (v() if callable(v) else v) for k, v in filters.items()}, "q": search})
            ours_url = f"/admin/{app}/{model}/?{query}"
            naive_url = f"/naive/{app}/{model}/?{query}"
            for label, user in users.items():
                client = client_factory()
                client.force_login(user)
                fetch = partial(_get, client)
                fetch(ours_url)  # warm caches, as a person's second click would be
                seconds, queries = timed_queries(partial(fetch, ours_url))
                naive_seconds, naive_queries = timed_queries(partial(fetch, naive_url), repeat=5)
                yield Row(
                    case=f"changelist {model} · {label}",
                    ours=f"{fmt_ms(seconds)}, {queries} queries",
                    other=f"stock ModelAdmin {fmt_ms(naive_seconds)}, {naive_queries} queries",
                    ratio=ratio(seconds, naive_seconds),
                    target=f"≤ 200 ms, ≤ {CHANGELIST_MAX_QUERIES} queries",
                    ok=seconds <= CHANGELIST_TARGET_S and queries <= CHANGELIST_MAX_QUERIES,
                )


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


ALL = {"changelists": changelists}
