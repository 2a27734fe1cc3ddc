"""Reads of the ops context: is this installation ready, what waits in its queues, how its
background jobs are doing (for /readyz and /metrics)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from igrs.core import clock
from igrs.grievances.models import DESK_STATUSES, Complaint
from igrs.notifications.models import OutboxMessage, OutboxStatus

from .jobs import all_jobs
from .models import JobHeartbeat


def stale_after(every: float) -> dt.timedelta:
    """A job is late when it has not run for three intervals and the grace (a slow round of
    a busy job is not yet a dead one)."""
    return dt.timedelta(seconds=3 * every + settings.IGRS_HEARTBEAT_GRACE_SECONDS)


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


_migrated = False


def migrations_applied() -> bool:
    """No migration left to apply (remembered once true: a running release never loses one)."""
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


def late_jobs() -> list[str]:
    """Jobs whose last heartbeat is too old, or that never ran."""
    now = clock.now()
    beats = {beat.job: beat for beat in JobHeartbeat.objects.all()}
    return [
        job.name
        for job in all_jobs()
        if job.name not in beats or beats[job.name].beat_at < now - stale_after(job.every)
    ]


@dataclass(frozen=True)
class Readiness:
    database: bool
    migrations: bool
    late_jobs: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return self.database and self.migrations and not self.late_jobs


def readiness() -> Readiness:
    if not database_reachable():
        return Readiness(False, False, ())
    return Readiness(True, migrations_applied(), tuple(late_jobs()))


def queue_depths() -> dict[str, int]:
    """What waits, each count through a partial index."""
    now = clock.now()
    outbox = OutboxMessage.objects
    return {
        "sms_queued": outbox.filter(status=OutboxStatus.QUEUED).count(),
        "sms_unconfirmed": outbox.filter(status=OutboxStatus.UNCONFIRMED).count(),
        "verification": Complaint.objects.filter(verify_after__lte=now).count(),
        "desk": Complaint.objects.filter(status__in=DESK_STATUSES).count(),
        "overdue_unswept": Complaint.objects.filter(escalate_at__lte=now).count(),
    }


def heartbeats() -> list[JobHeartbeat]:
    return list(JobHeartbeat.objects.order_by("job"))
