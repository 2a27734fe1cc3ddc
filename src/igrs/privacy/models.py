"""How long each class of record keeps the personal data in it (data, edited in the admin),
and how far the retention job has got through each."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from igrs.core.roles import Role


class RecordClass(models.TextChoices):
    COMPLAINT = "complaint", _("Complaints: the complainant's personal data, after closure")
    SMS = "sms", _("SMS outbox: number and text, after sending")
    CALLS = "calls", _("Helpline 1076 call records: the caller's number, after the call")
    IVR_CALLS = "ivr_calls", _("IVR call records: the caller's number and keys, after the call")
    VIEW_LOG = "view_log", _("Log of staff views of personal data: deleted, after the view")


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


class Face(models.TextChoices):
    """Where a member of staff saw a complainant's personal data."""

    OFFICER = "officer", _("Officer's complaint page")
    OFFICER_LINK = "officer_link", _("Officer's SMS-link page")
    OFFICER_INBOX = "officer_inbox", _("Officer's inbox")
    CALL_CENTRE = "callcentre", _("Helpline console")
    DESK = "desk", _("Monitoring desk")
    MONITORING = "monitoring", _("Dashboard")
    API = "api", _("API")
    PRIVACY = "privacy", _("Personal-data page")
    ADMIN = "admin", _("Django admin")


class PersonalDataView(models.Model):
    """One look by staff at a complainant's personal data: who, when, which complaint,
    where, and — for a revealed mobile — why. Append-only; kept as its retention rule says
    (at least a year)."""

    at = models.DateTimeField(_("at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by (user)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # An SMS-link page is opened without signing in: the officer the link was sent to.
    officer = models.ForeignKey(
        "directory.Officer",
        verbose_name=_("by (officer)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    complaint = models.ForeignKey(
        "grievances.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    face = models.CharField(_("where"), max_length=20, choices=Face.choices)
    revealed = models.BooleanField(_("full mobile revealed"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("view of personal data")
        verbose_name_plural = _("views of personal data")
        indexes = [
            models.Index(fields=["at"], name="pd_view_at"),
            models.Index(fields=["complaint", "at"], name="pd_view_complaint"),
            models.Index(fields=["user", "at"], name="pd_view_user"),
        ]
