"""Issue 16: the wide changelists stay flat at province scale.

The shapes pinned here are what keeps a page from touching the whole scope: an index that
matches each list's order (so PostgreSQL reads a page off the index instead of sorting every
row in scope), no aggregate over the scope before the LIMIT, searches that never join the
visitors over the scope, and township / team filters that don't print every choice.
"""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .test_changelist_queries import MAX_QUERIES, count_queries, populate

postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes and plans")

#: Each wide list's model → its order, which a composite index matches column for column.
ORDER_INDEXES = {
    "activities_visit": ("visit_latest", ["-visited_on", "-id"]),
    "activities_activity": ("activity_latest", ["-held_on", "-id"]),
    "pairing_pairing": ("pairing_latest", ["-started_on", "-id"]),
    "pairing_pairingmember": ("pairingmember_order", ["pairing", "-role", "joined_on", "-id"]),
    "volunteers_training": ("training_latest", ["-held_on", "-id"]),
    "children_cardchange": ("cardchange_latest", ["-effective_on", "-created_at", "-id"]),
    "audit_accessevent": ("accessevent_latest", ["-at", "-id"]),
    "audit_recordview": ("recordview_latest", ["-at", "-id"]),
    "audit_loginevent": ("loginevent_latest", ["-at", "-id"]),
    "audit_ledgerevent": ("ledgerevent_latest", ["-at", "-id"]),
    "closing_correction": ("correction_latest", ["-at", "-id"]),
    "safeguarding_mandatoryreport": ("mandatory_report_latest", ["-reported_at", "-id"]),
    "assessments_assessment": ("assessment_latest", ["-assessed_on", "-created_at", "-id"]),
    "casework_need": ("need_order", ["child", "-found_on", "-id"]),
    "casework_referral": ("referral_latest", ["-referred_on", "-id"]),
}


def _admin_for(table):
    return next(a for m, a in admin.site._registry.items() if m._meta.db_table == table)


@pytest.mark.parametrize("table", sorted(ORDER_INDEXES))
def test_each_wide_changelist_orders_by_its_index_ending_in_a_unique_column(table):
    name, fields = ORDER_INDEXES[table]
    model_admin = _admin_for(table)
    assert list(model_admin.ordering) == fields
    assert fields[-1].lstrip("-") in {"id", "pk"}, "pagination needs a unique last column"
    index = next(i for i in model_admin.model._meta.indexes if i.name == name)
    assert list(index.fields) == fields


@postgresql
@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(ORDER_INDEXES))
def test_the_order_indexes_exist_on_postgresql(table):
    name, fields = ORDER_INDEXES[table]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s", [table, name])
        row = cursor.fetchone()
    assert row is not None, f"no index {name} on {table}"
    model = _admin_for(table).model
    columns = [f"{model._meta.get_field(f.lstrip('-')).column}{' DESC' if f.startswith('-') else ''}" for f in fields]
    assert row[0].endswith(f"({', '.join(columns)})"), row[0]


def _page_sql(client, url, table):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return next(q["sql"] for q in ctx.captured_queries if f'FROM "{table}"' in q["sql"] and "LIMIT" in q["sql"])


@pytest.mark.parametrize("who", ["admin", "town_a"])
def test_the_scoped_visits_page_orders_exactly_as_the_index(client, regions, users, who):
    """A scoped page sorts by the index's columns and nothing else (a column of the child, or no
    tie-breaker, would make PostgreSQL sort the whole scope again)."""
    client.force_login(users[who])
    populate(regions, 5)
    sql = _page_sql(client, reverse("admin:activities_visit_changelist") + "?p=1", "activities_visit")
    assert 'ORDER BY "activities_visit"."visited_on" DESC, "activities_visit"."id" DESC LIMIT' in sql


@postgresql
def test_the_visits_page_is_read_off_the_order_index_not_sorted(client, regions, django_user_model):
    """The whole database's page is an index scan on visit_latest with no Sort node: it stops
    after the page's rows (sequential scans priced out, as a test table is tiny). At city scale
    a county's page 50 went from 151 ms (a sort of 169k visits) to 24 ms this way."""
    client.force_login(django_user_model.objects.create_superuser("root", "", "x"))
    populate(regions, 5)
    sql = _page_sql(client, reverse("admin:activities_visit_changelist") + "?p=1", "activities_visit")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "visit_latest" in plan, plan
    assert "Sort" not in plan, plan


