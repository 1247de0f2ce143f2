"""The dashboard's month picker: 下载月度台账 downloads the month picked, not the one on screen."""

from html.parser import HTMLParser
from urllib.parse import unquote

from django.urls import reverse


class FormReader(HTMLParser):
    """The dashboard's month form as a browser sees it: its fields and its submit buttons."""

    def __init__(self):
        super().__init__()
        self.form, self.fields, self.buttons, self.links = None, {}, {}, []
        self._button = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form" and attrs.get("id") == "dash-month-form":
            self.form = attrs
        elif self.form is not None and tag == "input":
            self.fields[attrs["name"]] = attrs.get("value", "")
        elif self.form is not None and tag == "button":
            self._button = attrs

    def handle_data(self, data):
        if self._button is not None and data.strip():
            self.buttons[data.strip()] = self._button.get("formaction") or self.form.get("action") or ""
            self._button = None

    def handle_endtag(self, tag):
        if tag == "form" and self.form is not None:
            self.form = None


def submit(client, page_url, reader, button, **changed):
    """Click ``button`` after changing the fields: a GET form sends its fields as the query."""
    action = reader.buttons[button] or page_url
    return client.get(action, {**reader.fields, **changed})


def test_the_download_sends_the_month_picked_without_showing_it_first(client, casebook, users):
    client.force_login(users["admin"])
    page = client.get(reverse("admin:index"), {"month": "2025-03"})
    reader = FormReader()
    reader.feed(page.content.decode())
    assert reader.fields == {"month": "2025-03"}
    # No link carries the month shown; the button takes the month from the form.
    assert not [link for link in reader.links if link.startswith(reverse("reports_ledger"))]
    response = submit(client, reverse("admin:index"), reader, "下载月度台账", month="2025-01")
    assert response.status_code == 200
    assert "2025年1月" in unquote(response["Content-Disposition"])


def test_show_still_shows_the_month_picked(client, casebook, users):
    client.force_login(users["admin"])
    page = client.get(reverse("admin:index"), {"month": "2025-03"})
    reader = FormReader()
    reader.feed(page.content.decode())
    shown = submit(client, reverse("admin:index"), reader, "查看", month="2025-01")
    assert shown.context["dashboard"].month_label == "2025年1月"
