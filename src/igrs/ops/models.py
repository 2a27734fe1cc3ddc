from django.db import models
from django.utils.translation import gettext_lazy as _


class JobHeartbeat(models.Model):
    """The last run of one background job, written by `igrs worker` after each run, so
    /readyz, /metrics and other processes see whether the job is alive and failing."""

    job = models.CharField(_("job"), max_length=40, unique=True)
    worker = models.CharField(_("worker"), max_length=100)  # host:pid of the last writer
    beat_at = models.DateTimeField(_("last run"))
    every_seconds = models.FloatField(_("interval (seconds)"))
    ok_at = models.DateTimeField(_("last success"), null=True, blank=True)
    runs = models.PositiveBigIntegerField(_("runs"), default=0)
    errors = models.PositiveBigIntegerField(_("errors"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    last_duration = models.FloatField(_("last duration (seconds)"), default=0)

    class Meta:
        verbose_name = _("job heartbeat")
        verbose_name_plural = _("job heartbeats")

    def __str__(self) -> str:
        return self.job
