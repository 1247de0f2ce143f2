"""The pages users meet, measured: every changelist × scope × (page 1, page 50, search by a name
fragment, search by pinyin, a filter), the dashboard cold and warm, the phone visit page, the
busiest child's profile. Each case yields ``Measure`` rows (bench/harness.py).

Every figure is the median of ``BENCH_RUNS`` requests (5 by default) after one warm-up request,
with the Django side's CPU time and the PostgreSQL backend's CPU time beside the wall time.
"""

import os
import re
import uuid
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from activities.models import Activity, Visit, VisitMode
from bench.harness import Measure, measure
from children.models import Child
from regions.models import Region, StaffProfile
from volunteers.models import Training, Volunteer

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
#: BENCH_VARIANTS="page 1,search name" measures only those variants of each changelist.
VARIANTS = [v.strip() for v in os.environ.get("BENCH_VARIANTS", "").split(",") if v.strip()]
#: A cold dashboard computes every figure of the scope: seconds at province scale, so fewer runs.
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "3"))

#: The scopes, from the narrowest: each contains the one before it (滨河街道 in 离石区 in 吕梁市 in 山西).
TOWNSHIP_CODE = "141102001000"
SCOPES = [
    ("township user", "bench_township", TOWNSHIP_CODE, "township"),
    ("county admin", "bench_county", "141102000000", "admin"),
    ("city admin", "bench_city", "141100000000", "admin"),
    ("province admin", "bench_province", "140000000000", "admin"),
    ("superuser", "bench_superuser", None, None),
]

#: Search terms: a surname (the broadest name fragment staff type) and its pinyin.
NAME_FRAGMENT = "王"
PINYIN_FRAGMENT = "wang"

#: Changelists holding per-child data (or the registers beside them), with the filter measured.
#: Other registered models whose rows lead to a child are found in the admin registry and get a
#: filter chosen from their list_filter (``_generic_filter``).
MAIN_FILTERS = {
    Child: {"visit_status": "overdue"},
    Volunteer: {"township": TOWNSHIP_CODE},
    Visit: {"township": TOWNSHIP_CODE},
    Activity: {"township": TOWNSHIP_CODE},
    Training: {"township": TOWNSHIP_CODE},
}
EXTRA_FILTERS = {Child: [("filter township", {"township": TOWNSHIP_CODE})]}
CHILD_PATHS = ("child", "pairing", "need", "visit")


def scope_users() -> dict[str, User]:
    users = {}
    for label, username, code, role in SCOPES:
        user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        if code is None:
            user.is_superuser = user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        else:
            user.groups.set([Group.objects.get(name=role)])
            StaffProfile.objects.update_or_create(user=user, defaults={"region": Region.objects.get(code=code)})
        users[label] = user
    return users


def _leads_to_child(model) -> bool:
    if model in (Child, Volunteer, Activity, Training):
        return True
    names = {f.name for f in model._meta.get_fields() if f.many_to_one}
    return any(n in names for n in CHILD_PATHS)


def _generic_filter(model_admin) -> dict:
    """The first plain-field list_filter with choices, at its first choice (e.g. status=open)."""
    from django.contrib.admin import SimpleListFilter

    for spec in model_admin.list_filter:
        if isinstance(spec, type) and issubclass(spec, SimpleListFilter):
            if spec.__name__ == "TownshipFilter":
                return {"township": TOWNSHIP_CODE}
            continue
        if isinstance(spec, str) and "__" not in spec:
            field = model_admin.model._meta.get_field(spec)
            if field.choices:
                return {f"{spec}__exact": field.choices[0][0]}
    return {}


def changelist_specs():
    """(label, url, {variant: query}) for every changelist of per-child data."""
    specs = []
    for model, model_admin in admin.site._registry.items():
        if not _leads_to_child(model):
            continue
        fields = model_admin.search_fields
        variants = {"page 1": {}, "page 50": {"p": 50}}
        if fields:
            variants["search name"] = {"q": NAME_FRAGMENT}
            if any(f.endswith("name_pinyin") for f in fields):
                variants["search pinyin"] = {"q": PINYIN_FRAGMENT}
        filters = MAIN_FILTERS.get(model) or _generic_filter(model_admin)
        if filters:
            variants["filter " + ",".join(filters)] = filters
        for label, query in EXTRA_FILTERS.get(model, ()):
            variants[label] = query
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        specs.append((model._meta.model_name, url, variants))
    order = ["child", "volunteer", "pairing", "visit", "activity", "training"]
    specs.sort(key=lambda s: (order.index(s[0]) if s[0] in order else len(order), s[0]))
    return specs


def _fetch(client, url, expect=(200,)):
    def get():
        response = client.get(url)
        if response.status_code not in expect:
            raise AssertionError(f"{url}: {response.status_code}")
        return response.status_code

    return get


def _last_page(client, url) -> int | None:
    response = client.get(url)
    cl = (getattr(response, "context_data", None) or {}).get("cl")
    if cl is None:
        return None
    try:
        return int(cl.paginator.num_pages)
    except (TypeError, ValueError):
        return None