@pytest.mark.parametrize("who", ["admin", "town_a"])
@pytest.mark.parametrize(
    "label",
    ["children.Child", "volunteers.Volunteer", "pairing.Pairing", "activities.Visit", "activities.Activity"],
)
def test_page_fifty_costs_what_page_one_costs(client, regions, users, label, who):
    """A deep page (here page 3 of 2-row pages) runs the same queries as the first."""
    app_label, model_name = label.lower().split(".")
    client.force_login(users[who])
    populate(regions, 12)
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label == label)
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    per_page = model_admin.list_per_page
    model_admin.list_per_page = 2
    try:
        first, deep = count_queries(client, url), count_queries(client, url + "?p=3")
    finally:
        model_admin.list_per_page = per_page
    assert deep == first <= MAX_QUERIES


def _queries(client, url):
    client.get(url)  # warm: the session's once-a-minute renewal write happens here
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("who", ["admin", "town_a"])
@pytest.mark.parametrize("query", ["", "?q=王", "?archived=include"])
def test_the_pairings_list_groups_nothing_and_costs_the_same_at_2_and_30_pairings(client, regions, users, who, query):
    """No GROUP BY (a Count("members") grouped every pairing in scope before the LIMIT); the
    members and the mode come from one prefetch of the page's rows."""
    client.force_login(users[who])
    url = reverse("admin:pairing_pairing_changelist") + query
    populate(regions, 2)
    few = _queries(client, url)
    populate(regions, 28)
    many = _queries(client, url)
    assert len(few) == len(many) <= MAX_QUERIES
    assert not [sql for sql in many if "GROUP BY" in sql]


def test_the_pairings_list_shows_members_and_mode_without_the_count(client, regions, users):
    from pairing.models import Pairing

    client.force_login(users["admin"])
    populate(regions, 3)  # each pairing has two mothers: many-to-one
    response = client.get(reverse("admin:pairing_pairing_changelist"))
    page = response.content.decode()
    assert page.count(str(Pairing.Mode.MANY_TO_ONE.label)) >= 3
    assert page.count("（主责）") >= 3, "each pairing's lead is named"


