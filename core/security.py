"""Login throttling rules that django-axes cannot express with its plain settings."""

import datetime
import unicodedata

from django.conf import settings
from django.utils import timezone
from unfold.forms import AuthenticationForm


def normalise_username(value) -> str:
    """The one form of a typed username: what the login form authenticates, axes counts and
    locks, and the lockout check looks up (NFKC and no surrounding spaces, as Django's
    ``UsernameField`` does). Read anywhere else, " user" would escape the lock on "user"."""
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def axes_username(request, credentials=None) -> str:
    """``AXES_USERNAME_CALLABLE``: the normalised username from the credentials or the POST."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        return normalise_username(credentials.get(field))
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return normalise_username(data.get(field))


class LoginForm(AuthenticationForm):
    """The admin login form, authenticating the same username axes locks."""

    def clean_username(self):
        return normalise_username(self.cleaned_data.get("username"))


def axes_cool_off(request=None) -> datetime.timedelta:
    """15 minutes to count failures in, 30 minutes of lock once the limit is reached.

    Axes has one "cool-off" duration for both. It is asked for the duration per request, so
    answer the lock duration while this username+IP pair is locked and the window otherwise.
    """
    from axes.models import AccessAttempt

    window, lock = settings.LOGIN_FAILURE_WINDOW, settings.LOGIN_LOCKOUT_DURATION
    if request is None:
        return lock
    username = axes_username(request)
    ip_address = getattr(request, "axes_ip_address", None)
    if not username or not ip_address:
        return window
    locked = AccessAttempt.objects.filter(
        username=username,
        ip_address=ip_address,
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=timezone.now() - lock,
    ).exists()
    return lock if locked else window


def client_ip(request) -> str | None:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies go.

    Each of ``PROXY_COUNT`` proxies appends the address it received the request from, so the
    entry that many places from the right is the client; entries further left are whatever
    the client sent and may be forged.
    """
    count = settings.PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


#: The largest value a BigAutoField holds.
MAX_PK = 2**63 - 1


def as_pk(value) -> int | None:
    """A primary key from a request value, or None: ASCII digits only, in range. (``str.isdigit``
    also accepts "²" and other digits ``int`` refuses, and any length: a 500, not a refusal.)"""
    text = str(getattr(value, "pk", value) if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_PK else None
