"""Reminders (issue 15, item 2): what was said to whom, and every attempt to deliver it.

A ``Message`` is the in-app copy, always written; each other channel the account has on gets
a ``Delivery`` row (so does the in-app copy, sent at once), whose status, attempts and last
error say what happened. Nothing is sent except through ``notify.services``.

What leaves the system (email, group robot, SMS) is the message's ``summary``: a title and
counts, never a child's name — the details are in the in-app message, behind the login.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from regions.models import Level
from regions.scoping import ALL, ScopedQuerySet, scope_covers_level, user_mother, user_scope


class MessageKind(models.TextChoices):
    DIGEST = "digest", _("weekly digest")
    ALERT = "alert", _("alert")


class Channel(models.TextChoices):
    INAPP = "inapp", _("in-app message")
    EMAIL = "email", _("email")
    WEBHOOK = "webhook", _("group robot")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("not sent")


class MessageQuerySet(models.QuerySet):
    def for_user(self, user):
        """An account's own messages (a caring mother's account too: her reminders); a superuser sees all."""
        scope = user_scope(user)
        if scope is None:
            return self.filter(recipient=user) if user_mother(user) is not None else self.none()
        return self.all() if scope is ALL else self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Message(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    title = models.CharField(pgettext_lazy("notify", "title"), max_length=200)
    body = models.TextField(_("content"), blank=True)
    summary = models.TextField(_("text sent outside"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    mandatory = models.BooleanField(_("mandatory"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("notify", "message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="message_recipient_unread")]

    def __str__(self):
        return self.title


class DeliveryQuerySet(models.QuerySet):
    def for_user(self, user):
        """An account's own deliveries; county admins (and above) also those of the accounts of
        their region; a superuser all."""
        scope = user_scope(user)
        if scope is None:
            return self.none()
        if scope is ALL:
            return self.all()
        own = models.Q(message__recipient=user)
        if scope_covers_level(user, Level.COUNTY):
            low, high = scope.code_range()
            code = "message__recipient__staff_profile__region__code"
            return self.filter(own | models.Q(**{f"{code}__gte": low, f"{code}__lte": high}))
        return self.filter(own)

    def due(self, now):
        return self.filter(status=DeliveryStatus.PENDING, next_try_at__lte=now)


class Delivery(models.Model):
    message = models.ForeignKey(
        Message, verbose_name=pgettext_lazy("notify", "message"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    hook = models.ForeignKey(
        "notify.RobotHook",
        verbose_name=_("group robot"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    target = models.CharField(_("sent to"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    next_try_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_try_at"], name="delivery_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=DeliveryStatus.values), name="delivery_status_valid"),
            models.CheckConstraint(condition=models.Q(channel__in=Channel.values), name="delivery_channel_valid"),
        ]

    def __str__(self):
        return f"{self.message} → {self.get_channel_display()}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class PreferenceQuerySet(models.QuerySet):
    def for_user(self, user):
        scope = user_scope(user)
        if scope is None:
            return self.none()
        return self.all() if scope is ALL else self.filter(user=user)


class Preference(models.Model):
    """What an account receives besides the in-app messages, which cannot be turned off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="notify_preference"
    )
    email = models.BooleanField(_("by email"), default=True)
    sms = models.BooleanField(_("by SMS"), default=False)
    phone = models.CharField(_("mobile phone for SMS"), max_length=20, blank=True)
    digest_weekday = models.PositiveSmallIntegerField(
        _("weekly digest on"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    digest_hour = models.PositiveSmallIntegerField(
        _("weekly digest at (hour)"), default=8, choices=[(hour, f"{hour:02d}:00") for hour in range(24)]
    )

    objects = PreferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder setting")
        verbose_name_plural = _("reminder settings")

    def __str__(self):
        return str(self.user)


class HookKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class RobotHookQuerySet(ScopedQuerySet):
    region_path = "region"

    def active(self):
        return self.filter(active=True)


class RobotHook(models.Model):
    """A township's or county's group robot (企业微信 / 钉钉 群机器人): alerts of that region are
    posted there as text. Its URL holds the robot's key: lists show it shortened."""

    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("township or county"),
        on_delete=models.PROTECT,
        related_name="robot_hooks",
        limit_choices_to={"level__in": [Level.COUNTY, Level.TOWNSHIP]},
    )
    kind = models.CharField(_("kind"), max_length=10, choices=HookKind.choices)
    name = models.CharField(_("group name"), max_length=100, blank=True)
    url = models.URLField(_("robot address"), max_length=500, validators=[URLValidator(schemes=["https", "http"])])
    active = models.BooleanField(_("in use"), default=True)

    objects = RobotHookQuerySet.as_manager()
    #: who changed where the alerts go, and from what
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["region__code", "id"]

    def __str__(self):
        return f"{self.region} {self.name or self.get_kind_display()}"

    def clean(self):
        super().clean()
        if self.url and not robot_host_allowed(self.url):
            raise ValidationError({"url": robot_host_message()})

    @property
    def masked_url(self) -> str:
        return mask_url(self.url)


def mask_url(url: str) -> str:
    """``https://qyapi.weixin.qq.com/…a1b2``: the host and the key's last four characters."""
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}/…{(url or '')[-4:]}" if parts.netloc else "…"


def robot_host_allowed(url: str) -> bool:
    """Whether the address is a group robot's service (``NOTIFY_ROBOT_HOSTS``: 企业微信's and
    钉钉's by default). The server posts to the address: any other host would let an account that
    manages robots make it post into the intranet (127.0.0.1, the database, cloud metadata)."""
    from urllib.parse import urlsplit

    from django.conf import settings

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    return parts.scheme in ("https", "http") and host in {h.lower() for h in settings.NOTIFY_ROBOT_HOSTS}


def robot_host_message():
    from django.conf import settings

    return _("A group robot's address must be on %(hosts)s.") % {"hosts": "、".join(settings.NOTIFY_ROBOT_HOSTS)}
