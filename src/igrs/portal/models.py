"""The portal's own records: one-time passwords and rate-limit hits."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OneTimePassword(models.Model):
    """A code sent by SMS to prove a mobile number. Only its keyed hash is stored."""

    mobile = models.CharField(_("mobile"), max_length=16)
    code_hash = models.CharField(_("code (keyed hash)"), max_length=64)
    created_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("codes entered"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time password")
        verbose_name_plural = _("one-time passwords")
        indexes = [models.Index(fields=["mobile", "created_at"], name="otp_by_mobile")]


class RateHit(models.Model):
    """One counted request (an OTP sent, a failed lookup) for limits shared by every app
    server: counted in the database, not in one process's memory."""

    bucket = models.CharField(_("limit"), max_length=30)
    key = models.CharField(_("counted for"), max_length=64)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("rate-limit hit")
        verbose_name_plural = _("rate-limit hits")
        indexes = [models.Index(fields=["bucket", "key", "at"], name="ratehit_lookup")]
