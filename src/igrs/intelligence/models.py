"""What was suggested and what was chosen, so accuracy can be measured in production."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from igrs.directory.models import Category, Unit
from igrs.grievances.models import Complaint


class Channel(models.TextChoices):
    PORTAL = "portal", _("citizen portal")
    CONSOLE = "console", _("helpline console")
    API = "api", _("API")


class CategorySuggestion(models.Model):
    """The last suggestion shown before a complaint was filed, and the category it was filed
    in. The text itself stays on the complaint; here only its hash."""

    complaint = models.OneToOneField(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    text_hash = models.CharField(_("hash of the text suggested for"), max_length=64)
    place = models.ForeignKey(
        Unit,
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    suggested = models.JSONField(_("suggested categories with scores, best first"))
    model_version = models.CharField(_("model version"), max_length=40)
    chosen_category = models.ForeignKey(
        Category, verbose_name=_("category chosen"), on_delete=models.PROTECT, related_name="+"
    )
    # 1 for the best suggestion, …; null when the category chosen was not among those shown.
    chosen_rank = models.PositiveSmallIntegerField(
        _("rank of the chosen category"), null=True, blank=True
    )
    picked = models.BooleanField(_("chosen by pressing a suggestion"), default=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("category suggestion")
        verbose_name_plural = _("category suggestions")
        indexes = [models.Index(fields=["created_at"], name="suggestion_by_time")]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.chosen_rank}"
