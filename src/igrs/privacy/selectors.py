"""Everything IGRS holds about one mobile number, for the citizen's own download: their
complaints with what they wrote and the public steps of each, the SMS sent to them, and the
records of their calls."""

from django.db.models import Prefetch

from igrs.callcentre.models import Call
from igrs.core import clock
from igrs.grievances.models import Complaint, Event
from igrs.grievances.selectors import INTERNAL_STEPS
from igrs.ivr.models import IvrCall
from igrs.notifications.models import OutboxMessage


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
