"""Reads of the IVR: what may be spoken about a complaint to this caller, the hand-over the
agent's console shows for a call, and today's counts for the supervisor."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg, Count, Q
from django.utils import translation

from igrs.core import clock
from igrs.core.errors import InvalidReference, NotFound
from igrs.core.roles import Role
from igrs.grievances import reference, selectors
from igrs.grievances.actors import Actor
from igrs.grievances.models import DESK_STATUSES, Complaint, Status

from .models import Handover, IvrCall, Outcome


class Step:
    """What option 2 does for a complaint in its present status (as on the portal)."""

    NOT_SATISFIED = "not_satisfied"  # the action taken is awaiting the complainant's verdict
    REOPEN = "reopen"  # closed: not satisfied re-opens it one level up
    REMIND = "remind"  # with an officer: a reminder (अनुस्मारक)


STEP_FOR_STATUS: dict[str, str] = {
    Status.AWAITING_VERIFICATION: Step.NOT_SATISFIED,
    Status.CLOSED: Step.REOPEN,
    Status.ASSIGNED: Step.REMIND,
    Status.CLOSURE_PROPOSED: Step.REMIND,
}


@dataclass(frozen=True)
class Stage:
    """All a caller who is not the complainant hears: the number and its stage."""

    reference: str
    status: str
    status_label: str


@dataclass(frozen=True)
class Details(Stage):
    """The complainant's answer: who holds it, since when, the due date, where it is stuck,
    what was done; and what option 2 would do."""

    version: int
    post: str
    officers: tuple[str, ...]
    since: dt.date
    due: dt.date | None
    overdue_days: int
    closed_on: dt.date | None
    closure: str
    action_on: dt.date | None
    action_text: str
    step: str | None


def spoken_status(ref: str, mobile: str, language: str) -> Stage | None:
    """The complaint with this reference as this caller may hear it: the details for the
    complainant's own mobile, only the stage for any other number, None when no complaint has
    the number."""
    with translation.override(language):
        try:
            view = selectors.get_complaint(ref, Actor(Role.CITIZEN, mobile=mobile or "-"))
        except (NotFound, InvalidReference):
            return _stage_only(ref)
        return _details(view, language)


def _stage_only(ref: str) -> Stage | None:
    """A read of the status column alone: no name, text or officer can leak from it."""
    digits = reference.normalise(ref)
    if not reference.is_valid(digits):
        return None
    status = Complaint.objects.filter(reference=digits).values_list("status", flat=True).first()
    return Stage(digits, status, str(Status(status).label)) if status else None


def _details(view: selectors.ComplaintView, language: str) -> Details:
    complaint = view.complaint
    report = selectors.last_action_taken(view)
    post = complaint.current_post
    with_desk = complaint.status in DESK_STATUSES
    return Details(
        reference=complaint.reference,
        status=complaint.status,
        status_label=str(complaint.get_status_display()),
        version=complaint.version,
        post="" if post is None or with_desk else post.title_in(language),
        officers=tuple(_name(o, language) for o in view.holder.officers) if not with_desk else (),
        since=clock.local_date(complaint.assigned_at or complaint.created_at),
        due=clock.local_date(complaint.due_at) if complaint.due_at else None,
        overdue_days=view.overdue_days,
        closed_on=clock.local_date(complaint.closed_at) if complaint.closed_at else None,
        closure=str(complaint.get_closure_kind_display()) if complaint.closure_kind else "",
        action_on=clock.local_date(report.event.at) if report else None,
        action_text=report.event.note if report else "",
        step=STEP_FOR_STATUS.get(complaint.status),
    )


def _name(officer, language: str) -> str:
    return (officer.name_hi if language == "hi" else officer.name_en) or officer.name_en


def next_reminder_at(ref: str) -> dt.datetime | None:
    """When the complainant may send the next reminder (after a refused one)."""
    last = (
        Complaint.objects.filter(reference=reference.normalise(ref))
        .values_list("citizen_reminded_at", flat=True)
        .first()
    )
    period = dt.timedelta(hours=settings.IGRS_CITIZEN_REMINDER_EVERY_HOURS)
    return last + period if last else None


# ---------------------------------------------------------------- the agent's console

# A caller the IVR transferred lands with an agent within minutes, or not at all.
HANDOVER_WINDOW = dt.timedelta(minutes=15)


def handover_for(call) -> Handover | None:
    """The IVR's hand-over for a call the ACD offered to an agent: the same call id when the
    telephony passed it on, else the latest one for the caller's number shortly before."""
    if call is None:
        return None
    by_id = Handover.objects.filter(call__call_id=call.call_id).order_by("-created_at").first()
    if by_id is not None:
        return by_id
    since = call.offered_at - HANDOVER_WINDOW
    number = Q(mobile=call.mobile) if call.mobile else Q(caller=call.ani)
    return (
        Handover.objects.filter(
            number, created_at__gte=since, created_at__lte=call.offered_at + dt.timedelta(minutes=1)
        )
        .order_by("-created_at")
        .first()
    )


# ---------------------------------------------------------------- the supervisor's counts


@dataclass(frozen=True)
class IvrDay:
    calls: int
    by_outcome: dict[str, int]
    average_seconds: float | None


def today() -> IvrDay:
    """Today's IVR calls (IST, since midnight) by how far they got, through the time index."""
    now = clock.now()
    start = clock.local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    calls = IvrCall.objects.filter(started_at__gte=start, started_at__lte=now)
    counts = calls.aggregate(
        calls=Count("id"),
        average=Avg("duration_ms"),
        **{
            outcome: Count("id", filter=Q(outcome=outcome, ended_at__isnull=False))
            for outcome in Outcome.values
        },
    )
    average = counts.pop("average")
    total = counts.pop("calls")
    return IvrDay(total, counts, round(average / 1000, 1) if average is not None else None)
