import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from igrs.core.text import nfc

# What SMS contexts carry: grievances.services._sms_context (with an officer's signed link),
# and the portal's one-time password.
PLACEHOLDERS = frozenset(
    {"reference", "post", "due", "level", "outcome", "reason", "otp", "minutes", "link"}
)


class SmsTemplate(models.Model):
    """One DLT-registered message text per message type and language."""

    key = models.CharField(_("message type"), max_length=40)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    body = models.TextField(_("text"), help_text=_("Placeholders in braces, e.g. {reference}."))
    dlt_template_id = models.CharField(_("DLT template id"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        constraints = [
            models.UniqueConstraint(fields=["key", "language"], name="one_template_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"

    def clean(self) -> None:
        """NFC text, and only placeholders the services fill in: a typo would otherwise fail
        every action that sends this message."""
        self.body = nfc(self.body)
        unknown = set(re.findall(r"\{(\w*)\}", self.body)) - PLACEHOLDERS
        if unknown:
            raise ValidationError({"body": _("Unknown placeholders: %(names)s. Use only %(ok)s.")
                                   % {"names": ", ".join(sorted(unknown)),
                                      "ok": ", ".join(sorted(PLACEHOLDERS))}})


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """An SMS written in the same transaction as the change it reports; sent after commit."""

    mobile = models.CharField(_("mobile"), max_length=16)
    key = models.CharField(_("message type"), max_length=40)
    language = models.CharField(_("language"), max_length=5)
    body = models.TextField(_("text"))
    dlt_template_id = models.CharField(_("DLT template id"), max_length=30, blank=True)
    parts = models.PositiveSmallIntegerField(_("SMS parts"), default=1)
    reference = models.CharField(_("complaint reference"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a worker may next pick it up; claiming pushes it forward, so a crashed worker's
    # message is retried after the lease instead of being lost or sent twice at once.
    next_attempt_at = models.DateTimeField(_("next attempt"))
    created_at = models.DateTimeField(_("queued at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    gateway_message_id = models.CharField(_("gateway id"), max_length=100, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox SMS")
        verbose_name_plural = _("outbox SMS")
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="outbox_due",
                condition=models.Q(status="queued"),
            ),
            models.Index(fields=["reference"], name="outbox_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.mobile} ({self.status})"
