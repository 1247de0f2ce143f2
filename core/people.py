"""How a staff account is shown to another person: its name, linked only where the viewer may go.

The user admin is for superusers; a county admin may open the staff accounts of its region
(``regions.view_staffprofile``, scoped by ``for_user``); anyone else sees the name alone. A link
to a page the viewer may not open ended in a bare 403 (issue 13, item 7).

Used by the history pages' 变更人 (``{% person %}``, core.templatetags.people) and by every
read-only field that points at an account (a job's 发起人, a visit's 录入人, …; ``install``).
"""

from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html

_CACHE = "_person_profiles"


def person_name(user) -> str:
    """The account's name (family name first), else its username; "" for no account."""
    if user is None:
        return ""
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.get_username()


def _profiles_in_scope(request) -> dict:
    """user id → staff profile id of the accounts the viewer may open; one query per request."""
    cached = getattr(request, _CACHE, None)
    if cached is None:
        from regions.models import StaffProfile

        cached = dict(StaffProfile.objects.for_user(request.user).values_list("user_id", "pk"))
        setattr(request, _CACHE, cached)
    return cached


def person_url(user, request) -> str | None:
    """Where ``request.user`` may open ``user``'s account, or None."""
    viewer = getattr(request, "user", None)
    if user is None or viewer is None or not viewer.is_active or not viewer.is_staff:
        return None
    if viewer.is_superuser:
        return reverse("admin:auth_user_change", args=[user.pk])
    if viewer.has_perm("regions.view_staffprofile"):
        profile = _profiles_in_scope(request).get(user.pk)
        if profile is not None:
            return reverse("admin:regions_staffprofile_change", args=[profile])
    return None


def person_html(user, request=None) -> str:
    name = person_name(user)
    url = person_url(user, request) if request is not None else None
    if url:
        return format_html('<a href="{}" class="text-link">{}</a>', url, name)
    return format_html("{}", name)


def remember_request(form, request):
    """Lets the read-only fields of ``form`` know who is looking (see ``install``)."""
    form._person_request = request


def install():
    """A read-only field naming an account shows ``person_html`` instead of Django's link to
    the user admin (which only superusers may open). Without the request (an admin that does
    not call ``remember_request``) the name is shown without a link."""
    from unfold.fields import UnfoldAdminReadonlyField

    for cls in (helpers.AdminReadonlyField, UnfoldAdminReadonlyField):
        original = cls.get_admin_url
        if getattr(original, "names_people", False):
            continue

        def get_admin_url(self, remote_field, remote_obj, _original=original):
            if remote_field.model is get_user_model():
                return person_html(remote_obj, getattr(self.form, "_person_request", None))
            return _original(self, remote_field, remote_obj)

        get_admin_url.names_people = True
        cls.get_admin_url = get_admin_url
