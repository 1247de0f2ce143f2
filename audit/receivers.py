"""Signal receivers that write the audit logs; features send signals and never import this app."""

from axes.helpers import get_client_ip_address
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from core.masking import mask_query
from core.signals import access_logged, child_record_viewed, ledger_exported, ledger_imported
from regions.scoping import user_region

from .models import AccessEvent, LedgerEvent, LoginEvent, RecordView


def _client(request):
    if request is None:
        return {"ip_address": None, "user_agent": ""}
    return {
        # Same proxy-aware address as the lockout uses (AXES_IPWARE_* settings).
        "ip_address": get_client_ip_address(request) or None,
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
    }


def _login_event(kind, request, user=None, username=""):
    LoginEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or (user.get_username() if user else ""))[:150],
        region=user_region(user) if user else None,
        **_client(request),
    )


@receiver(user_logged_in, dispatch_uid="audit_login")
def log_login(sender, request, user, **kwargs):
    _login_event(LoginEvent.Kind.LOGIN, request, user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def log_logout(sender, request, user, **kwargs):
    if user is not None:
        _login_event(LoginEvent.Kind.LOGOUT, request, user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs):
    from django.contrib.auth import get_user_model

    username = str(credentials.get("username", ""))
    user = get_user_model()._default_manager.filter(username=username).first() if username else None
    _login_event(LoginEvent.Kind.FAILED, request, user, username=username)


@receiver(child_record_viewed, dispatch_uid="audit_child_viewed")
def log_child_viewed(sender, user, child, **kwargs):
    RecordView.objects.create(user=user, child=child, region_id=child.region_id)


def _ledger_event(direction, user, ledger, **fields):
    LedgerEvent.objects.create(
        direction=direction,
        user=user if user is not None and user.is_authenticated else None,
        region=user_region(user),
        ledger=str(ledger)[:50],
        **fields,
    )


@receiver(ledger_imported, dispatch_uid="audit_ledger_imported")
def log_ledger_imported(sender, user, ledger, filename="", counts=None, **kwargs):
    counts = dict(counts or {})
    rows = sum(int(counts.get(key, 0) or 0) for key in ("new", "updated", "conflicts", "skipped", "errors"))
    _ledger_event(LedgerEvent.Direction.IMPORT, user, ledger, filename=str(filename)[:255], rows=rows, counts=counts)


@receiver(ledger_exported, dispatch_uid="audit_ledger_exported")
def log_ledger_exported(sender, user, ledger, rows=0, filters=None, **kwargs):
    filters = {str(k): str(v) for k, v in (filters or {}).items()}
    _ledger_event(LedgerEvent.Direction.EXPORT, user, ledger, rows=int(rows or 0), filters=filters)


#: Kinds whose detail is typed by the user and may hold an ID or phone number.
_TYPED = {AccessEvent.Kind.SEARCH, AccessEvent.Kind.REFUSED, AccessEvent.Kind.LIMITED}


@receiver(access_logged, dispatch_uid="audit_access_logged")
def log_access(sender, user, kind, place="", detail="", child=None, **kwargs):
    detail = str(detail or "")
    AccessEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.is_authenticated else None,
        region_id=child.region_id if child is not None else getattr(user_region(user), "pk", None),
        child=child,
        place=str(place)[:100],
        detail=(mask_query(detail) if kind in _TYPED else detail)[:255],
    )
