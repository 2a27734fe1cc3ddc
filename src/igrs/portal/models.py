"""The portal's own records: one-time passwords."""

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
