"""The 待办 page (township staff's first screen after login) and the login that leads there."""

from django.contrib import admin
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from activities.views import staff_page

from . import lists


@staff_page("children.view_child")
def index(request):
    user = request.user
    sections = lists.sections(user, today=timezone.localdate())
    total = sum(section.total for section in sections)
    lists.remember_badge(user, total)
    return render(request, "todo/index.html", {"sections": sections, "total": total})


def login(request, extra_context=None):
    """The admin's login; township staff who would land on the dashboard land on 待办 instead.

    Only where the login leads to the admin's index (the bare login page, or ``next=/admin/``
    from the site's root): a link to another page is followed as it is. County admins, viewers
    and superusers land on the dashboard as before.
    """
    response = admin.site.login(request, extra_context)
    if (
        request.method == "POST"
        and response.status_code == 302
        and response.url == reverse("admin:index")
        and lists.is_township_staff(request.user)
    ):
        return redirect("todo:index")
    return response
