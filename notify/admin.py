from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyScopedAdmin, ScopedAdmin

from .models import Delivery, DeliveryStatus, Message, Preference, RobotHook
from .services import deliveries_retry, messages_mark_read, preference_for, preference_save, robot_hook_save

#: messages shown on the page of one's messages
INBOX_SIZE = 50


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["email", "sms", "phone", "digest_weekday", "digest_hour"]


@admin.register(Message)
class MessageAdmin(ReadOnlyScopedAdmin):
    """One's own messages (``Message.objects.for_user``); the page ``inbox`` marks them read."""

    list_display = ["title", "kind", "recipient", "created_at", "read_at"]
    list_filter = ["kind", "mandatory"]
    list_select_related = ["recipient"]
    search_fields = ["title"]
    fields = ["recipient", "kind", "title", "body", "summary", "link", "mandatory", "created_at", "read_at"]
    readonly_fields = fields

    def get_urls(self):
        return [
            path("inbox/", self.admin_site.admin_view(self.inbox_view), name="notify_message_inbox"),
            *super().get_urls(),
        ]

    def inbox_view(self, request):
        """The account's latest messages, read by opening this page, and its reminder settings."""
        user = request.user
        preference = preference_for(user)
        form = PreferenceForm(request.POST or None, instance=preference)
        if request.method == "POST":
            if not user.has_perm("notify.change_preference"):
                raise PermissionDenied
            if form.is_valid():
                preference_save(user=user, **{name: form.cleaned_data[name] for name in PreferenceForm.Meta.fields})
                messages.success(request, _("Your reminder settings were saved."))
                return redirect("admin:notify_message_inbox")
        shown = list(Message.objects.filter(recipient=user)[:INBOX_SIZE])
        failed = Delivery.objects.for_user(user).filter(status=DeliveryStatus.FAILED).count()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("My messages"),
            "shown": shown,
            "form": form,
            "failed": failed,
        }
        response = TemplateResponse(request, "notify/inbox.html", context)

        def mark_read(_response):  # once the page is rendered: a rendering error leaves them unread
            messages_mark_read(user=user, messages=shown)

        response.add_post_render_callback(mark_read)
        return response


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyScopedAdmin):
    """Every send: one's own, and for county admins those of their area's accounts."""

    list_display = ["message", "recipient", "channel", "target", "status", "attempts", "last_error", "sent_at"]
    list_filter = ["status", "channel"]
    list_select_related = ["message__recipient"]
    search_fields = ["message__title", "target"]
    fields = [
        "message",
        "channel",
        "target",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "next_try_at",
    ]
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.display(description=_("recipient"))
    def recipient(self, obj):
        return obj.message.recipient

    @admin.action(description=_("Send again now"))
    def retry_now(self, request, queryset):
        sent = deliveries_retry(deliveries=list(queryset), by=request.user)
        self.message_user(request, ngettext("%(n)d delivery sent.", "%(n)d deliveries sent.", sent) % {"n": sent})


@admin.register(Preference)
class PreferenceAdmin(ScopedAdmin):
    """One's own settings (``Preference.objects.for_user``); made from the page of one's messages."""

    list_display = ["user", "email", "sms", "phone", "digest_weekday", "digest_hour"]
    fields = ["user", "email", "sms", "phone", "digest_weekday", "digest_hour"]
    readonly_fields = ["user"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if obj.user_id != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied
        preference_save(user=obj.user, **{name: form.cleaned_data[name] for name in PreferenceForm.Meta.fields})


@admin.register(RobotHook)
class RobotHookAdmin(ScopedAdmin):
    """The group robots of a county admin's townships and county; the address is shortened in lists."""

    list_display = ["region", "kind", "name", "masked_url", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["region__parent"]
    search_fields = ["region__name", "name"]
    fields = ["region", "kind", "name", "url", "active"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("robot address"))
    def masked_url(self, obj):
        return obj.masked_url

    def save_model(self, request, obj, form, change):
        robot_hook_save(hook=obj, by=request.user)
