from django import template
from django.urls import reverse
from django.utils import timezone

from todo import lists

register = template.Library()


@register.simple_tag(takes_context=True)
def todo_link(context) -> dict | None:
    """``{"url", "count"}`` for township staff (the sidebar's and the phone pages' 待办 link), else None."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not lists.is_township_staff(user):
        return None
    return {"url": reverse("todo:index"), "count": lists.badge_count(user, today=timezone.localdate())}
