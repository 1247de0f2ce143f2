"""How a child stands with its visits, in words, for the compact overdue cards on a phone."""

from django import template
from django.utils.translation import gettext, ngettext

from children.filters import DUE_SOON_DAYS

register = template.Library()


@register.simple_tag
def visit_due(child) -> dict:
    """``{"state": overdue|due|ok|never|exited, "text": …}`` from the annotations of
    ``Child.objects.with_visit_schedule()`` (no query of its own)."""
    if not hasattr(child, "days_overdue"):  # a list without the schedule: nothing to say
        return {"state": "unknown", "text": ""}
    if child.status != child.Status.ACTIVE:
        return {"state": "exited", "text": child.get_status_display()}
    if child.last_contact is None:
        return {"state": "never", "text": gettext("never visited")}
    days = child.days_overdue
    if days > 0:
        return {"state": "overdue", "text": ngettext("%(n)d day overdue", "%(n)d days overdue", days) % {"n": days}}
    if days == 0:
        return {"state": "due", "text": gettext("due today")}
    return {
        "state": "due" if -days <= DUE_SOON_DAYS else "ok",
        "text": ngettext("due in %(n)d day", "due in %(n)d days", -days) % {"n": -days},
    }


@register.simple_tag(takes_context=True)
def may_record_visits(context) -> bool:
    """Whether the user of the page records visits (the admin's result list has no ``perms``)."""
    request = getattr(context, "request", None) or context.get("request")
    return bool(request is not None and request.user.has_perm("activities.add_visit"))
