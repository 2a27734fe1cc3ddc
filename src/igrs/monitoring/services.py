"""The worker's roll-up: each new timeline step, once, into the summaries the dashboard reads."""

from collections import Counter

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from igrs.directory import selectors as directory
from igrs.grievances.models import Action, Complaint, Status
from igrs.grievances.selectors import events_after

from .models import STAY_BUCKETS, DailyTally, Metric, Pendency, RollupCursor, Stay

METRIC_FOR = {
    Action.REGISTER: Metric.RECEIVED, Action.SUBMIT_ATR: Metric.DISPOSED,
    Action.ESCALATE: Metric.ESCALATED, Action.VERIFY_SATISFIED: Metric.SATISFIED,
    Action.VERIFY_NOT_SATISFIED: Metric.NOT_SATISFIED, Action.REOPEN: Metric.REOPENED,
    Action.APPROVE_CLOSURE: Metric.SPECIAL_CLOSURE,
}
EVENT_FIELDS = ("pk", "at", "action", "from_status", "to_status", "from_post_id",
                "to_post_id", "complaint_id", "data")


def roll_up(batch: int = 5000) -> int:
    """Count the timeline steps after the cursor into pendency and daily tallies, in one
    transaction with the cursor's advance: each step is counted exactly once, whichever
    worker runs this and however often."""
    with transaction.atomic():
        cursor, _created = RollupCursor.objects.select_for_update().get_or_create(pk=1)
        events, last_id, gaps = events_after(cursor.last_event_id, cursor.gaps, EVENT_FIELDS,
                                             batch)
        if not events and gaps == cursor.gaps:
            return 0
        where = {pk: (place, category) for pk, place, category in Complaint.objects.filter(
            pk__in={e["complaint_id"] for e in events}).values_list("pk", "place_id",
                                                                    "category_id")}
        pending, tallies, stays = Counter(), Counter(), Counter()
        for event in events:
            place, category = where[event["complaint_id"]]
            district = directory.district_of(place)
            _count_pendency(pending, event)
            hours = (event["data"] or {}).get("stay_hours")
            if hours is not None and event["from_post_id"]:
                stays[(event["from_post_id"], _bucket(hours / 24))] += 1
            for metric in _metrics(event):
                day = timezone.localdate(event["at"])
                department = directory.get_category(category).department_id
                tallies[(day, district, department, metric)] += 1
        _apply(Pendency, pending, ("post_id", "district_id"))
        _apply(DailyTally, tallies, ("day", "district_id", "department_id", "metric"))
        _apply(Stay, stays, ("post_id", "days"))
        cursor.last_event_id, cursor.gaps = last_id, gaps
        cursor.save(update_fields=["last_event_id", "gaps"])
    return len(events)


def _count_pendency(pending: Counter, event: dict) -> None:
    """A step moves an open complaint from one post to another; steps that change neither add
    and take away the same one. (What waits with the desk is counted live: its queue is
    small, and the desk may correct a complaint's place, which would move it between
    districts after the fact.)"""
    if event["from_status"] and event["from_status"] != Status.CLOSED and event["from_post_id"]:
        pending[(event["from_post_id"], 0)] -= 1
    if event["to_status"] != Status.CLOSED and event["to_post_id"]:
        pending[(event["to_post_id"], 0)] += 1


def _metrics(event: dict) -> list[str]:
    found = [METRIC_FOR[event["action"]]] if event["action"] in METRIC_FOR else []
    if event["to_status"] == Status.CLOSED and event["from_status"] != Status.CLOSED:
        found.append(Metric.CLOSED)
    data = event["data"] or {}
    if event["action"] == Action.GRADE and data.get("grade") == "C":
        found.append(Metric.GRADED_C)
    if event["action"] == Action.SUBMIT_ATR and data.get("photos"):
        found.append(Metric.WITH_PHOTO)
    if event["action"] == Action.SUBMIT_ATR and data.get("late"):
        found.append(Metric.LATE)
    return found


def _bucket(days: float) -> int:
    return next(bound for bound in STAY_BUCKETS if days <= bound)


def _apply(model, deltas: Counter, fields: tuple[str, ...]) -> None:
    for key, delta in deltas.items():
        if not delta:
            continue
        where = dict(zip(fields, key, strict=True))
        if not model.objects.filter(**where).update(count=F("count") + delta):
            model.objects.create(**where, count=delta)
