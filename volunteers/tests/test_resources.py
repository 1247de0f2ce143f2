"""The caring mothers' roll (爱心妈妈名册) through the real import path."""

import pytest

from core.ledger.resources import IMPORT_REASON
from core.tests.ledger_helpers import counts, import_bytes, xlsx
from volunteers.models import Volunteer, VolunteerTeam

HEADER = ["姓名", "联系电话", "所属服务队", "乡镇"]

pytestmark = pytest.mark.django_db


def test_imported_mothers_and_teams_history_names_the_importer_and_the_reason(users, regions):
    town = regions["town_a"].name
    result = import_bytes("volunteers", xlsx([HEADER, ["新妈妈", "13912345678", "新服务队", town]]), users["town_a"])
    assert counts(result)["new"] == 1, result.invalid_rows and result.invalid_rows[0].error_dict
    record = Volunteer.objects.get(phone="13912345678").history.get()
    assert (record.history_user, record.history_change_reason) == (users["town_a"], IMPORT_REASON)
    team = VolunteerTeam.objects.get(name="新服务队").history.get()
    assert (team.history_user, team.history_change_reason) == (users["town_a"], IMPORT_REASON)


def test_an_imported_change_to_a_mother_names_the_importer_and_the_reason(users, world):
    mother = world["a"]["mother"]
    town = world["regions"]["town_a"].name
    result = import_bytes(
        "volunteers", xlsx([HEADER + ["工作单位"], [mother.name, mother.phone, "", town, "县医院"]]), users["admin"]
    )
    assert counts(result)["updated"] == 1, result.invalid_rows and result.invalid_rows[0].error_dict
    latest = mother.history.first()
    assert latest.employer == "县医院"
    assert (latest.history_user, latest.history_change_reason) == (users["admin"], IMPORT_REASON)