def changelists(*, users, client_factory, only=None, done=()):
    """Every per-child changelist for every scope, five variants each (less those in ``done``)."""
    for model_name, url, variants in changelist_specs():
        if only and model_name not in only:
            continue
        for scope, user in users.items():
            client = client_factory()
            client.force_login(user)
            for variant, query in variants.items():
                if f"{model_name} · {scope} · {variant}" in done or (
                    VARIANTS and not any(variant.startswith(v) for v in VARIANTS)
                ):
                    continue
                notes = ""
                if variant == "page 50":
                    first = client.get(url)
                    if first.status_code != 200:
                        continue
                    pages = _last_page(client, url)
                    if pages is not None and pages < 50:
                        if pages <= 1:
                            yield Measure(
                                key=f"{model_name} · {scope} · page 50",
                                group="changelist",
                                notes="one page only",
                                extra={"model": model_name, "scope": scope, "variant": variant},
                            )
                            continue
                        query = {"p": pages}
                        notes = f"page {pages} (the last)"
                full = url + ("?" + urlencode(query) if query else "")
                try:
                    row = measure(
                        f"{model_name} · {scope} · {variant}",
                        "changelist",
                        _fetch(client, full),
                        runs=RUNS,
                        model=model_name,
                        scope=scope,
                        variant=variant,
                        url=full,
                    )
                except AssertionError as error:
                    row = Measure(
                        key=f"{model_name} · {scope} · {variant}",
                        group="changelist",
                        notes=f"not measured: {error}",
                        extra={"model": model_name, "scope": scope, "variant": variant, "url": full},
                    )
                row.notes = notes or row.notes
                yield row


def dashboard(*, users, client_factory, only=None):
    """The admin index (dashboard) per scope: cold (cache.clear() before every request) and warm."""
    for scope, user in users.items():
        client = client_factory()
        client.force_login(user)
        fetch = _fetch(client, "/admin/")

        def cold(fetch=fetch):
            cache.clear()
            return fetch()

        yield measure(f"dashboard warm · {scope}", "dashboard", fetch, runs=RUNS, scope=scope, variant="warm")
        # Already warmed (templates loaded) by the warm case: every cold request computes every figure.
        yield measure(
            f"dashboard cold · {scope}", "dashboard", cold, runs=COLD_RUNS, warm=0, scope=scope, variant="cold"
        )
        if scope == "township user":
            todo = _fetch(client, "/todo/")
            yield measure(f"待办 · {scope}", "dashboard", todo, runs=RUNS, scope=scope, variant="待办")


def busiest_child() -> Child:
    """The child with the most visits (in the township the township user works in, so every scope sees it)."""
    township = Region.objects.get(code=TOWNSHIP_CODE)
    row = (
        Visit.objects.filter(child__region__parent=township)
        .values("child")
        .annotate(n=Count("id"))
        .order_by("-n", "child")
        .first()
    )
    return Child.objects.get(pk=row["child"]), row["n"]


def profile(*, users, client_factory, only=None):
    """The busiest child's profile page (every visit, pairing and colour change on one page)."""
    child, visits = busiest_child()
    for scope, user in users.items():
        client = client_factory()
        client.force_login(user)
        yield measure(
            f"busiest child's profile · {scope}",
            "profile",
            _fetch(client, f"/children/{child.pk}/profile/"),
            runs=RUNS,
            scope=scope,
            variant="profile",
            notes=f"{visits} visits",
        )


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ENTRY_TOKEN_INPUT = re.compile(r'name="entry_token" value="([^"]+)"')


def phone(*, users, client_factory, only=None):
    """The phone visit page of a township user: the search, the form for the busiest child, and
    submitting a visit (each submission a new visit: a distinct staff visitor every time)."""
    user = users["township user"]
    client = client_factory()
    client.force_login(user)
    child, _visits = busiest_child()
    mode = VisitMode.objects.filter(is_active=True).order_by("pk").first().pk
    yield measure(
        "phone visit page · search by name",
        "phone",
        _fetch(client, "/visits/new/?" + urlencode({"q": child.name[:2]})),
        runs=RUNS,
        variant="search",
    )
    yield measure(
        "phone visit page · search by pinyin",
        "phone",
        _fetch(client, "/visits/new/?" + urlencode({"q": PINYIN_FRAGMENT})),
        runs=RUNS,
        variant="search pinyin",
    )
    form_url = f"/visits/new/?child={child.pk}"
    yield measure("phone visit page · form (GET)", "phone", _fetch(client, form_url), runs=RUNS, variant="GET")

    def submit():
        form = client.get(form_url).content.decode()
        entry = ENTRY_TOKEN_INPUT.search(form)
        token = uuid.uuid4().hex
        response = client.post(
            form_url,
            {
                "child": child.pk,
                "visited_on": timezone.localdate().isoformat(),
                "mode": mode,
                "staff_visitors": f"压测{token[:8]}",
                "findings": f"压测走访 {token}",
                "goods_value": "0",
                "reassessed_colour": "",
                "entry_token": entry.group(1) if entry else "",
            },
        )
        if response.status_code != 302 or "/saved/" not in response.get("Location", ""):
            raise AssertionError(f"visit not saved: {response.status_code}")
        return response.status_code

    yield measure("phone visit page · submit (GET form + POST)", "phone", submit, runs=RUNS, variant="POST")
