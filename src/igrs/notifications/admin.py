from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import OutboxMessage, SmsTemplate


@admin.register(SmsTemplate)
class SmsTemplateAdmin(admin.ModelAdmin):
    """The DLT template registry: the text exactly as registered and the ids that go with it.
    Saving checks that every variable has a known name."""

    list_display = (
        "key",
        "language",
        "dlt_template_id",
        "header",
        "category",
        "quiet_from",
        "quiet_until",
    )
    list_filter = ("language", "category")
    search_fields = ("key", "dlt_template_id", "body")
    fieldsets = (
        (None, {"fields": ("key", "language", "body", "variables")}),
        (_("DLT registration"), {"fields": ("dlt_template_id", "header", "entity_id", "category")}),
        (_("Quiet hours"), {"fields": ("quiet_from", "quiet_until")}),
    )
    actions = ("release_parked",)

    @admin.action(description=_("Send the parked messages of these templates"))
    def release_parked(self, request, queryset):
        released = sum(
            services.release_parked(key) for key in set(queryset.values_list("key", flat=True))
        )
        self.message_user(
            request,
            ngettext("%(n)d parked message released.", "%(n)d parked messages released.", released)
            % {"n": released},
            messages.INFO,
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "mobile",
        "key",
        "status",
        "encoding",
        "parts",
        "attempts",
        "error_code",
        "reference",
    )
    list_filter = ("status", "key", "encoding")
    search_fields = ("reference", "mobile")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
