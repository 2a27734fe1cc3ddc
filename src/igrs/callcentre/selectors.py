"""Reads for the agents' consoles and the supervisor: the live call and the caller's history,
what to read out on a verification call, and today's counts."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from igrs.core import clock
from igrs.core.roles import Role
from igrs.directory import selectors as directory
from igrs.directory.models import Officer
from igrs.grievances.models import Action, Complaint, Event

from .models import AuditCall, Call, Direction

LIVE_WINDOW = dt.timedelta(hours=2)
# After-call work: the caller's history stays on the console this long after the line drops,
# while the agent finishes filing or adds the note.
WRAP_UP = dt.timedelta(minutes=10)
VERDICTS = (Action.VERIFY_SATISFIED, Action.VERIFY_NOT_SATISFIED, Action.VERIFY_UNREACHABLE)


def current_call(agent_id: int) -> Call | None:
    """The agent's call now: the latest inbound one offered to them lately, kept for the
    wrap-up time after it ends if they answered it (one that rang out has no one to file for)."""
    now = clock.now()
    latest = (
        Call.objects.filter(
            agent_id=agent_id, offered_at__gte=now - LIVE_WINDOW, direction=Direction.INBOUND
        )
        .order_by("-offered_at")
        .first()
    )
    if latest is None or latest.ended_at is None:
        return latest
    wrapping_up = latest.answered_at is not None and latest.ended_at > now - WRAP_UP
    return latest if wrapping_up else None


def caller_of_own_call(agent_id: int, call_id: str) -> str | None:
    """The caller's mobile ("" for a number that is not a mobile) if the ACD offered this
    call to this agent — a complaint's call id must be one — else None. Planned afresh each
    time, never prepared: a plan cached while the table was small (a new day's database,
    statistics not yet refreshed) scanned it whole on every registration: in the day's bench
    the database's CPU per request more than doubled."""
    return (
        Call.objects.filter(call_id=call_id, agent_id=agent_id)
        .values_list("mobile", flat=True)
        .first()
    )


@dataclass
class HistoryRow:
    complaint: Complaint
    officers: tuple[Officer, ...]


def caller_history(mobile: str, limit: int = 20) -> list[HistoryRow]:
    """A caller's complaints, newest first, each with the officers holding it today."""
    if not mobile:
        return []
    today = clock.local_date(clock.now())
    complaints = (
        Complaint.objects.filter(mobile=mobile)
        .select_related("category", "current_post__unit")
        .order_by("-created_at")[:limit]
    )
    return [
        HistoryRow(c, directory.holders_of(c.current_post_id, today) if c.current_post_id else ())
        for c in complaints
    ]


# How long a due verification call is past its time: the supervisor's age bands, each from
# its lower bound (inclusive) to its upper one.
OVERDUE_BANDS = (
    (gettext_lazy("Under 1 hour"), dt.timedelta(0), dt.timedelta(hours=1)),
    (gettext_lazy("1–24 hours"), dt.timedelta(hours=1), dt.timedelta(days=1)),
    (gettext_lazy("1–3 days"), dt.timedelta(days=1), dt.timedelta(days=3)),
    (gettext_lazy("Over 3 days"), dt.timedelta(days=3), None),
)


@dataclass
class Band:
    label: str | Promise  # translated when rendered
    count: int


@dataclass
class Backlog:
    waiting: int
    due_now: int
    oldest_due: dt.datetime | None
    overdue: list[Band]


def verification_backlog() -> Backlog:
    """The queue's size and age in one aggregate over its partial index (verify_after IS NOT
    NULL), the due calls banded by how long they are past due."""
    now = clock.now()
    due = Q(verify_after__lte=now)
    bands = {
        f"band{i}": Count("id", filter=_past_due(now, since, until))
        for i, (_label, since, until) in enumerate(OVERDUE_BANDS)
    }
    totals = Complaint.objects.filter(verify_after__isnull=False).aggregate(
        waiting=Count("id"),
        due_now=Count("id", filter=due),
        oldest_due=Min("verify_after", filter=due),
        **bands,
    )
    return Backlog(
        totals["waiting"],
        totals["due_now"],
        totals["oldest_due"],
        [
            Band(label, totals[f"band{i}"])
            for i, (label, _since, _until) in enumerate(OVERDUE_BANDS)
        ],
    )


