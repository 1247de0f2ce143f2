from django import template

from core.people import person_html

register = template.Library()


@register.simple_tag(takes_context=True)
def person(context, user):
    """``{% person record.history_user %}``: the name, linked where the viewer may open it."""
    return person_html(user, context.get("request"))
