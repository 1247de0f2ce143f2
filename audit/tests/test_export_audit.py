"""Issue 11, item 15 (a): every export a person downloads leaves a LedgerEvent, end to end.

The signal-level test above survived removing the ``ledger_exported`` send from the export
engine; these go through the admin's export button and the dashboard's monthly ledger.
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from audit.models import LedgerEvent

EXPORTING = sorted(
    (model for model, model_admin in admin.site._registry.items() if hasattr(model_admin, "get_export_queryset")),
    key=lambda model: model._meta.label,
)


@pytest.mark.parametrize("model", EXPORTING, ids=lambda model: model._meta.label)
def test_it_logs_each_admin_export_with_who_how_many_and_the_filters(client, users, world, model):
    client.force_login(users["admin"])
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
    response = client.post(f"{url}?q=甲", {"format": "0", "resource": "0"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    event = LedgerEvent.objects.get()
    assert (event.direction, event.user) == ("export", users["admin"])
    assert event.filters.get("q") == "甲"
    assert event.rows >= 0


def test_it_logs_the_monthly_ledger_download(client, users, world):
    client.force_login(users["admin"])
    response = client.get(reverse("reports_ledger"), {"month": "2025-03"})
    assert response.status_code == 200
    event = LedgerEvent.objects.get()
    assert (event.direction, event.ledger, event.user) == ("export", "monthly", users["admin"])
    assert event.filters["month"] == "2025-03"
