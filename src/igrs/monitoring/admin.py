from django.contrib import admin

from .models import RankingFormula


@admin.register(RankingFormula)
class RankingFormulaAdmin(admin.ModelAdmin):
    """A new formula is a new version; a published one is never edited."""

    list_display = ("version", "published_on", "weights", "note")

    def get_readonly_fields(self, request, obj=None):
        return ("version", "weights", "published_on") if obj else ()
