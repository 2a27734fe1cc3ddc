"""The call centre's own records: calls as the telephony system reports them, and the audit
sample of closed complaints a supervisor calls again."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from igrs.grievances.models import Complaint


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Call(models.Model):
    """One call, built from the CTI events the ACD/dialer posts (offered, answered, ended)."""

    call_id = models.CharField(_("call id"), max_length=64, unique=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    ani = models.CharField(_("caller's number"), max_length=20)
    # The caller's number as an Indian mobile (E.164), when it is one: the history key.
    mobile = models.CharField(_("mobile"), max_length=16, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    offered_at = models.DateTimeField(_("offered at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(fields=["agent", "offered_at"], name="call_by_agent"),
            models.Index(fields=["offered_at"], name="call_by_time"),
        ]

    def __str__(self) -> str:
        return self.call_id


class AuditOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Complainant confirms the verification")
    DISPUTED = "disputed", _("Complainant disputes it: flagged for review")
    UNREACHABLE = "unreachable", _("Complainant not reachable")


class AuditCall(models.Model):
    """A closed complaint drawn into the supervisors' random re-call sample."""

    complaint = models.OneToOneField(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="+"
    )
    sampled_at = models.DateTimeField(_("sampled at"))
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    claimed_until = models.DateTimeField(_("held until"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=AuditOutcome.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("audit call")
        verbose_name_plural = _("audit calls")
        indexes = [
            models.Index(
                fields=["sampled_at", "id"], name="audit_open", condition=Q(done_at__isnull=True)
            )
        ]
