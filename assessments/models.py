"""Risk assessment (风险评估): a weighted checklist whose score suggests the card colour.

The checklist (``AssessmentItem``) and the thresholds (``AssessmentThresholds``) are the county
federation's standard, edited by county admins. Each ``Assessment`` keeps its answers, the
weights and thresholds as they were that day, the suggested and the chosen colour, and the
card change it made, so the colour history shows why.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from children.models import CardColour
from regions.scoping import ScopedQuerySet


class ItemGroup(models.TextChoices):
    GUARDIANSHIP = "guardianship", _("guardianship")
    ECONOMY = "economy", _("economic situation")
    HEALTH = "health", _("health")
    SCHOOLING = "schooling", _("schooling")
    PSYCHOLOGY = "psychology", _("psychological state")
    SAFETY = "safety", _("safety")


class AssessmentItem(models.Model):
    """One question of the checklist: ticked when the risk it names is present."""

    group = models.CharField(_("group"), max_length=20, choices=ItemGroup.choices)
    text = models.CharField(_("item"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment checklist")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=1), name="assessmentitem_weight_positive"),
            models.CheckConstraint(condition=models.Q(group__in=ItemGroup.values), name="assessmentitem_group_valid"),
        ]

    def __str__(self):
        return f"{self.get_group_display()}：{self.text}"


class AssessmentThresholds(models.Model):
    """The one set of score thresholds for the whole programme (a single row, id 1)."""

    DEFAULTS = {"yellow_from": 3, "red_from": 6}

    yellow_from = models.PositiveSmallIntegerField(
        _("yellow from score"), help_text=_("A score of at least this suggests yellow.")
    )
    red_from = models.PositiveSmallIntegerField(
        _("red from score"), help_text=_("A score of at least this suggests red.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment thresholds")
        verbose_name_plural = _("assessment thresholds")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="assessmentthresholds_single_row"),
            models.CheckConstraint(
                condition=models.Q(yellow_from__gte=1, red_from__gt=models.F("yellow_from")),
                name="assessmentthresholds_red_above_yellow",
                violation_error_message=_(
                    "The red threshold must be higher than the yellow one, and yellow at least 1."
                ),
            ),
        ]

    def __str__(self):
        return _("yellow ≥ %(yellow)s, red ≥ %(red)s") % {"yellow": self.yellow_from, "red": self.red_from}

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "AssessmentThresholds":
        return cls.objects.filter(pk=1).first() or cls(pk=1, **cls.DEFAULTS)

    def suggest(self, score: int) -> str:
        if score >= self.red_from:
            return CardColour.RED
        if score >= self.yellow_from:
            return CardColour.YELLOW
        return CardColour.GREEN


class AssessmentQuerySet(ScopedQuerySet):
    region_path = "child__region"


#: The suggested colour follows from the score and the thresholds stored with it.
_SUGGESTION_FOLLOWS_SCORE = (
    models.Q(score__gte=models.F("red_from"), suggested_colour=CardColour.RED)
    | models.Q(score__gte=models.F("yellow_from"), score__lt=models.F("red_from"), suggested_colour=CardColour.YELLOW)
    | models.Q(score__lt=models.F("yellow_from"), suggested_colour=CardColour.GREEN)
)


class Assessment(models.Model):
    child = models.ForeignKey(
        "children.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="assessments"
    )
    assessed_on = models.DateField(_("assessed on"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    visit = models.ForeignKey(
        "activities.Visit",
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
    )
    score = models.PositiveIntegerField(_("score"))
    # The thresholds as they were that day (they may be edited later).
    yellow_from = models.PositiveSmallIntegerField(_("yellow from score"))
    red_from = models.PositiveSmallIntegerField(_("red from score"))
    suggested_colour = models.CharField(_("suggested colour"), max_length=6, choices=CardColour.choices)
    chosen_colour = models.CharField(_("chosen colour"), max_length=6, choices=CardColour.choices)
    override_reason = models.CharField(_("reason for overriding"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    card_change = models.OneToOneField(
        "children.CardChange",
        verbose_name=_("card colour change"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessment",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-created_at"]
        indexes = [
            models.Index(fields=["child", "-assessed_on"], name="assessment_child_latest"),
            models.Index(fields=["-assessed_on", "-created_at", "-id"], name="assessment_latest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(suggested_colour__in=CardColour.values, chosen_colour__in=CardColour.values),
                name="assessment_colours_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(chosen_colour=models.F("suggested_colour"))
                | models.Q(GreaterThan(Length(Trim("override_reason")), 0)),
                name="assessment_override_needs_reason",
                violation_error_message=_("Choosing a colour other than the suggested one needs a reason."),
            ),
            models.CheckConstraint(condition=_SUGGESTION_FOLLOWS_SCORE, name="assessment_suggestion_follows_score"),
        ]

    def __str__(self):
        return f"{self.child} {self.assessed_on:%Y-%m-%d}"

    @property
    def overridden(self) -> bool:
        return self.chosen_colour != self.suggested_colour


class AssessmentAnswer(models.Model):
    """One item's answer in one assessment, with the item's weight on that day. Never edited."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.PROTECT, related_name="answers"
    )
    item = models.ForeignKey(AssessmentItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    checked = models.BooleanField(_("present"))
    weight = models.PositiveSmallIntegerField(_("weight"))

    class Meta:
        verbose_name = _("assessment answer")
        verbose_name_plural = _("assessment answers")
        ordering = ["item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="assessmentanswer_once_per_item"),
            models.CheckConstraint(condition=models.Q(weight__gte=1), name="assessmentanswer_weight_positive"),
        ]

    def __str__(self):
        return f"{self.item}：{'✓' if self.checked else '—'}"

    @property
    def points(self) -> int:
        return self.weight if self.checked else 0
