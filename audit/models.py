"""Who logged in, who opened a child's record, who imported or exported which ledger.

Rows are only ever added (and pruned after the retention period). Each row keeps the region
it concerns so county staff see their own region's log and nobody else's.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.scoping import ScopedQuerySet


class LogQuerySet(ScopedQuerySet):
    region_path = "region"

    def older_than(self, days: int):
        return self.filter(at__lt=timezone.now() - timezone.timedelta(days=days))


class LogEntry(models.Model):
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = LogQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-at"]
        # The log changelists' order with its tie-breaker (issue 16); also serves ranges of "at".
        indexes = [models.Index(fields=["-at", "-id"], name="%(class)s_latest")]


class LoginEvent(LogEntry):
    class Kind(models.TextChoices):
        LOGIN = "login", _("logged in")
        LOGOUT = "logout", _("logged out")
        FAILED = "failed", _("failed login")

    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    username = models.CharField(_("username"), max_length=150)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)

    class Meta(LogEntry.Meta):
        verbose_name = _("login log entry")
        verbose_name_plural = _("login log")

    def __str__(self):
        return f"{self.username} {self.get_kind_display()}"


class RecordView(LogEntry):
    """Someone opened a child's record."""

    # No database constraint: the log outlives a (superuser-)deleted child and keeps its id.
    child = models.ForeignKey(
        "children.Child",
        verbose_name=_("child"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta(LogEntry.Meta):
        verbose_name = _("record access log entry")
        verbose_name_plural = _("record access log")

    def __str__(self):
        return f"{self.user} → {self.child_id}"


#: The ledgers an import or export names (``LedgerEvent.ledger``, an import preview's place), as
#: a person calls them. Not choices: a ledger added elsewhere needs no migration here.
LEDGER_NAMES = {
    "children": _("children ledger"),
    "volunteers": _("caring mothers roster"),
    "pairings": _("pairing ledger"),
    "visits": _("visit records"),
    "activities": _("activity ledger"),
    "monthly": _("Monthly ledger"),
    "statistics": _("Period statistics"),
    "roster": _("Roster reconciliation"),
    "mothers_work": _("caring mothers' work ledger"),
}


def ledger_name(key: str):
    return LEDGER_NAMES.get(key, key)


class LedgerEvent(LogEntry):
    class Direction(models.TextChoices):
        IMPORT = "import", _("import")
        EXPORT = "export", _("export")

    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    ledger = models.CharField(_("ledger"), max_length=50)
    filename = models.CharField(_("file"), max_length=255, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)

    class Meta(LogEntry.Meta):
        verbose_name = _("import/export log entry")
        verbose_name_plural = _("import/export log")

    def __str__(self):
        return f"{self.get_direction_display()} {ledger_name(self.ledger)}"


class AccessEvent(LogEntry):
    """Someone searched, opened a child's history, a visit photo, a job's file or an import
    preview, or was refused a registration. Queries are kept masked (core.masking.mask_query)."""

    class Kind(models.TextChoices):
        SEARCH = "search", _("search")
        HISTORY = "history", _("history page")
        PHOTO = "photo", _("visit photo")
        JOB_FILE = "job_file", _("job file download")
        IMPORT_PREVIEW = "preview", _("import preview")
        REFUSED = "refused", _("registration refused")
        LIMITED = "limited", _("number searches over the hourly limit")

    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    #: Where it happened: the page or the register, e.g. ``children.child`` or ``visit_entry``.
    place = models.CharField(_("page"), max_length=100, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    # As on RecordView: no database constraint, the log outlives a deleted child.
    child = models.ForeignKey(
        "children.Child",
        verbose_name=_("child"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(LogEntry.Meta):
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self):
        return f"{self.user} {self.get_kind_display()} {self.place}"


LOG_MODELS = [LoginEvent, RecordView, LedgerEvent, AccessEvent]
