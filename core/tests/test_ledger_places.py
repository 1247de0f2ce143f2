"""The import preview offers a county admin to create missing villages or map a spelling (issue 12)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from children.models import Child
from regions.models import Region, RegionAlias

from .ledger_helpers import xlsx
from .test_ledger_import import CHILD_HEADER, child_row


def upload(client, data):
    return client.post(
        reverse("admin:children_child_import"),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("台账.xlsx", data)},
    )


FILE = xlsx(
    [
        CHILD_HEADER,
        child_row(1, town="圪洞镇", village="吴城村"),
        child_row(2, town="圪洞乡", village="武当村委会"),  # a variant: found without help
        child_row(3, town="大武镇", village="东庄"),
    ]
)


@pytest.mark.django_db
def test_a_county_admin_creates_and_maps_in_one_step_then_the_file_imports(client, settings, tmp_path, users, regions):
    settings.LEDGER_UPLOAD_DIR = tmp_path
    client.force_login(users["admin"])
    response = upload(client, FILE)
    page = response.content.decode()
    assert "没有这个村（社区），请在预览中新建或对应到已有的村，或联系县（区）妇联管理员" in page
    places = response.context["unknown_places"]
    assert [(p["township"].name, p["name"]) for p in places] == [("圪洞镇", "吴城村"), ("大武镇", "东庄")]
    assert 'id="unknown-places"' in page

    response = client.post(
        reverse("admin:children_child_ledger_places"),
        {
            "places": "2",
            "place-0-township": regions["town_a"].pk,
            "place-0-name": "吴城村",
            "place-0-choice": "create",
            "place-1-township": regions["town_b"].pk,
            "place-1-name": "东庄",
            "place-1-choice": regions["village_b1"].pk,
        },
    )
    assert response.status_code == 302
    assert Region.objects.get(name="吴城村").code == "141128100003"
    assert RegionAlias.objects.get().region == regions["village_b1"]

    response = upload(client, FILE)
    assert response.context.get("confirm_form") is not None, response.context["result"].invalid_rows
    client.post(reverse("admin:children_child_process_import"), {**response.context["confirm_form"].initial})
    assert sorted(Child.objects.values_list("region__name", flat=True)) == sorted(["吴城村", "武当社区", "东村"])


@pytest.mark.django_db
def test_a_township_user_gets_the_hint_but_no_form_and_cannot_post(client, settings, tmp_path, users, regions):
    settings.LEDGER_UPLOAD_DIR = tmp_path
    users["town_a"].groups.add(*users["admin"].groups.all())  # even with the admin's permissions
    client.force_login(users["town_a"])
    response = upload(client, xlsx([CHILD_HEADER, child_row(1, town="圪洞镇", village="吴城村")]))
    assert "请在预览中新建" in response.content.decode()
    assert response.context["unknown_places"] == []

    response = client.post(
        reverse("admin:children_child_ledger_places"),
        {"places": "1", "place-0-township": regions["town_a"].pk, "place-0-name": "吴城村", "place-0-choice": "create"},
    )
    assert response.status_code == 403
    assert not Region.objects.filter(name="吴城村").exists()
