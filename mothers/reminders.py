"""A caring mother's reminders: her children now who are due for a contact or past it.

The township's 待办 list itself (``todo.lists.visits_due``): ``for_user`` gives a mother's
account only the children she is paired with now, so her page, her weekly digest and the
township's 待办 share one definition of "due" (the interval of the card colour after the last
contact, whoever recorded it; never contacted counts as due), and one order.
"""

from todo.lists import visits_due


def mother_reminders(user, *, today) -> list:
    """``user``'s (a mother's account) children to contact within ``DUE_SOON_DAYS`` days or past due."""
    return list(visits_due(user, today))
