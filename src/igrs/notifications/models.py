from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from igrs.core.text import nfc

from . import dlt

# What SMS contexts carry: grievances.services.sms._sms_context (with an officer's signed link),
# and the portal's one-time password.
PLACEHOLDERS = frozenset(
    {"reference", "post", "due", "level", "outcome", "reason", "otp", "minutes", "link"}
)


class Category(models.TextChoices):
    """DLT content categories (TRAI's 2018 regulations)."""

    TRANSACTIONAL = "transactional", _("Transactional")
    SERVICE_IMPLICIT = "service_implicit", _("Service implicit")
    SERVICE_EXPLICIT = "service_explicit", _("Service explicit")


class SmsTemplate(models.Model):
    """One DLT-registered template per message type and language, stored exactly as
    registered; a message that would not match it is refused (see dlt.py)."""

    key = models.CharField(_("message type"), max_length=40)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    body = models.TextField(
        _("registered text"),
        help_text=_(
            "Exactly as registered on DLT, with {#var#} (30 characters), {#url#} or "
            "{#numeric#} for each variable."
        ),
    )
    variables = models.CharField(
        _("variables"),
        max_length=300,
        blank=True,
        help_text=_(
            "Which value fills each variable, in order, separated by commas. The same "
            "name on adjacent variables fills them together."
        ),
    )
    dlt_template_id = models.CharField(_("DLT template id"), max_length=30, blank=True)
    header = models.CharField(_("header (sender id)"), max_length=11, blank=True)
    entity_id = models.CharField(_("DLT entity id"), max_length=30, blank=True)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.SERVICE_IMPLICIT
    )
    # No message of this type leaves in these hours (local time); it waits until they end.
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        constraints = [
            models.UniqueConstraint(fields=["key", "language"], name="one_template_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"

    def clean(self) -> None:
        """NFC text; one known name per variable: a typo would otherwise park every message
        of this type."""
        self.body = nfc(self.body)
        self.variables = ",".join(dlt.parse_names(self.variables))
        unknown = set(dlt.parse_names(self.variables)) - PLACEHOLDERS
        if unknown:
            raise ValidationError(
                {
                    "variables": _("Unknown names: %(names)s. Use only %(ok)s.")
                    % {"names": ", ".join(sorted(unknown)), "ok": ", ".join(sorted(PLACEHOLDERS))}
                }
            )
        try:
            dlt.parse(self.body, self.variables)
        except dlt.TemplateError as error:
            raise ValidationError({"variables": str(error)}) from error
        if (self.quiet_from is None) != (self.quiet_until is None):
            raise ValidationError({"quiet_until": _("Give both ends of the quiet hours.")})
        if self.quiet_from is not None and self.quiet_from == self.quiet_until:
            raise ValidationError(
                {"quiet_until": _("Quiet hours must end at another time than they start.")}
            )


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    PARKED = "parked", _("Parked: template problem")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")
    FAILED = "failed", _("Failed")
    UNCONFIRMED = "unconfirmed", _("Sent or not: unknown")


class OutboxMessage(models.Model):
    """An SMS written in the same transaction as the change it reports; sent after commit."""

    mobile = models.CharField(_("mobile"), max_length=16)
    key = models.CharField(_("message type"), max_length=40)
    language = models.CharField(_("language"), max_length=5)
    body = models.TextField(_("text"))
    # The values, kept while the message waits, so a parked one can be rendered again once
    # its template is corrected. Emptied when the message leaves.
    context = models.JSONField(_("values"), default=dict, blank=True)
    dlt_template_id = models.CharField(_("DLT template id"), max_length=30, blank=True)
    header = models.CharField(_("header (sender id)"), max_length=11, blank=True)
    entity_id = models.CharField(_("DLT entity id"), max_length=30, blank=True)
    encoding = models.CharField(_("encoding"), max_length=5, default="gsm7")
    parts = models.PositiveSmallIntegerField(_("SMS parts"), default=1)
    reference = models.CharField(_("complaint reference"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a worker may next pick it up (after a back-off or quiet hours). While sending it
    # is the end of the worker's lease: a message still "sending" after it was in flight
    # when its worker died.
    next_attempt_at = models.DateTimeField(_("next attempt"))
    created_at = models.DateTimeField(_("queued at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Unconfirmed with a gateway that reports every message it accepts: with no report by
    # then, the gateway never had it, and it is queued again (services.reconcile_unconfirmed).
    confirm_by = models.DateTimeField(_("report expected by"), null=True, blank=True)
    gateway_message_id = models.CharField(_("gateway id"), max_length=100, blank=True)
    error_code = models.CharField(_("operator error code"), max_length=30, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox SMS")
        verbose_name_plural = _("outbox SMS")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due",
                condition=models.Q(status="queued"),
            ),
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_in_flight",
                condition=models.Q(status="sending"),
            ),
            models.Index(
                fields=["status", "created_at"],
                name="outbox_needs_hand",
                condition=models.Q(status__in=["parked", "unconfirmed", "failed"]),
            ),
            models.Index(
                fields=["status", "finished_at"],
                name="outbox_finished",
                condition=models.Q(finished_at__isnull=False),
            ),
            models.Index(
                fields=["sent_at"], name="outbox_sent", condition=models.Q(sent_at__isnull=False)
            ),
            models.Index(fields=["reference"], name="outbox_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.mobile} ({self.status})"


class SmsPart(models.Model):
    """The SMSC's id for one part of a message sent over SMPP, to match delivery receipts.
    Without a message: a receipt that came before its send was recorded, waiting."""

    message = models.ForeignKey(
        OutboxMessage,
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        db_constraint=False,  # the outbox is partitioned by month (core/partitions.py)
    )
    gateway_id = models.CharField(_("gateway id"), max_length=100)
    status = models.CharField(
        _("status"), max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.SENT
    )
    error_code = models.CharField(_("operator error code"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("SMS part")
        verbose_name_plural = _("SMS parts")
        indexes = [models.Index(fields=["gateway_id"], name="sms_part_gateway_id")]


class AdminAlert(models.Model):
    """When administrators were last mailed about one kind of SMS trouble: at most hourly."""

    name = models.CharField(_("alert"), max_length=80, unique=True)
    sent_at = models.DateTimeField(_("last sent"))

    class Meta:
        verbose_name = _("SMS alert")
        verbose_name_plural = _("SMS alerts")
