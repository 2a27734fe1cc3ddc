from django.contrib import admin

from .models import Call, IntegrationKey, WebhookDelivery


@admin.register(IntegrationKey)
class IntegrationKeyAdmin(admin.ModelAdmin):
    """Keys are issued with `igrs integration_key NAME --scope …` (the plain key is shown
    once); here they are listed, limited and revoked."""

    list_display = ("name", "prefix", "scope", "per_minute", "webhook_url", "revoked",
                    "created_at")
    list_editable = ("per_minute", "revoked")
    readonly_fields = ("prefix", "key_hash", "webhook_secret", "created_at")

    def has_add_permission(self, request):
        return False


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("at", "key", "method", "path", "status")
    list_filter = ("status", "key")
    readonly_fields = ("key", "at", "method", "path", "status")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("pk", "key", "event", "status", "attempts", "next_attempt_at",
                    "delivered_at", "last_error")
    list_filter = ("status", "key")
    readonly_fields = ("key", "event", "body", "attempts", "delivered_at", "last_error")
