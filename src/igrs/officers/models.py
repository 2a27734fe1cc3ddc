from django.db import models
from django.utils.translation import gettext_lazy as _


class OpenedLink(models.Model):
    """An officer's SMS link that has been opened, and by which browser session: a link works
    in the first session that opens it, so a forwarded SMS does not open the page elsewhere."""

    token = models.CharField(_("link"), max_length=80, unique=True)
    session_key = models.CharField(_("browser session"), max_length=64)
    opened_at = models.DateTimeField(_("opened at"))

    class Meta:
        verbose_name = _("opened officer link")
        verbose_name_plural = _("opened officer links")
