"""Reads for the agents' consoles and the supervisor: the live call and the caller's history,
what to read out on a verification call, and today's counts."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.db.models.functions import ExtractHour
from django.utils import timezone

from igrs.core import clock
from igrs.directory import selectors as directory
from igrs.directory.models import Officer
from igrs.grievances.models import Action, Complaint, Event
from igrs.grievances.selectors import ActionTaken

from .models import AuditCall, Call, Direction

LIVE_WINDOW = dt.timedelta(hours=2)
# After-call work: the caller's history stays on the console this long after the line drops,
# while the agent finishes filing or adds the note.
WRAP_UP = dt.timedelta(minutes=10)
VERDICTS = (Action.VERIFY_SATISFIED, Action.VERIFY_NOT_SATISFIED, Action.VERIFY_UNREACHABLE)


def current_call(agent_id: int) -> Call | None:
    """The agent's call now: the latest inbound one offered to them lately, kept for the
    wrap-up time after it ends."""
    now = clock.now()
    latest = (Call.objects.filter(agent_id=agent_id, offered_at__gte=now - LIVE_WINDOW,
                                  direction=Direction.INBOUND)
              .order_by("-offered_at").first())
    if latest is None or (latest.ended_at is not None and latest.ended_at <= now - WRAP_UP):
        return None
    return latest


def is_own_call(agent_id: int, call_id: str) -> bool:
    """Whether the ACD offered this call to this agent: a complaint's call id must be one."""
    return Call.objects.filter(call_id=call_id, agent_id=agent_id).exists()


@dataclass
class HistoryRow:
    complaint: Complaint
    officers: tuple[Officer, ...]


def caller_history(mobile: str, limit: int = 20) -> list[HistoryRow]:
    """A caller's complaints, newest first, each with the officers holding it today."""
    if not mobile:
        return []
    today = clock.local_date(clock.now())
    complaints = (Complaint.objects.filter(mobile=mobile)
                  .select_related("category", "current_post__unit").order_by("-created_at")[:limit])
    return [HistoryRow(c, directory.holders_of(c.current_post_id, today)
                       if c.current_post_id else ()) for c in complaints]


@dataclass
class Backlog:
    waiting: int
    due_now: int
    oldest_due: dt.datetime | None


def verification_backlog() -> Backlog:
    queue = Complaint.objects.filter(verify_after__isnull=False)
    totals = queue.aggregate(n=Count("id"), oldest=Min("verify_after"))
    return Backlog(totals["n"], queue.filter(verify_after__lte=clock.now()).count(),
                   totals["oldest"])


def held_audit(supervisor_id: int) -> AuditCall | None:
    return (AuditCall.objects.filter(claimed_by_id=supervisor_id, claimed_until__gt=clock.now(),
                                     done_at__isnull=True)
            .select_related("complaint__category", "complaint__place").first())


def open_audits() -> int:
    return AuditCall.objects.filter(done_at__isnull=True).count()


def action_taken_report(complaint: Complaint) -> ActionTaken | None:
    """The report to read out on a verification or audit call: text, structured parts, files."""
    event = (complaint.events.filter(action__in=[Action.SUBMIT_ATR, Action.PROPOSE_CLOSURE])
             .select_related("actor_officer", "actor_post__unit").order_by("-at", "-pk").first())
    return ActionTaken(event, list(event.attachments.all())) if event else None


@dataclass
class Today:
    start: dt.datetime
    registrations_by_hour: list[tuple[int, int]]
    calls_by_hour: list[tuple[int, int]]
    backlog: "Backlog"
    outcomes_by_category: list[dict]
    per_agent: list[dict]
    audits_open: int


def today_counts() -> Today:
    """Live counts for the supervisor, for the day so far (IST). Every query reads an index on
    time (events, calls) or the verification queue's partial index: none scans the table."""
    now = clock.now()
    start = clock.local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    tz = timezone.get_current_timezone()
    events = Event.objects.filter(at__gte=start, at__lte=now)
    registrations = _by_hour(events.filter(action=Action.REGISTER, role="agent"), "at", tz)
    calls = _by_hour(Call.objects.filter(offered_at__gte=start, offered_at__lte=now),
                     "offered_at", tz)
    backlog = verification_backlog()
    outcomes = list(
        events.filter(action__in=VERDICTS)
        .values("complaint__category__name_hi", "complaint__category__name_en")
        .annotate(satisfied=Count("id", filter=Q(action=Action.VERIFY_SATISFIED)),
                  not_satisfied=Count("id", filter=Q(action=Action.VERIFY_NOT_SATISFIED)),
                  unreachable=Count("id", filter=Q(action=Action.VERIFY_UNREACHABLE)))
        .order_by("complaint__category__name_en")
    )
    per_agent = list(
        events.filter(actor_user__isnull=False, role="agent")
        .values("actor_user__username")
        .annotate(registered=Count("id", filter=Q(action=Action.REGISTER)),
                  verified=Count("id", filter=Q(action__in=VERDICTS)),
                  other=Count("id", filter=~Q(action__in=[Action.REGISTER, *VERDICTS])))
        .order_by("actor_user__username")
    )
    return Today(
        start=start, registrations_by_hour=registrations, calls_by_hour=calls,
        backlog=backlog, outcomes_by_category=outcomes, per_agent=per_agent,
        audits_open=open_audits(),
    )


def _by_hour(queryset, field: str, tz) -> list[tuple[int, int]]:
    counts = dict(queryset.annotate(hour=ExtractHour(field, tzinfo=tz)).values("hour")
                  .annotate(n=Count("id")).values_list("hour", "n"))
    return [(hour, counts.get(hour, 0)) for hour in range(24)]
