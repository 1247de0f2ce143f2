"""A caring mother's reminders: her children now who are due for a contact or past it.

The same schedule as the staff's overdue list (``Child.objects.with_visit_schedule``: the
interval of the card colour after the last contact, whoever recorded it, never contacted
counting as due today), so her page, her weekly digest and the township's 待办 agree.
"""

from children.filters import DUE_SOON_DAYS


def is_reminder(child) -> bool:
    """Due within ``DUE_SOON_DAYS`` days, due today, past due or never contacted."""
    return child.last_contact is None or child.days_overdue >= -DUE_SOON_DAYS


def mother_reminders(children, *, today) -> list:
    """Of ``children`` (annotated by ``with_visit_schedule(today=today)``), those to contact soon,
    the most overdue first."""
    due = [child for child in children if is_reminder(child)]
    return sorted(due, key=lambda c: (c.last_contact is not None, -(c.days_overdue or 0), c.name, c.pk))
