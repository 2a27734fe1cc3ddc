"""The IVR's own records: every call it answered (the call log the dashboard counts), and the
hand-over of a caller to the agents' queue with the reference number already keyed in."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    """How far a call got; the furthest step counts (an agent beats feedback beats status)."""

    AGENT = "agent", _("Transferred to an agent")
    FEEDBACK = "feedback", _("Not satisfied or reminder recorded")
    STATUS = "status", _("Heard the status")
    ABANDONED = "abandoned", _("Hung up before any of these")


class IvrCall(models.Model):
    call_id = models.CharField(_("SIP call id"), max_length=200, unique=True)
    caller = models.CharField(_("calling number"), max_length=64)
    # The calling number as an Indian mobile (E.164), when it is one: who may hear details.
    mobile = models.CharField(_("mobile"), max_length=16, blank=True)
    language = models.CharField(_("language"), max_length=5, default="hi")
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    keys = models.CharField(_("keys pressed"), max_length=500, blank=True)
    path = models.JSONField(_("path through the menu"), default=list)
    reference = models.CharField(_("reference number keyed"), max_length=20, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.ABANDONED
    )

    class Meta:
        verbose_name = _("IVR call")
        verbose_name_plural = _("IVR calls")
        indexes = [models.Index(fields=["started_at"], name="ivrcall_by_time")]

    def __str__(self) -> str:
        return self.call_id


class Handover(models.Model):
    """A caller the IVR sent to the agents' queue: the console shows what they keyed when the
    ACD offers that caller's call (matched by call id, else by the caller's number)."""

    call = models.ForeignKey(
        IvrCall, verbose_name=_("IVR call"), on_delete=models.CASCADE, related_name="handovers"
    )
    mobile = models.CharField(_("mobile"), max_length=16, blank=True)
    caller = models.CharField(_("calling number"), max_length=64)
    reference = models.CharField(_("reference number (valid)"), max_length=20, blank=True)
    keyed = models.CharField(_("digits last keyed"), max_length=40, blank=True)
    reason = models.CharField(_("why transferred"), max_length=20)
    created_at = models.DateTimeField(_("transferred at"))

    class Meta:
        verbose_name = _("hand-over to an agent")
        verbose_name_plural = _("hand-overs to agents")
        indexes = [
            models.Index(fields=["mobile", "created_at"], name="handover_by_mobile"),
            models.Index(fields=["caller", "created_at"], name="handover_by_caller"),
        ]
