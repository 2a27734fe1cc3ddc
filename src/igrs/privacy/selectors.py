"""Everything IGRS holds about one mobile number, for the citizen's own download: their
complaints with what they wrote and the public steps of each, the SMS sent to them, and the
records of their calls. And, for supervisors, the log of who of the staff looked at whose
personal data."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from igrs.callcentre.models import Call
from igrs.core import clock
from igrs.grievances import reference
from igrs.grievances.models import Complaint, Event
from igrs.grievances.selectors import INTERNAL_STEPS
from igrs.ivr.models import IvrCall
from igrs.notifications.models import OutboxMessage

from .models import PersonalDataView


def everything_about(mobile: str) -> dict:
    """A JSON-ready record of what is held about the mobile (an OTP-verified one)."""
    return {
        "mobile": mobile,
        "made_at": _when(clock.now()),
        "complaints": [_complaint(c) for c in _complaints(mobile)],
        "sms": [
            {"sent_at": _when(m.sent_at or m.created_at), "text": m.body, "status": m.status}
            for m in OutboxMessage.objects.filter(mobile=mobile).order_by("created_at", "pk")
        ],
        "calls": [
            {"at": _when(c.offered_at), "number": c.ani, "direction": c.direction}
            for c in Call.objects.filter(mobile=mobile).order_by("offered_at", "pk")
        ]
        + [
            {"at": _when(c.started_at), "number": c.caller, "direction": "ivr"}
            for c in IvrCall.objects.filter(mobile=mobile).order_by("started_at", "pk")
        ],
    }


def _complaints(mobile: str):
    public_steps = Event.objects.exclude(action__in=INTERNAL_STEPS).order_by("at", "pk")
    return (
        Complaint.objects.filter(mobile=mobile)
        .select_related("category", "place")
        .prefetch_related(Prefetch("events", queryset=public_steps))
        .order_by("created_at", "pk")
    )


def _complaint(c: Complaint) -> dict:
    return {
        "reference": c.reference,
        "registered_at": _when(c.created_at),
        "source": c.get_source_display(),
        "name": c.complainant_name,
        "mobile": c.mobile,
        "address": c.address,
        "email": c.email,
        "category": c.category.name,
        "place": c.place.name,
        "village_or_ward": c.place_detail,
        "description": c.description,
        "status": c.get_status_display(),
        "closed_at": _when(c.closed_at),
        "timeline": [
            {"at": _when(e.at), "step": e.get_action_display(), "note": e.note}
            for e in c.events.all()
        ],
    }


def _when(at) -> str | None:
    return clock.local(at).isoformat(timespec="minutes") if at else None


@dataclass(frozen=True)
class ViewSearch:
    reference: str = ""
    username: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    face: str = ""
    revealed_only: bool = False


def views_of_personal_data(search: ViewSearch, limit: int = 200) -> list[PersonalDataView]:
    """Who looked at complainants' personal data, newest first, narrowed by the search (a
    reference, or its last digits; a staff login; a day range in IST; a face; reveals)."""
    rows = PersonalDataView.objects.all()
    digits = reference.normalise(search.reference)
    if digits:
        rows = rows.filter(complaint__reference__endswith=digits)
    if search.username:
        rows = rows.filter(user__username=search.username)
    if search.since:
        rows = rows.filter(at__gte=_start_of(search.since))
    if search.until:
        rows = rows.filter(at__lt=_start_of(search.until + dt.timedelta(days=1)))
    if search.face:
        rows = rows.filter(face=search.face)
    if search.revealed_only:
        rows = rows.filter(revealed=True)
    return list(rows.select_related("user", "officer", "complaint").order_by("-at", "-pk")[:limit])


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight beginning the day, in the deployment's time zone (IST)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