@pytest.mark.parametrize("label", ["volunteers.VolunteerTeam", "volunteers.Training"])
def test_team_and_training_lists_count_per_row_not_per_group(client, regions, users, label):
    app_label, model_name = label.lower().split(".")
    client.force_login(users["admin"])
    populate(regions, 3)
    sqls = _queries(client, reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert not [sql for sql in sqls if "GROUP BY" in sql]


def _search_page(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    # The changelist's own query selects the visits' columns (the 待办 count in a township's
    # sidebar also reads visits, through its own subqueries).
    page = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "activities_visit".')
        and 'FROM "activities_visit"' in q["sql"]
        and "LIMIT" in q["sql"]
    ]
    return response, page[-1], len(ctx)


def _visit_world(regions, n_common=1):
    from activities.tests.factories import VisitFactory
    from children.tests.factories import ChildFactory
    from volunteers.tests.factories import VolunteerFactory

    rare_child = ChildFactory(region=regions["village_a1"], name="欧阳小燕")
    rare_mother = VolunteerFactory(region=regions["town_a"], name="司马秀英")
    others = [ChildFactory(region=regions["village_a1"], name=f"王童{i}") for i in range(n_common)]
    by_child = VisitFactory(child=rare_child, visited_on=datetime.date(2025, 1, 3))
    by_mother = VisitFactory(child=others[0], visited_on=datetime.date(2025, 1, 4))
    by_mother.visitors.add(rare_mother)
    by_staff = VisitFactory(child=others[0], visited_on=datetime.date(2025, 1, 5), staff_visitors="诸葛干事")
    plain = VisitFactory(child=others[0], visited_on=datetime.date(2025, 1, 6))
    return by_child, by_mother, by_staff, plain


def _listed(response):
    return {row.pk for row in response.context["cl"].result_list}


@pytest.mark.parametrize("who", ["admin", "town_a"])
@pytest.mark.parametrize("few", [200, 0], ids=["from-the-matches", "along-the-date-index"])
def test_the_visits_search_finds_by_child_mother_or_staff_without_joining_visitors(
    client, regions, users, who, few, monkeypatch
):
    from activities.admin import VisitAdmin

    monkeypatch.setattr(VisitAdmin, "FEW_MATCHES", few)
    by_child, by_mother, by_staff, plain = _visit_world(regions)
    client.force_login(users[who])
    url = reverse("admin:activities_visit_changelist")
    for word, expected in [("小燕", by_child), ("秀英", by_mother), ("诸葛", by_staff)]:
        response, sql, _ = _search_page(client, f"{url}?q={word}")
        assert _listed(response) == {expected.pk}, word
        assert "DISTINCT" not in sql
        # The visitors are never joined to the visits in scope (Django's search LEFT JOINs them,
        # then a DISTINCT or a semi-join over the scope takes the copies out).
        assert 'JOIN "activities_visit_visitors"' not in sql.split("EXISTS", 1)[0], sql
    response, _, _ = _search_page(client, f"{url}?q=王童")
    assert _listed(response) == {by_mother.pk, by_staff.pk, plain.pk}


def test_a_township_search_never_names_another_townships_visit(client, regions, users):
    from activities.tests.factories import VisitFactory
    from children.tests.factories import ChildFactory

    _visit_world(regions)
    elsewhere = VisitFactory(child=ChildFactory(region=regions["village_b1"], name="欧阳小燕"))
    client.force_login(users["town_a"])
    response, _, _ = _search_page(client, reverse("admin:activities_visit_changelist") + "?q=小燕")
    assert elsewhere.pk not in _listed(response) and len(_listed(response)) == 1


def test_two_words_narrow_down_as_in_django(client, regions, users):
    by_child, by_mother, by_staff, plain = _visit_world(regions)
    client.force_login(users["admin"])
    url = reverse("admin:activities_visit_changelist")
    response, sql, _ = _search_page(client, f"{url}?q=王童0 秀英")
    assert _listed(response) == {by_mother.pk}
    assert "DISTINCT" not in sql and 'JOIN "activities_visit_visitors"' not in sql.split("EXISTS", 1)[0]


@pytest.mark.parametrize("query", ["?q=小燕", "?q=王童", "?q=王童0 秀英"])
def test_the_visits_search_costs_the_same_with_few_and_many_visits(client, regions, users, query):
    client.force_login(users["admin"])
    url = reverse("admin:activities_visit_changelist") + query
    _visit_world(regions, n_common=1)
    few = count_queries(client, url)
    _visit_world(regions, n_common=30)
    populate(regions, 20)
    many = count_queries(client, url)
    assert few == many <= MAX_QUERIES


@pytest.mark.parametrize("few", [200, 0], ids=["from-the-matches", "along-the-date-index"])
def test_the_pairings_search_by_mother_uses_exists_not_a_join(client, regions, users, few, monkeypatch):
    from pairing.admin import PairingAdmin
    from pairing.tests.factories import PairingFactory, PairingMemberFactory

    monkeypatch.setattr(PairingAdmin, "FEW_MATCHES", few)
    from volunteers.tests.factories import VolunteerFactory

    populate(regions, 3)
    mother = VolunteerFactory(region=regions["town_a"], name="司马秀英")
    from children.tests.factories import ChildFactory

    pairing = PairingFactory(child=ChildFactory(region=regions["village_a1"]))
    PairingMemberFactory(pairing=pairing, volunteer=mother)
    client.force_login(users["admin"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("admin:pairing_pairing_changelist") + "?q=秀英")
    assert {p.pk for p in response.context["cl"].result_list} == {pairing.pk}
    page = next(q["sql"] for q in ctx.captured_queries if 'ORDER BY "pairing_pairing"."started_on"' in q["sql"])
    assert "DISTINCT" not in page
    assert 'JOIN "pairing_pairingmember"' not in page.split("EXISTS", 1)[0], page
    child_named = client.get(reverse("admin:pairing_pairing_changelist") + f"?q={pairing.child.name}")
    assert {p.pk for p in child_named.context["cl"].result_list} == {pairing.pk}


@postgresql
def test_a_child_name_search_is_served_by_the_trigram_index(regions):
    """Django's icontains (UPPER(name::text) LIKE UPPER('%…%')) is the indexed expression."""
    from children.models import Child

    query = Child.objects.filter(name__icontains="欧阳小燕").values("pk").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        # A GIN index is read by a bitmap scan: with plain scans off, the one left is the
        # trigram index's (an analysed tiny table would otherwise walk any btree and filter).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "child_name_trgm" in plan, plan


def test_sqlite_gets_no_trigram_sql(regions):
    """The operation is a no-op elsewhere; makemigrations stays clean (no Meta index)."""
    from children.models import Child

    assert not [i for i in Child._meta.indexes if "trgm" in i.name]


def _autocomplete(client, field_name, term=""):
    url = reverse("admin:autocomplete")
    params = {"app_label": "volunteers", "model_name": "volunteer", "field_name": field_name, "term": term}
    response = client.get(url, params)
    assert response.status_code == 200
    return {row["text"] for row in response.json()["results"]}


@pytest.mark.parametrize("who", ["admin", "town_a"])
def test_the_township_filter_lists_no_townships_whatever_their_number(client, regions, users, who):
    from regions.models import Level, Region

    client.force_login(users[who])
    populate(regions, 2)
    url = reverse("admin:activities_visit_changelist")
    few_bytes = len(client.get(url).content)
    county = regions["county"]
    for i in range(40):
        code = f"{county.code[:6]}{500 + i:03d}000"
        Region.objects.create(code=code, name=f"新增镇{i}", level=Level.TOWNSHIP, parent=county)
    page = client.get(url).content.decode()
    assert "新增镇" not in page
    assert "unfold-filter-autocomplete" in page
    assert abs(len(page.encode()) - few_bytes) < 500, "the page grew with the townships"


def test_the_township_autocomplete_answers_only_the_users_scope(client, regions, users, world):
    def names(user):
        client.force_login(users[user])
        return {text.split("›")[-1].strip() for text in _autocomplete(client, "region")}

    assert names("town_a") == {regions["town_a"].name}
    assert names("admin") >= {regions["town_a"].name, regions["town_b"].name}
    assert regions["village_a1"].name not in names("admin"), "townships only"


def test_the_team_autocomplete_answers_only_the_users_scope(client, regions, users, world):
    client.force_login(users["town_a"])
    assert _autocomplete(client, "team") == {f"{regions['town_a'].name}服务队"}
    client.force_login(users["admin"])
    assert _autocomplete(client, "team") == {f"{regions['town_a'].name}服务队", f"{regions['town_b'].name}服务队"}


@pytest.mark.parametrize("by", ["code", "id"])
def test_the_township_filter_takes_a_code_or_the_boxs_id_within_scope(client, regions, users, world, by):
    from activities.models import Visit

    def listed(user, town):
        client.force_login(users[user])
        value = town.code if by == "code" else town.pk
        response = client.get(reverse("admin:activities_visit_changelist"), {"township": value})
        return {v.pk for v in response.context["cl"].result_list}

    a_visits = set(Visit.objects.filter(child__region=regions["village_a1"]).values_list("pk", flat=True))
    assert listed("admin", regions["town_a"]) == a_visits
    assert listed("town_a", regions["town_b"]) == set()  # another township: nothing, not its rows


def test_the_team_filter_lists_no_teams_and_filters_within_scope(client, regions, users, world):
    from volunteers.models import VolunteerTeam

    client.force_login(users["admin"])
    url = reverse("admin:volunteers_volunteer_changelist")
    team_a = VolunteerTeam.objects.get(region=regions["town_a"])
    page = client.get(url).content.decode()
    assert "unfold-filter-autocomplete" in page
    response = client.get(url, {"team__id__exact": team_a.pk})
    assert {v.team_id for v in response.context["cl"].result_list} == {team_a.pk}
    client.force_login(users["town_b"])
    response = client.get(url, {"team__id__exact": team_a.pk})
    assert list(response.context["cl"].result_list) == []
    assert team_a.name not in response.content.decode(), "the chosen box named another township's team"


@pytest.mark.parametrize(
    "label", ["children.Child", "volunteers.Volunteer", "pairing.Pairing", "activities.Visit", "activities.Activity"]
)
def test_the_wide_lists_never_count_the_whole_table_beside_the_scope(label):
    """No second COUNT(*) of every row for "N of M" (show_full_result_count); the visit and
    activity lists don't count at all (InfinitePaginator)."""
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label == label)
    assert model_admin.show_full_result_count is False


@pytest.mark.parametrize("who", ["admin", "town_a"])
@pytest.mark.parametrize("query", ["", "?no_contact=30", "?q=妈妈"])
def test_the_mothers_list_counts_her_work_per_row_not_per_group(client, regions, users, who, query):
    """在结对数, 本年联系次数, 最近联系 and 参加培训 are subqueries per row of the page: no GROUP BY
    over the mothers in scope before the LIMIT, and the same queries for 2 mothers as for 30."""
    client.force_login(users[who])
    url = reverse("admin:volunteers_volunteer_changelist") + query
    populate(regions, 2)
    few = _queries(client, url)
    populate(regions, 28)
    many = _queries(client, url)
    assert len(few) == len(many) <= MAX_QUERIES
    assert not [sql for sql in many if "GROUP BY" in sql]
    # The page's query (the capped COUNT, core.admin.CappedCountPaginator, has a LIMIT too).
    page = next(
        sql for sql in many if 'FROM "volunteers_volunteer"' in sql and "LIMIT" in sql and "COUNT(*)" not in sql[:20]
    )
    assert "COUNT(" in page and "activities_visit" in page, "the work columns are on the page's query"
