"""A township's proposal to change the register, and the county's decision on it (issue 15, item 4).

A proposal names one change — a new child, an exit, a colour change, a re-entry (重新纳入) or a
transfer to another village — with the proposed values in ``payload`` (the raw form data, so
the same form checks it when it is made and again when it is applied). It changes nothing
until it is approved; then ``proposals.services`` applies it through ``children.services``.

``region`` is where the proposal is seen: the child's village when it was made, or the
proposed village of a new child. A transfer is seen on both sides: ``to_region`` is the
receiving village, and ``for_user`` lists a proposal to whoever sees either village.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.scoping import ScopedQuerySet


class Kind(models.TextChoices):
    NEW_CHILD = "new_child", _("new child")
    EXIT = "exit", _("exit")
    COLOUR = "colour", _("colour change")
    REENTER = "reenter", _("re-entry")
    TRANSFER = "transfer", _("transfer")


class State(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ProposalQuerySet(ScopedQuerySet):
    region_path = "region"

    def in_region(self, region):
        low, high = region.code_range()
        here = models.Q(region__code__gte=low, region__code__lte=high)
        there = models.Q(to_region__code__gte=low, to_region__code__lte=high)
        return self.filter(here | there)

    def pending(self):
        return self.filter(state=State.PENDING)


class Proposal(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    child = models.ForeignKey(
        "children.Child",
        verbose_name=_("child"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("village"), on_delete=models.PROTECT, related_name="proposals"
    )
    to_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("receiving village"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals_received",
    )
    payload = models.JSONField(_("proposed values"), default=dict, blank=True)
    #: What is proposed, in words (the lists and the alert show it): "退出：年满18周岁".
    summary = models.CharField(_("proposal"), max_length=200)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)

    objects = ProposalQuerySet.as_manager()
    #: The payload is written once, with the row; kept out of the history, which masked roles
    #: read too (the admin masks it where it shows it: ``proposals.services.payload_rows``).
    history = HistoricalRecords(excluded_fields=["payload"])

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "-id"]
        permissions = [("approve_proposal", _("Can approve or return proposals"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=Kind.values), name="proposal_kind_valid"),
            models.CheckConstraint(condition=models.Q(state__in=State.values), name="proposal_state_valid"),
            models.CheckConstraint(
                condition=models.Q(kind=Kind.NEW_CHILD) | models.Q(child__isnull=False),
                name="proposal_names_its_child",
            ),
            models.CheckConstraint(
                condition=~models.Q(state=State.RETURNED) | ~models.Q(return_reason=""),
                name="proposal_return_has_reason",
            ),
            # One open question per child: two pending proposals could contradict each other.
            models.UniqueConstraint(
                fields=["child"], condition=models.Q(state="pending"), name="proposal_one_pending_per_child"
            ),
        ]

    def __str__(self):
        return self.summary
