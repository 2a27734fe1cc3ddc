from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "name", "created_at", "revoked")
    readonly_fields = ("key_hash",)
