from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .scoping import ALL, ScopedQuerySet, user_scope

code_validator = RegexValidator(r"^\d{12}$", _("A region code is exactly 12 digits."))


class Level(models.IntegerChoices):
    PROVINCE = 1, _("province")
    CITY = 2, _("city")
    COUNTY = 3, _("county")
    TOWNSHIP = 4, _("township")
    VILLAGE = 5, _("village")


# Significant digits of a code at each level: 2 province, 2 city, 2 county, 3 township, 3 village.
PREFIX_LENGTH = {Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}


def level_of(code: str) -> Level:
    if code[9:] != "000":
        return Level.VILLAGE
    if code[6:9] != "000":
        return Level.TOWNSHIP
    if code[4:6] != "00":
        return Level.COUNTY
    if code[2:4] != "00":
        return Level.CITY
    return Level.PROVINCE


def ancestor_code(code: str, level: Level) -> str:
    """The code of the region at ``level`` that contains ``code`` (itself at its own level)."""
    return code[: PREFIX_LENGTH[level]].ljust(12, "0")


def parent_code_of(code: str) -> str | None:
    level = level_of(code)
    if level == Level.PROVINCE:
        return None
    return ancestor_code(code, Level(level - 1))


class RegionQuerySet(ScopedQuerySet):
    region_path = ""

    def townships(self):
        return self.filter(level=Level.TOWNSHIP)

    def villages(self):
        return self.filter(level=Level.VILLAGE)

    def below(self, region):
        """Regions strictly below ``region``: its own row is not among them."""
        return self.in_region(region).exclude(pk=region.pk)

    def editable_by(self, user):
        """The regions ``user`` may change: strictly below its own region (all for a superuser).

        A county admin sees its own county (``for_user``) but cannot rename or re-code it: that
        row is shared with the city above, which is outside the county's say.
        """
        scope = user_scope(user)
        if scope is None:
            return self.none()
        return self.all() if scope is ALL else self.below(scope)


class Region(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, editable=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        editable=False,
    )

    objects = RegionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"),
            # The importers find a township or village by its name within its parent: two
            # siblings of one name make every import that names either of them fail.
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="region_unique_name_in_parent",
                violation_error_message=_("Another region under the same parent already has this name."),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The level is a function of the code; storing it lets lists filter by it.
        self.level = level_of(self.code)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.code and len(self.code) == 12 and self.code.isdigit():
            self.level = level_of(self.code)
            parent_code = parent_code_of(self.code)
            if parent_code:
                parent = Region.objects.filter(code=parent_code).first()
                if parent is None:
                    raise ValidationError(
                        {"code": _("The parent region %(code)s does not exist.") % {"code": parent_code}}
                    )
                self.parent = parent

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[Level(self.level)]]

    def code_range(self) -> tuple[str, str]:
        """The lowest and highest code of this region and everything below it."""
        prefix = self.prefix
        return prefix.ljust(12, "0"), prefix.ljust(12, "9")

    def contains(self, other: "Region") -> bool:
        low, high = self.code_range()
        return low <= other.code <= high

    def full_name(self) -> str:
        names, node = [], self
        while node is not None and node.level >= Level.COUNTY:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class StaffProfileQuerySet(ScopedQuerySet):
    region_path = "region"


class StaffProfile(models.Model):
    """The region a staff account works in; it sees that region and everything below it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("assigned region"), on_delete=models.PROTECT, related_name="staff"
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)

    objects = StaffProfileQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")
        # Create township and viewer accounts in the browser and reset their passwords
        # (regions.accounts); the admin role has it.
        permissions = [("manage_staff", _("Can create staff accounts and reset their passwords"))]

    def __str__(self):
        return f"{self.user} → {self.region}"


class RegionAliasQuerySet(ScopedQuerySet):
    region_path = "region"


class RegionAlias(models.Model):
    """Another spelling of a village's name in ledgers (吴城村 for 吴城社区), under its township.

    Remembered when a county admin maps a spelling in an import preview, so later imports
    find the village by it too.
    """

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="aliases")
    parent = models.ForeignKey(
        Region, verbose_name=_("parent region"), on_delete=models.CASCADE, related_name="child_aliases"
    )
    name = models.CharField(_("spelling"), max_length=100)
    #: ``regions.matching.place_key`` of the name: what a ledger's cell is compared with
    key = models.CharField(max_length=100, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RegionAliasQuerySet.as_manager()

    class Meta:
        verbose_name = _("region alias")
        verbose_name_plural = _("region aliases")
        constraints = [models.UniqueConstraint(fields=["parent", "key"], name="region_alias_unique_per_parent")]

    def __str__(self):
        return f"{self.name} → {self.region}"

    def clean(self):
        super().clean()
        from .matching import place_key

        self.key = place_key(self.name)
        if self.region_id and self.parent_id and self.region.parent_id != self.parent_id:
            raise ValidationError(_("An alias names a village of the same township."))
