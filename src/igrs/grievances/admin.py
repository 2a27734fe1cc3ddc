from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from igrs.core.roles import Role
from igrs.privacy.models import Face
from igrs.privacy.services import record_views

from .actors import Actor
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

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        """The complaint as stored, name, mobile and address in full: the look is logged as
        every other staff page's is (docs/security.md). The list shows none of them."""
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = getattr(response, "context_data", None) or {}
        if response.status_code == 200 and shown.get("original") is not None:
            viewer = Actor(Role.ADMIN, user_id=request.user.pk)
            record_views(viewer, [shown["original"].pk], Face.ADMIN)
        return response


@admin.register(Defaulter)
class DefaulterAdmin(admin.ModelAdmin):
    list_display = ("complaint", "post", "due_at", "marked_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
