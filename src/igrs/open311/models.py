"""Integrating systems (mobile apps, kiosks, other portals): their API keys, what each filed,
and a log of every call."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from igrs.grievances.models import Complaint


class Scope(models.TextChoices):
    FILE_ONLY = "file_only", _("File complaints only")
    READ_OWN = "read_own", _("File, and read the complaints it filed")
    READ_ALL = "read_all", _("File, and read all complaints")


class IntegrationKey(models.Model):
    """An API key of one integrating system. Only its SHA-256 is stored; the first characters
    are kept to tell keys apart in the admin and the logs."""

    name = models.CharField(_("system"), max_length=100)
    prefix = models.CharField(_("key begins with"), max_length=8)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    scope = models.CharField(
        _("scope"), max_length=10, choices=Scope.choices, default=Scope.READ_OWN
    )
    per_minute = models.PositiveIntegerField(_("requests per minute"), default=120)
    # Status changes of the complaints this system filed are POSTed here, signed with the
    # secret as Standard Webhooks has it ("whsec_…"; header webhook-signature).
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(_("webhook secret"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("integration key")
        verbose_name_plural = _("integration keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Filing(models.Model):
    """Which integrating system filed a complaint (for read_own and for the logs)."""

    complaint = models.OneToOneField(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.ForeignKey(
        IntegrationKey,
        verbose_name=_("filed with key"),
        on_delete=models.PROTECT,
        related_name="filings",
    )

    class Meta:
        verbose_name = _("integration filing")
        verbose_name_plural = _("integration filings")


class Call(models.Model):
    """One request an integrating system made."""

    key = models.ForeignKey(
        IntegrationKey,
        verbose_name=_("key"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    at = models.DateTimeField(_("at"))
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=300)
    status = models.PositiveSmallIntegerField(_("HTTP status"))

    class Meta:
        verbose_name = _("integration call")
        verbose_name_plural = _("integration calls")
        indexes = [models.Index(fields=["key", "at"], name="integration_call_by_key")]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed: gave up")


class WebhookDelivery(models.Model):
    """One timeline step of a complaint, to be POSTed to the system that filed it."""

    key = models.ForeignKey(
        IntegrationKey, verbose_name=_("key"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        "grievances.Event",
        verbose_name=_("timeline event"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,  # events are partitioned by month (core/partitions.py)
    )
    body = models.JSONField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["key", "event"], name="one_delivery_per_event")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="webhook_due", condition=models.Q(status="pending")
            )
        ]


class WebhookCursor(models.Model):
    """How far the worker has looked through the timeline for webhook deliveries."""

    last_event_id = models.BigIntegerField(_("last event looked at"), default=0)
    # Ids below the cursor not yet seen: steps of transactions still running (see
    # grievances.selectors.events_after), as [id, first noticed].
    gaps = models.JSONField(_("ids still awaited"), default=list, blank=True)


class ImportedReference(models.Model):
    """A complaint brought in from another portal's export, by that portal's own reference:
    importing the same row again finds it here and creates nothing."""

    system = models.CharField(_("from system"), max_length=40)
    external_ref = models.CharField(_("their reference"), max_length=64)
    complaint = models.OneToOneField(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        verbose_name = _("imported reference")
        verbose_name_plural = _("imported references")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "external_ref"], name="one_import_per_reference"
            )
        ]
