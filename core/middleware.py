"""Refuse hostile request parameters at the door, before any view or query sees them.

PostgreSQL rejects a NUL byte in any text value ("A string literal cannot contain NUL"), so a
NUL in a search box, a filter, an autocomplete term or an audit record's filters turned into a
500 wherever the value reached the database. Stripping it would silently change what was asked
for; a 400 with a Chinese page says what is wrong. Overlong query parameters (no form of this
application sends one) are refused the same way, before they cost a query.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _


def parameter_problem(request) -> str:
    """Why the request's path or parameters are refused, or ``""``."""
    if "\x00" in request.path:
        return _("The address contains a NUL character.")
    limit = settings.QUERY_PARAMETER_MAX_LENGTH
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return _("A parameter contains a NUL character.")
        if len(name) > limit or any(len(value) > limit for value in values):
            return _("A parameter is longer than %(limit)d characters.") % {"limit": limit}
    if request.method == "POST" and _has_form_body(request):
        for name, values in request.POST.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return _("A form field contains a NUL character.")
    return ""


def _has_form_body(request) -> bool:
    content_type = request.META.get("CONTENT_TYPE", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


class HostileParameterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = parameter_problem(request)
        if problem:
            return render(request, "pages/bad_request.html", {"problem": problem}, status=400)
        return self.get_response(request)