def _past_due(now: dt.datetime, since: dt.timedelta, until: dt.timedelta | None) -> Q:
    late = Q(verify_after__lte=now - since)
    return late & Q(verify_after__gt=now - until) if until else late


def held_audit(supervisor_id: int) -> AuditCall | None:
    return (
        AuditCall.objects.filter(
            claimed_by_id=supervisor_id, claimed_until__gt=clock.now(), done_at__isnull=True
        )
        .select_related("complaint__category", "complaint__place")
        .first()
    )


def open_audits() -> int:
    return AuditCall.objects.filter(done_at__isnull=True).count()


@dataclass
class Hour:
    hour: int
    calls: int
    registered: int


@dataclass
class AgentDay:
    username: str
    answered: int = 0
    registered: int = 0
    verified: int = 0
    other: int = 0


@dataclass
class Today:
    now: dt.datetime
    start: dt.datetime
    hours: list[Hour]
    backlog: Backlog
    outcomes_by_category: list[Mapping[str, Any]]
    per_agent: list[AgentDay]
    audits_open: int


def today_counts() -> Today:
    """Live counts for the supervisor, for the day so far (IST). Every query reads an index on
    time (events, calls) or the verification queue's partial index: none scans the table."""
    now = clock.now()
    start = clock.local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    events = Event.objects.filter(at__gte=start, at__lte=now)
    # Inbound only: the dialer's outbound calls are not load offered to the helpline.
    calls = _by_hour(
        Call.objects.filter(
            offered_at__gte=start, offered_at__lte=now, direction=Direction.INBOUND
        ),
        "offered_at",
    )
    registered = _by_hour(events.filter(action=Action.REGISTER, role=Role.AGENT), "at")
    outcomes: list[Mapping[str, Any]] = list(
        events.filter(action__in=VERDICTS)
        .values("complaint__category__name_hi", "complaint__category__name_en")
        .annotate(
            satisfied=Count("id", filter=Q(action=Action.VERIFY_SATISFIED)),
            not_satisfied=Count("id", filter=Q(action=Action.VERIFY_NOT_SATISFIED)),
            unreachable=Count("id", filter=Q(action=Action.VERIFY_UNREACHABLE)),
        )
        .order_by("complaint__category__name_en")
    )
    return Today(
        now=now,
        start=start,
        hours=[Hour(hour, calls.get(hour, 0), registered.get(hour, 0)) for hour in range(24)],
        backlog=verification_backlog(),
        outcomes_by_category=outcomes,
        per_agent=_per_agent(events, start, now),
        audits_open=open_audits(),
    )


def _by_hour(queryset: QuerySet, field: str) -> dict[int, int]:
    """Counts by hour of the day in IST."""
    hour = ExtractHour(field, tzinfo=timezone.get_default_timezone())
    return dict(
        queryset.annotate(hour=hour).values("hour").annotate(n=Count("id")).values_list("hour", "n")
    )


def _per_agent(events: QuerySet[Event], start: dt.datetime, now: dt.datetime) -> list[AgentDay]:
    """One row per agent who did anything today: calls answered (the ACD's records) and steps
    on complaints (the timeline)."""
    rows: dict[str, AgentDay] = {}
    steps = (
        events.filter(actor_user__isnull=False, role=Role.AGENT)
        .values_list("actor_user__username")
        .annotate(
            registered=Count("id", filter=Q(action=Action.REGISTER)),
            verified=Count("id", filter=Q(action__in=VERDICTS)),
            other=Count("id", filter=~Q(action__in=[Action.REGISTER, *VERDICTS])),
        )
    )
    for username, registered, verified, other in steps:
        rows[username] = AgentDay(username, registered=registered, verified=verified, other=other)
    # A call is answered within the live window of being offered, so a range on offered_at
    # (the call_by_time index) bounds the read; answered_at then picks today's.
    answered = (
        Call.objects.filter(
            offered_at__gte=start - LIVE_WINDOW,
            offered_at__lte=now,
            answered_at__gte=start,
            answered_at__lte=now,
            agent__isnull=False,
        )
        .values_list("agent__username")
        .annotate(n=Count("id"))
    )
    for username, n in answered:
        rows.setdefault(username, AgentDay(username)).answered = n
    return sorted(rows.values(), key=lambda row: row.username)
