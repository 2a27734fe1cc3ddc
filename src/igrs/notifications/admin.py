from django.contrib import admin

from .models import OutboxMessage, SmsTemplate


@admin.register(SmsTemplate)
class SmsTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "language", "dlt_template_id")
    list_filter = ("language",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "mobile", "key", "status", "attempts", "reference")
    list_filter = ("status", "key")
    search_fields = ("reference", "mobile")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
