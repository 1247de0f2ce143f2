"""Complete-number searches by a masked role are limited per hour (core.masking.identity_search_for).

The attacker's way: a township user sees a child's region code and birth year, so the child's
number is one of about 182,500 candidates; each complete-number search tries one. Past the
hourly limit no search box finds anything by number, whichever box the tries came through.
"""

import datetime

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from children.tests.factories import ChildFactory
from core.idnumber import check_character
from core.tests.ledger_helpers import errors, import_bytes, xlsx
from core.tests.test_search_oracle import changelist, phone_page

pytestmark = [pytest.mark.security, pytest.mark.django_db]

LIMIT = 5


def candidate(serial: int) -> str:
    first17 = f"141128{datetime.date(2015, 7, 19):%Y%m%d}{serial:03d}"
    return first17 + check_character(first17)


@pytest.fixture
def target(world, settings):
    settings.IDENTITY_SEARCHES_PER_HOUR = LIMIT
    return ChildFactory(name="丁童", id_number=candidate(237), region=world["regions"]["village_a1"])


def test_past_the_limit_a_masked_role_finds_nothing_by_number_in_any_box(client, users, target):
    client.force_login(users["town_a"])
    tries = [changelist("children_child"), phone_page, changelist("volunteers_volunteer")]
    for serial in range(LIMIT):  # wrong candidates, through different boxes: one count
        assert tries[serial % len(tries)](client, candidate(100 + serial)) == []
    assert changelist("children_child")(client, target.id_number) == []
    assert phone_page(client, target.id_number) == []
    # The name still finds the child; the page says why the number did not.
    assert phone_page(client, target.name) == [target.pk]
    response = client.get(reverse("admin:children_child_changelist"), {"q": target.id_number})
    assert "次数已达上限" in response.content.decode()
    logged = AccessEvent.objects.filter(kind="limited", user=users["town_a"])
    assert logged.count() == 1  # the first search past the limit, not each one
    assert target.id_number not in logged.get().detail


def test_within_the_limit_the_complete_number_finds_its_child(client, users, target):
    client.force_login(users["town_a"])
    for serial in range(LIMIT - 1):
        phone_page(client, candidate(100 + serial))
    assert changelist("children_child")(client, target.id_number) == [target.pk]


def test_a_full_identity_role_has_no_limit(client, users, target):
    client.force_login(users["town_a"])
    for serial in range(LIMIT + 1):
        phone_page(client, candidate(100 + serial))
    client.force_login(users["admin"])  # sees full numbers: nothing to rebuild
    for serial in range(LIMIT + 1):
        phone_page(client, candidate(100 + serial))
    assert phone_page(client, target.id_number) == [target.pk]
    assert changelist("children_child")(client, target.id_number) == [target.pk]


def test_a_list_with_no_number_fields_does_not_count_against_the_limit(client, users, target):
    client.force_login(users["town_a"])
    for serial in range(LIMIT + 1):  # the activities list searches titles and places only
        response = client.get(reverse("admin:activities_activity_changelist"), {"q": candidate(100 + serial)})
        assert response.status_code == 200
    assert changelist("children_child")(client, target.id_number) == [target.pk]


@pytest.mark.parametrize("value", ["²", "①", "١٢", "abc"])
def test_the_township_filter_takes_odd_digits_without_an_error(client, users, value):
    client.force_login(users["admin"])
    for name in ("children_child", "activities_visit"):
        response = client.get(reverse(f"admin:{name}_changelist"), {"township": value})
        assert response.status_code in (200, 302), (name, value)


def test_the_pairing_card_of_a_non_number_is_not_found(client, users, world):
    client.force_login(users["admin"])
    assert client.get("/admin/pairing/pairing/abc/card/").status_code == 404


def _visits_file(numbers, mother):
    header = ["儿童姓名", "身份证号码", "走访日期", "走访方式", "走访人", "走访内容"]
    return xlsx([header, *[["", n, "2025-03-01", "入户走访", mother.name, "探访"] for n in numbers]])


def test_a_visits_import_of_candidate_numbers_stops_telling_which_is_a_child(users, world, target):
    """The dry run of a ledger import said, row by row, whether a number is a child in scope: the
    same answer as a search. Unknown numbers spend the hour's tries; past them every row, the real
    child's too, gets one message."""
    mother = world["a"]["mother"]
    wrong = [candidate(100 + serial) for serial in range(LIMIT)]
    result = import_bytes("visits", _visits_file([*wrong, target.id_number], mother), users["town_a"], dry_run=True)
    found = errors(result)
    real_row = max(number for number, _column in found) if found else None
    messages = {str(m) for (_n, column), ms in found.items() if column == "身份证号码" for m in ms}
    assert any("本小时内对不上本辖区儿童的身份证号码过多" in m for m in messages), found
    assert real_row == LIMIT + 2  # the header is row 1: the real child's row is refused like the others
    # (The "limited" audit row is written inside the import's transaction: a dry run rolls it back.)


def test_a_few_unknown_numbers_in_an_import_get_the_usual_message(users, world, target):
    mother = world["a"]["mother"]
    result = import_bytes(
        "visits", _visits_file([candidate(100), target.id_number], mother), users["town_a"], dry_run=True
    )
    found = errors(result)
    assert list(found) == [(2, "身份证号码")] and "请先导入儿童基础台账" in " ".join(map(str, found[(2, "身份证号码")]))


def test_a_full_identity_import_is_not_limited(users, world, target):
    mother = world["a"]["mother"]
    wrong = [candidate(100 + serial) for serial in range(LIMIT + 2)]
    result = import_bytes("visits", _visits_file([*wrong, target.id_number], mother), users["admin"], dry_run=True)
    assert LIMIT + 2 + 2 not in {number for number, _column in errors(result)}
