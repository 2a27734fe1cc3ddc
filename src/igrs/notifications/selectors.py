"""Reads of the notifications context: what the operations page shows. Every count goes
through a partial index or a time window, so the page stays quick on a year's outbox."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, QuerySet

from igrs.core import clock

from .models import OutboxMessage, OutboxStatus

S = OutboxStatus
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)
LISTED = 50


@dataclass(frozen=True)
class Queue:
    due: int
    waiting: int  # backing off or in quiet hours
    sending: int
    oldest_due: dt.datetime | None
    last_sent: dt.datetime | None
    last_delivered: dt.datetime | None


def queue() -> Queue:
    now = clock.now()
    queued = OutboxMessage.objects.filter(status=S.QUEUED)
    return Queue(
        due=queued.filter(next_attempt_at__lte=now).count(),
        waiting=queued.filter(next_attempt_at__gt=now).count(),
        sending=OutboxMessage.objects.filter(status=S.SENDING).count(),
        oldest_due=queued.filter(next_attempt_at__lte=now).aggregate(at=Min("next_attempt_at"))[
            "at"
        ],
        last_sent=OutboxMessage.objects.filter(sent_at__isnull=False).aggregate(at=Max("sent_at"))[
            "at"
        ],
        last_delivered=OutboxMessage.objects.filter(
            status=S.DELIVERED, finished_at__isnull=False
        ).aggregate(at=Max("finished_at"))["at"],
    )


def outcomes_since(since: dt.datetime) -> dict[str, int]:
    """Messages that reached a final state since `since`, by state."""
    rows = (
        OutboxMessage.objects.filter(
            status__in=[S.DELIVERED, S.UNDELIVERED, S.FAILED], finished_at__gte=since
        )
        .values("status")
        .annotate(n=Count("pk"))
    )
    return {row["status"]: row["n"] for row in rows}


def sent_since(since: dt.datetime) -> int:
    return OutboxMessage.objects.filter(sent_at__gte=since).count()


def failures_by_code(since: dt.datetime) -> list[Mapping[str, Any]]:
    return list(
        OutboxMessage.objects.filter(status__in=[S.FAILED, S.UNDELIVERED], finished_at__gte=since)
        .values("status", "error_code")
        .annotate(n=Count("pk"), last=Max("finished_at"))
        .order_by("-n")
    )


def parked_by_type() -> list[Mapping[str, Any]]:
    return list(
        OutboxMessage.objects.filter(status=S.PARKED)
        .values("key")
        .annotate(n=Count("pk"), last_error=Max("last_error"))
        .order_by("key")
    )


def needing_a_hand() -> QuerySet[OutboxMessage]:
    """Unconfirmed messages and the latest failures: a person decides whether to send again."""
    return (
        OutboxMessage.objects.filter(status__in=[S.UNCONFIRMED, S.FAILED])
        .only(
            "pk",
            "mobile",
            "key",
            "status",
            "attempts",
            "created_at",
            "last_error",
            "error_code",
            "reference",
        )
        .order_by("-created_at")[:LISTED]
    )
