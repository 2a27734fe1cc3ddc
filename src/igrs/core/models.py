from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import TOKEN_ROLES


class ApiToken(models.Model):
    """A bearer token for the JSON API. It carries one role; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    role = models.CharField(
        _("role"), max_length=10, choices=[(role.value, role.label) for role in TOKEN_ROLES]
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class RateHit(models.Model):
    """One counted request (an OTP sent, a failed lookup) for limits shared by every app
    server: counted in the database, not in one process's memory."""

    bucket = models.CharField(_("limit"), max_length=30)
    key = models.CharField(_("counted for"), max_length=64)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("rate-limit hit")
        verbose_name_plural = _("rate-limit hits")
        db_table = "portal_ratehit"  # its table from before it moved here from the portal
        indexes = [models.Index(fields=["bucket", "key", "at"], name="ratehit_lookup")]
