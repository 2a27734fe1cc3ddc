from django.contrib import admin

from .models import Complaint, Defaulter, Event


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    fields = ("at", "action", "role", "actor_post", "to_post", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-only: complaints change only through the services (the transition table)."""

    list_display = ("reference", "status", "level", "current_post", "due_at", "created_at")
    list_filter = ("status", "level", "source")
    search_fields = ("reference", "mobile")
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Defaulter)
class DefaulterAdmin(admin.ModelAdmin):
    list_display = ("complaint", "post", "due_at", "marked_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
