"""Writes of the ops context: the worker's job heartbeats."""

from django.db.models import F

from igrs.core import clock

from .models import JobHeartbeat


def record_run(
    job: str, worker: str, every: float, duration: float, error: BaseException | None
) -> None:
    """One run of a job: a success or its error's class (never its text, which may carry
    personal data), counted, with the time, so staleness is visible elsewhere."""
    now = clock.now()
    fields: dict = {
        "worker": worker,
        "beat_at": now,
        "every_seconds": every,
        "last_duration": duration,
        "runs": F("runs") + 1,
    }
    if error is None:
        fields["ok_at"] = now
    else:
        fields["errors"] = F("errors") + 1
        fields["last_error"] = type(error).__name__[:200]
    if not JobHeartbeat.objects.filter(job=job).update(**fields):
        JobHeartbeat.objects.get_or_create(
            job=job, defaults={"worker": worker, "beat_at": now, "every_seconds": every}
        )
        JobHeartbeat.objects.filter(job=job).update(**fields)
