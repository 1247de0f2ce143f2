"""The channels a delivery goes out by. Each ``send_*`` returns the target it used and raises
``SendFailed`` (kept as the delivery's last error and tried again later) or ``SendSkipped``
(recorded, never tried again: the account has no address for that channel)."""

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.masking import mask_phone

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_SECONDS = 10


class SendFailed(Exception):
    pass


class SendSkipped(Exception):
    pass


def send_email(*, user, subject: str, text: str) -> str:
    if not user.email:
        raise SendSkipped(_("The account has no email address."))
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    except Exception as exc:  # SMTP errors, refused connections, timeouts: all tried again
        raise SendFailed(
            _("The mail server refused or did not answer (%(error)s).") % {"error": f"{type(exc).__name__}: {exc}"}
        ) from exc
    return user.email


def webhook_payload(kind: str, text: str) -> dict:
    """企业微信 and 钉钉 group robots take the same text message shape."""
    return {"msgtype": "text", "text": {"content": text}}


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A robot service answers where it is asked; a redirect could lead the post elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to another address refused: {msg}", headers, fp)


_NO_REDIRECTS = urllib.request.build_opener(_RefuseRedirects)


def send_webhook(*, hook, text: str) -> str:
    """POST the text to the group robot; an HTTP error, no answer, or an ``errcode`` other than 0
    in its JSON answer is a failure."""
    from .models import robot_host_allowed, robot_host_message

    if not robot_host_allowed(hook.url):
        raise SendSkipped(robot_host_message())
    body = json.dumps(webhook_payload(hook.kind, text), ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above and by the model
        hook.url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with _NO_REDIRECTS.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            answer = response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        raise SendFailed(
            _("The group robot answered with an error (%(error)s).") % {"error": f"HTTP {exc.code}"}
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        raise SendFailed(_("The group robot could not be reached (%(error)s).") % {"error": error}) from exc
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode not in (0, "0", None):
        error = f"errcode {errcode}: {answer[:200].decode(errors='replace')}"
        raise SendFailed(_("The group robot refused the message (%(error)s).") % {"error": error})
    return hook.masked_url


class SmsGateway:
    """An SMS gateway: ``send`` delivers ``text`` to ``phone`` or raises (``SendFailed``).

    A real one (阿里云短信, 腾讯云短信…) subclasses this, reads its keys from the environment in
    ``__init__`` and is named by ``NOTIFY_SMS_BACKEND`` (docs/deploy.md).
    """

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class LoggingSmsGateway(SmsGateway):
    """The default: sends nothing, logs that it would have (with the number masked)."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s (not sent: NOTIFY_SMS_BACKEND is the logging gateway): %s", mask_phone(phone), text)


def sms_gateway() -> SmsGateway:
    return import_string(settings.NOTIFY_SMS_BACKEND)()


def send_sms(*, phone: str, text: str) -> str:
    if not phone:
        raise SendSkipped(_("The account has no mobile phone for SMS."))
    try:
        sms_gateway().send(phone, text)
    except SendFailed:
        raise
    except Exception as exc:
        raise SendFailed(
            _("The SMS gateway refused or did not answer (%(error)s).") % {"error": f"{type(exc).__name__}: {exc}"}
        ) from exc
    return mask_phone(phone)
