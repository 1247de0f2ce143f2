"""The per-account counts every admin page shows (unread messages, the 强制报告 badge, the 待办
count), read from the cache in one round trip per request.

With the production cache (the database table django_cache) each ``cache.get`` is a query: the
header and sidebar read four keys (the unread count twice), which put the changelists at 13-16
queries (issue 16, ceiling 12). Within a request (``BadgeCacheMiddleware``) the first read
fetches all of the account's keys with one ``get_many`` and later reads answer from it; writes go
to the cache and to the request's copy. Outside a request (tasks, commands) it is plain
``cache.get``.
"""

import contextvars

from django.core.cache import cache

_request = contextvars.ContextVar("badge_cache", default=None)


def keys(user_id) -> list[str]:
    """Every per-account key a page may read (notify.inbox, safeguarding.alerts, todo.lists)."""
    return [
        f"notify-unread:{user_id}",
        f"safeguard-badge:{user_id}",
        f"safeguard-panel:{user_id}",
        f"todo-badge:{user_id}",
    ]


def get(user_id, key):
    memo = _request.get()
    if memo is None:
        return cache.get(key)
    if user_id not in memo:
        memo[user_id] = cache.get_many(keys(user_id))
    return memo[user_id].get(key)  # get_many leaves a miss out: None, as cache.get


def set(user_id, key, value, timeout):  # noqa: A001 - mirrors cache.set
    cache.set(key, value, timeout)
    memo = _request.get()
    if memo is not None and user_id in memo:
        memo[user_id][key] = value


def forget(keys_) -> None:
    """``cache.delete_many``, and the request's copy of those keys."""
    cache.delete_many(keys_)
    memo = _request.get()
    for found in (memo or {}).values():
        for key in keys_:
            found.pop(key, None)


class BadgeCacheMiddleware:
    """Scopes the one-read-per-request copy to a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set({})
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
