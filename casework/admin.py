from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.admin import LookupAdmin, ReadOnlyScopedAdmin, ScopedAdmin

from . import services
from .figures import red_without_plan
from .models import (
    CLOSED_REFERRAL_STATUSES,
    OPEN_REFERRAL_STATUSES,
    REFERRAL_TRANSITIONS,
    Department,
    Need,
    NeedVisit,
    Referral,
    ReferralStatus,
    Supervision,
    SupervisionStatus,
)


@admin.register(Department)
class DepartmentAdmin(LookupAdmin):
    pass


class NeedAdminForm(forms.ModelForm):
    class Meta:
        model = Need
        fields = ["child", "kind", "description", "found_on", "measure", "actor_kind", "volunteer", "team"]
        fields += ["department", "actor_note", "due_on", "status", "outcome"]

    def _post_clean(self):
        # The service dates a closed need; date it here too so the model's checks pass.
        from .models import CLOSED_NEED_STATUSES

        if self.cleaned_data.get("status") in CLOSED_NEED_STATUSES and not self.instance.closed_on:
            self.instance.closed_on = timezone.localdate()
        super()._post_clean()


@admin.register(Need)
class NeedAdmin(ScopedAdmin):
    ordering = ["child", "-found_on", "-id"]  # = an index (issue 16), unique last
    form = NeedAdminForm
    list_display = ["child", "kind", "description", "actor_kind", "due_on", "status"]
    list_filter = ["status", "kind", "actor_kind"]
    search_fields = ["child__name", "description", "measure"]
    list_select_related = ["child"]
    autocomplete_fields = ["child", "volunteer"]
    readonly_fields = ["found_on_visit", "closed_on", "created_by"]
    fieldsets = [
        (None, {"fields": ["child", "kind", "description", "found_on", "found_on_visit"]}),
        (
            _("Help plan"),
            {"fields": ["measure", "actor_kind", "volunteer", "team", "department", "actor_note", "due_on"]},
        ),
        (_("Follow-up"), {"fields": ["status", "outcome", "closed_on", "created_by"]}),
    ]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("found_on", timezone.localdate())
        return initial

    def save_model(self, request, obj, form, change):
        services.need_save(need=obj, by=request.user)

    def get_urls(self):
        view = self.admin_site.admin_view(self._red_without_plan_view)
        return [path("red-without-plan/", view, name="casework_need_red_without_plan"), *super().get_urls()]

    RED_LIST_LIMIT = 500

    def _red_without_plan_view(self, request):
        """The dashboard's 红卡无帮扶计划: red children of the user's region without an open need."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        children = list(
            red_without_plan(request.user)
            .select_related("region__parent")
            .order_by("region__code", "name")[: self.RED_LIST_LIMIT + 1]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Red cards without a help plan"),
            "children": children[: self.RED_LIST_LIMIT],
            "truncated": len(children) > self.RED_LIST_LIMIT,
            "limit": self.RED_LIST_LIMIT,
            "can_add": self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/casework/red_without_plan.html", context)


@admin.register(NeedVisit)
class NeedVisitAdmin(ReadOnlyScopedAdmin):
    """Written by the visit (casework.services.visit_tick_needs); read here."""

    list_display = ["need", "visit", "note"]
    list_select_related = ["need__child", "visit__child"]
    search_fields = ["need__child__name"]
    fields = list_display
    readonly_fields = list_display


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", _("overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(status__in=OPEN_REFERRAL_STATUSES, due_on__lt=timezone.localdate())
        return queryset


class ReferralAdminForm(forms.ModelForm):
    class Meta:
        model = Referral
        fields = ["need", "department", "referred_on", "contact", "request", "due_on", "status", "feedback"]
        fields += ["closed_on"]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        before = self.instance.status if self.instance.pk else None
        if before is None:
            if status and status != ReferralStatus.SENT:
                self.add_error("status", _("A new referral is sent (已发出); its status moves on later."))
        elif status and status != before and status not in REFERRAL_TRANSITIONS[before]:
            self.add_error(
                "status",
                _("A referral that is %(from)s cannot become %(to)s.")
                % {"from": ReferralStatus(before).label, "to": ReferralStatus(status).label},
            )
        if status in CLOSED_REFERRAL_STATUSES and not cleaned.get("closed_on"):
            cleaned["closed_on"] = timezone.localdate()
        if status not in CLOSED_REFERRAL_STATUSES:
            cleaned["closed_on"] = None
        return cleaned


@admin.register(Referral)
class ReferralAdmin(ScopedAdmin):
    ordering = ["-referred_on", "-id"]  # = an index (issue 16), unique last
    form = ReferralAdminForm
    list_display = ["need", "department", "referred_on", "due_on", "status", "closed_on"]
    list_filter = ["status", OverdueFilter, "department"]
    search_fields = ["need__child__name", "request", "contact"]
    list_select_related = ["need__child", "department"]
    autocomplete_fields = ["need"]
    readonly_fields = ["created_by"]
    fields = [
        "need",
        "department",
        "referred_on",
        "contact",
        "request",
        "due_on",
        "status",
        "feedback",
        "closed_on",
        "created_by",
    ]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("referred_on", timezone.localdate())
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.referral_create(
                need=obj.need,
                department=obj.department,
                referred_on=obj.referred_on,
                request=obj.request,
                contact=obj.contact,
                due_on=obj.due_on,
                by=request.user,
            )
            obj.pk = created.pk
            return
        stored = Referral.objects.get(pk=obj.pk)
        status, closed_on = obj.status, obj.closed_on
        obj.status, obj.closed_on = stored.status, stored.closed_on
        services.referral_update(referral=obj, by=request.user)
        if status != stored.status:
            services.referral_set_status(
                referral=obj, status=status, feedback=obj.feedback, closed_on=closed_on, by=request.user
            )


class SupervisionAdminForm(forms.ModelForm):
    class Meta:
        model = Supervision
        fields = ["child", "need", "question", "reply_by", "reply"]

    def clean(self):
        cleaned = super().clean()
        child, need = cleaned.get("child"), cleaned.get("need")
        if "child" in self.fields and not child and not need:
            raise forms.ValidationError(_("A supervision names a child or a need."))
        if child and need and need.child_id != child.pk:
            self.add_error("need", _("The need is not this child's."))
        if "reply" in self.fields and "question" not in self.fields and not (cleaned.get("reply") or "").strip():
            self.add_error("reply", _("Write the reply."))
        return cleaned

    def _post_clean(self):
        # The township is the child's; set before the model's own checks run.
        child = self.cleaned_data.get("child") or getattr(self.cleaned_data.get("need"), "child", None)
        if self.instance.pk is None and child is not None:
            from regions.models import Level

            town = child.region
            while town.level > Level.TOWNSHIP:
                town = town.parent
            self.instance.region = town
            self.instance.asked_on = timezone.localdate()
        super()._post_clean()


@admin.register(Supervision)
class SupervisionAdmin(ScopedAdmin):
    form = SupervisionAdminForm
    list_display = ["region", "child", "need", "asked_on", "reply_by", "status", "replied_at"]
    list_filter = ["status"]
    search_fields = ["child__name", "question"]
    list_select_related = ["region", "child", "need__child"]
    autocomplete_fields = ["child", "need"]
    actions = ["close_selected"]
    ASKING = ["child", "need", "question", "reply_by"]
    SHOWN = ["region", "asked_by", "asked_on", "reply", "replied_by", "replied_at", "status"]

    def get_fields(self, request, obj=None):
        return self.ASKING + (self.SHOWN if obj is not None else [])

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        readonly = ["region", "asked_by", "asked_on", "replied_by", "replied_at", "status"]
        if services.may_supervise(request.user):
            return readonly + ["reply"]
        # A township answers; the question is the county's.
        return readonly + self.ASKING

    def has_add_permission(self, request):
        return super().has_add_permission(request) and services.may_supervise(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.supervision_create(
                question=obj.question, reply_by=obj.reply_by, child=obj.child, need=obj.need, by=request.user
            )
            obj.pk = created.pk
        elif services.may_supervise(request.user):
            services.supervision_update(supervision=obj, by=request.user)
        else:
            services.supervision_reply(supervision=obj, reply=obj.reply, by=request.user)

    @admin.action(description=_("Close the selected supervisions"), permissions=["change"])
    def close_selected(self, request, queryset):
        if not services.may_supervise(request.user):
            self.message_user(request, _("Only a county admin can close a supervision."), level="error")
            return
        for supervision in queryset.exclude(status=SupervisionStatus.CLOSED):
            services.supervision_close(supervision=supervision, by=request.user)
