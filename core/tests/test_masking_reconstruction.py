"""Masking that cannot be undone: rebuild the numbers from what each page shows, as an attacker would.

A township user and a viewer fetch every page and file that shows a child. From each one the
attacker collects every masked number, date, month and age on it and counts the ID numbers and
phone numbers consistent with all of it (GB 11643 check character honoured). What the attacker
is granted without looking: the region code (from the village), the gender and the birth year;
for a phone, the carrier prefix and the HLR block (public number-segment tables by city).
Required: ≥ 1,000 ID candidates, ≥ 10,000 phone candidates, on every page — with one exception:
township staff, who visit and call the families, see the guardian's full phone on the pages
about that one child (the profile and the visit form; core.masking.guardian_phone_for).
"""

import calendar
import contextlib
import datetime
import html
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from activities.tests.factories import VisitFactory
from children.models import Child
from children.tests.factories import ChildFactory
from core.idnumber import check_character
from pairing.tests.factories import PairingFactory, PairingMemberFactory
from reports.jobs import JobInputError, job_start
from reports.ledger import write_ledger
from volunteers.tests.factories import VolunteerFactory

from .ledger_helpers import xlsx

pytestmark = [pytest.mark.security, pytest.mark.django_db]

ID_FLOOR, PHONE_FLOOR = 1_000, 10_000
#: Pages on which a role sees the guardian's full phone on purpose (README, 脱敏规则).
GUARDIAN_PHONE_SHOWN = {"town_a": {"profile", "visit form"}, "viewer": set()}
GUARDIAN_PHONE, MOTHER_PHONE = "13912345678", "13812345670"

_ID_TOKEN = re.compile(r"(?<![0-9*Xx])[0-9*]{17}[0-9Xx*](?![0-9*Xx])")
_PHONE_TOKEN = re.compile(r"(?<![0-9*])[0-9*]{11}(?![0-9*])")
_DATES = [
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"),
]
_MONTHS = [re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?!\s*\d)"), re.compile(r"(?<![\d-])(\d{4})-(\d{1,2})(?![\d-])")]
_AGES = re.compile(r"(\d{1,3})\s*(?:岁|周岁|years? old)")


def _id_number(born: datetime.date, serial: int, male: bool = True) -> str:
    first17 = f"141128{born:%Y%m%d}{serial:02d}{7 if male else 8}"
    return first17 + check_character(first17)


# -- what a page says ---------------------------------------------------------------------


def _fits(token: str, number: str) -> bool:
    return len(token) == len(number) and all(t in ("*", n) for t, n in zip(token.upper(), number, strict=True))


def _dates_shown(text: str) -> set[datetime.date]:
    found = set()
    for pattern in _DATES:
        for y, m, d in pattern.findall(text):
            with contextlib.suppress(ValueError):  # 20231399 is not a date
                found.add(datetime.date(int(y), int(m), int(d)))
    return found


def _months_shown(text: str) -> set[tuple[int, int]]:
    return {(int(y), int(m)) for pattern in _MONTHS for y, m in pattern.findall(text)}


