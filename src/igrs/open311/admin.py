from django.contrib import admin, messages
from django.utils.translation import gettext as _

from .models import Call, IntegrationKey, WebhookDelivery
from .services import create_key
from .webhooks import new_secret


@admin.register(IntegrationKey)
class IntegrationKeyAdmin(admin.ModelAdmin):
    """Adding a key shows the plain key once, in the confirmation message; only its hash is
    kept. Keys are limited, pointed at a webhook and revoked here."""

    list_display = ("name", "prefix", "scope", "per_minute", "webhook_url", "revoked", "created_at")
    list_editable = ("per_minute", "revoked")
    fields = (
        "name",
        "scope",
        "per_minute",
        "webhook_url",
        "revoked",
        "prefix",
        "webhook_secret",
        "created_at",
    )
    readonly_fields = ("prefix", "webhook_secret", "created_at")

    def save_model(self, request, obj, form, change):
        if change:
            if obj.webhook_url and not obj.webhook_secret:
                obj.webhook_secret = new_secret()  # a URL added later is signed too
            super().save_model(request, obj, form, change)
            return
        key, plain = create_key(obj.name, obj.scope, webhook_url=obj.webhook_url)
        key.per_minute, key.revoked = obj.per_minute, obj.revoked
        key.save(update_fields=["per_minute", "revoked"])
        obj.pk = key.pk
        messages.warning(
            request,
            _(
                "The API key for %(name)s is %(key)s — copy it now: it "
                "is not stored and will not be shown again."
            )
            % {"name": key.name, "key": plain},
        )


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("at", "key", "method", "path", "status")
    list_filter = ("status", "key")
    readonly_fields = ("key", "at", "method", "path", "status")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "key",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    )
    list_filter = ("status", "key")
    readonly_fields = ("key", "event", "body", "attempts", "delivered_at", "last_error")
