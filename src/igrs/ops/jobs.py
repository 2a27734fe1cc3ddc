"""The background jobs `igrs worker` runs, each a service function of the app that owns its
data: bounded work per call, safe in several workers at once, returning how much it did."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from igrs.callcentre.services import sample_audits
from igrs.core import clock, partitions
from igrs.grievances.services import cluster_new, sweep
from igrs.monitoring.services import roll_up
from igrs.notifications.services import deliver_pending, reconcile_unconfirmed
from igrs.open311.webhooks import deliver_due, queue_deliveries
from igrs.portal.services import prune
from igrs.privacy.retention import apply_retention

SWEEP_ROUND = 200
# At start, closures this far back are sampled for audit (idempotent), covering a restart.
AUDIT_CATCH_UP = dt.timedelta(days=2)
AUDIT_OVERLAP = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Job:
    """`run` returns how much it did: more than 0 runs it again at once, 0 waits `every`."""

    name: str
    run: Callable[[], int]
    every: float


def escalation_sweep() -> int:
    # A bounded round, so a big backlog never holds the others (they have their own loops
    # now, but a round is also one transaction's worth of locks).
    report = sweep(limit=SWEEP_ROUND)
    done = report.escalated + report.defaulted + report.reminded
    return max(done, 1) if report.more else done


def webhooks() -> int:
    return queue_deliveries() + deliver_due()


def retention() -> int:
    return prune() + apply_retention()


def partition_months() -> int:
    """PostgreSQL's monthly partitions made ahead and old ones detached (nothing on SQLite).
    Cheap when there is nothing to do, so it runs as often as the sweep and a new month is
    never missed by a worker that was down at the turn of the month."""
    done = partitions.maintain(
        clock.now(),
        ahead=settings.IGRS_PARTITION_MONTHS_AHEAD,
        keep_months=settings.IGRS_PARTITION_KEEP_MONTHS,
    )
    return len(done.created) + len(done.detached)


class AuditSampling:
    """Samples closures since its last run. Overlapping windows: a closure stamped before a
    run but committed after it is still seen next time (sampling twice adds nothing)."""

    def __init__(self) -> None:
        self.since = clock.now() - AUDIT_CATCH_UP

    def __call__(self) -> int:
        until = clock.now()
        sample_audits(self.since, until)
        self.since = until - AUDIT_OVERLAP
        return 0  # a window is done in one call: wait for the next


def all_jobs() -> list[Job]:
    poll = settings.IGRS_WORKER_POLL_SECONDS
    periodic = settings.IGRS_SWEEP_EVERY_SECONDS
    return [
        Job("sms", deliver_pending, poll),
        Job("sms_reconcile", reconcile_unconfirmed, poll),
        Job("clusters", cluster_new, poll),
        Job("sweep", escalation_sweep, periodic),
        Job("rollup", roll_up, poll),
        Job("webhooks", webhooks, poll),
        Job("audit_sampling", AuditSampling(), periodic),
        Job("retention", retention, periodic),
        Job("partitions", partition_months, periodic),
    ]