def _age(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def id_candidates(text: str, number: str) -> int:
    """How many ID numbers fit everything ``text`` shows about ``number``."""
    born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    male, today = int(number[16]) % 2, timezone.localdate()
    masks = [t for t in _ID_TOKEN.findall(text) if _fits(t, number)]
    days = [
        datetime.date(born.year, 1, 1) + datetime.timedelta(n)
        for n in range(366 if calendar.isleap(born.year) else 365)
    ]
    if born in _dates_shown(text):
        days = [born]
    elif (born.year, born.month) in _months_shown(text):
        days = [d for d in days if d.month == born.month]
    ages = {int(a) for a in _AGES.findall(text)}
    if _age(born, today) in ages:
        days = [d for d in days if _age(d, today) == _age(born, today)]
    if all(set(m[6:]) == {"*"} for m in masks):  # nothing beyond the region code: no need to enumerate
        return len(days) * 500
    count = 0
    for day in days:
        for serial in range(male, 1000, 2):
            first17 = f"{number[:6]}{day:%Y%m%d}{serial:03d}"
            candidate = first17 + check_character(first17)
            count += all(_fits(m, candidate) for m in masks)
    return count


def phone_candidates(text: str, phone: str) -> int:
    """How many phone numbers fit ``text``, granting the attacker digits 1–7 (prefix and HLR block)."""
    if phone in re.sub(r"[\s-]", "", text):
        return 1
    masks = [t for t in _PHONE_TOKEN.findall(text) if _fits(t, phone)]
    hidden = min((m[7:].count("*") for m in masks), default=4)
    return 10**hidden


def page_text(response) -> str:
    """Everything a response hands over, as text: HTML with its attributes, JSON, workbook cells."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return file_text(body) if body[:2] == b"PK" else html.unescape(body.decode())


def file_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += [
                v.date().isoformat() if isinstance(v, datetime.datetime) else str(v) for v in row if v is not None
            ]
    return "\n".join(cells)


# -- the pages ----------------------------------------------------------------------------


@pytest.fixture
def target(world, users):
    """A child whose ID number was corrected once (so its history holds two birth dates)."""
    child = ChildFactory(
        name="丙童",
        id_number=_id_number(datetime.date(2015, 3, 2), 11),
        region=world["regions"]["village_a1"],
        guardian_name="丙父",
        guardian_phone=GUARDIAN_PHONE,
    )
    child.id_number = _id_number(datetime.date(2015, 7, 19), 23)
    child.save()
    mother = VolunteerFactory(name="丙妈妈", phone=MOTHER_PHONE, region=world["regions"]["town_a"])
    PairingMemberFactory(pairing=PairingFactory(child=child), volunteer=mother)
    VisitFactory(child=child, visited_on=timezone.localdate())
    return child


def _get(client, url, **params):
    return client.get(url, params)


def admin_pages(client, child):
    change = reverse("admin:children_child_change", args=[child.pk])
    version = child.history.earliest().history_id
    yield "child changelist", _get(client, reverse("admin:children_child_changelist"))
    yield "child changelist search", _get(client, reverse("admin:children_child_changelist"), q=child.name)
    yield "child changelist, archived too", _get(client, reverse("admin:children_child_changelist"), archived="include")
    yield "child change page", _get(client, change)
    yield "child history", _get(client, reverse("admin:children_child_history", args=[child.pk]))
    yield (
        "child history version",
        _get(client, reverse("admin:children_child_simple_history", args=[child.pk, version])),
    )
    yield "profile", _get(client, reverse("children:profile", args=[child.pk]))
    yield "pairing changelist", _get(client, reverse("admin:pairing_pairing_changelist"))
    yield "pairing member changelist", _get(client, reverse("admin:pairing_pairingmember_changelist"))
    yield "visit changelist", _get(client, reverse("admin:activities_visit_changelist"))
    yield "card change changelist", _get(client, reverse("admin:children_cardchange_changelist"))
    yield "mother changelist", _get(client, reverse("admin:volunteers_volunteer_changelist"))
    for app, model, field in [("activities", "visit", "child"), ("pairing", "pairing", "child")]:
        yield (
            f"autocomplete {app}.{model}",
            _get(
                client,
                reverse("admin:autocomplete"),
                app_label=app,
                model_name=model,
                field_name=field,
                term=child.name[:1],
            ),
        )
    yield "ledger download", _get(client, reverse("reports_ledger"))


def phone_pages(client, child):
    yield "visit entry search", _get(client, reverse("activities:visit_entry"), q=child.name)
    yield "visit entry child search JSON", _get(client, reverse("activities:child_search"), q=child.name)
    yield "visit form", _get(client, reverse("activities:visit_entry"), child=child.pk)


def export_pages(client, user, child):
    for admin_name in ["activities_visit", "children_child", "pairing_pairing", "volunteers_volunteer"]:
        response = client.post(reverse(f"admin:{admin_name}_export"), {"format": "0", "resource": "0"})
        if response.status_code == 200:
            yield f"admin export {admin_name}", response
    for kind in ["visit_ledger", "monthly_ledger"]:
        try:
            job = job_start(user=user, kind=kind, params={"month": f"{timezone.localdate():%Y-%m}", "region": ""})
        except JobInputError:
            continue
        yield f"job file {kind}", _get(client, reverse("reports:job_file", args=[job.pk]))
    # An import preview of a visits file naming the child with a wrong ID number.
    wrong = _id_number(datetime.date(2015, 1, 1), 99)
    upload = io.BytesIO(
        xlsx([["儿童姓名", "身份证号码", "走访日期", "走访方式"], [child.name, wrong, "2025-01-05", "入户走访"]])
    )
    upload.name = "走访.xlsx"
    response = client.post(
        reverse("admin:activities_visit_import"), {"format": "0", "resource": "0", "import_file": upload}
    )
    if response.status_code == 200:
        yield "visit import preview", response


def every_page(client, user, child):
    yield from admin_pages(client, child)
    if user.has_perm("activities.add_visit"):
        yield from phone_pages(client, child)
    yield from export_pages(client, user, child)


@pytest.mark.parametrize("role", ["town_a", "viewer"])
def test_no_page_narrows_an_id_or_phone_number_below_the_floor(client, users, target, role):
    user = users[role]
    client.force_login(user)
    numbers = list(Child.history.filter(id=target.pk).values_list("id_number", flat=True).distinct())
    assert len(numbers) == 2  # the corrected number and the one before it
    results, shown, seen = [], [], 0
    for name, response in every_page(client, user, target):
        if response.status_code in (403, 404):
            continue
        assert response.status_code == 200, (name, response.status_code)
        text = page_text(response)
        seen += target.name in text or any(n[:6] in text for n in numbers)
        for number in numbers:
            results.append((name, number, id_candidates(text, number), ID_FLOOR))
        for phone in (GUARDIAN_PHONE, MOTHER_PHONE):
            if phone == GUARDIAN_PHONE and name in GUARDIAN_PHONE_SHOWN[role]:
                shown.append((name, phone_candidates(text, phone)))
                continue
            results.append((name, phone, phone_candidates(text, phone), PHONE_FLOOR))
    narrowed = [r for r in results if r[2] < r[3]]
    assert not narrowed, narrowed
    # Where the guardian's phone is meant to be shown, it is shown whole (and nowhere else).
    assert sorted(shown) == sorted((name, 1) for name in GUARDIAN_PHONE_SHOWN[role])
    assert seen >= 10  # the pages did show the child: the count was taken over real content


def test_a_full_identity_role_sees_the_numbers_and_the_birth_date(client, users, target):
    client.force_login(users["admin"])
    profile = page_text(client.get(reverse("children:profile", args=[target.pk])))
    change = page_text(client.get(reverse("admin:children_child_change", args=[target.pk])))
    for text in (profile, change):
        assert id_candidates(text, target.id_number) == 1
        assert phone_candidates(text, GUARDIAN_PHONE) == 1
    assert "2015-07-19" in profile
    book = io.BytesIO()
    write_ledger(book, month=timezone.localdate().replace(day=1), user=users["admin"], mask_for=users["admin"])
    assert target.id_number in file_text(book.getvalue())


def test_the_counting_catches_the_old_mask_and_a_shown_birth_date():
    """The attacker's arithmetic itself: the mask of main plus its birth date gave 1 candidate."""
    number = _id_number(datetime.date(2015, 7, 19), 23)
    old_mask = number[:6] + "********" + number[-4:]
    assert id_candidates(f"<td>{old_mask}</td><td>2015-07-19</td>", number) == 1
    assert id_candidates(f"<td>{old_mask}</td>", number) < ID_FLOOR  # the check digit over 365 days
    assert id_candidates(f"{number[:6]}************ 2015年7月19日", number) == 500
    assert id_candidates(f"{number[:6]}************ 2015年", number) == 365 * 500
    assert phone_candidates("139****5678", "13912345678") == 1
    assert phone_candidates("139********", "13912345678") == 10_000
