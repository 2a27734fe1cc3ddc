from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from .models import RetentionRule
from .retention import KEPT


class RetentionRuleForm(forms.ModelForm):
    class Meta:
        model = RetentionRule
        fields = ("record_class", "keep_days")

    def clean(self):
        cleaned = super().clean()
        kept = KEPT.get(cleaned.get("record_class", ""))
        days = cleaned.get("keep_days")
        if kept is not None and days is not None and days < kept.minimum_days:
            self.add_error(
                "keep_days",
                _("At least %(days)d days for these records.") % {"days": kept.minimum_days},
            )
        return cleaned


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    """How long each class of record keeps personal data; the job's progress, read-only."""

    form = RetentionRuleForm
    list_display = ("record_class", "keep_days", "anonymised", "cursor_at", "last_run_at")
    readonly_fields = ("anonymised", "cursor_at", "cursor_id", "last_run_at")
