"""How long each class of record keeps the personal data in it (data, edited in the admin),
and how far the retention job has got through each."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordClass(models.TextChoices):
    COMPLAINT = "complaint", _("Complaints: the complainant's personal data, after closure")
    SMS = "sms", _("SMS outbox: number and text, after sending")
    CALLS = "calls", _("Helpline 1076 call records: the caller's number, after the call")
    IVR_CALLS = "ivr_calls", _("IVR call records: the caller's number and keys, after the call")


class RetentionRule(models.Model):
    record_class = models.CharField(
        _("records"), max_length=20, choices=RecordClass.choices, unique=True
    )
    keep_days = models.PositiveIntegerField(_("keep personal data for (days)"))
    # The job anonymises records in the order of their time; it has done everything up to
    # and including (cursor_at, cursor_id).
    cursor_at = models.DateTimeField(_("done up to"), null=True, blank=True)
    cursor_id = models.BigIntegerField(_("done up to (id)"), default=0)
    anonymised = models.PositiveBigIntegerField(_("records anonymised so far"), default=0)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return str(self.get_record_class_display())
