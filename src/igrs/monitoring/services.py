"""The worker's roll-up: each new timeline step, once, into the summaries the dashboard reads."""

import datetime as dt
from collections import Counter

from django.db import connection, transaction

from igrs.core import clock
from igrs.core.cache import memoize
from igrs.directory import selectors as directory
from igrs.directory.models import UnitKind
from igrs.grievances.models import DESK_STATUSES, Action, Complaint, Event, Status
from igrs.grievances.selectors import events_after

from .models import (
    STAY_BUCKETS,
    DailyTally,
    LostMark,
    Metric,
    Pendency,
    PlaceTally,
    RollupCursor,
    Stay,
    marks_lost,
)

METRIC_FOR = {
    Action.REGISTER: Metric.RECEIVED,
    Action.SUBMIT_ATR: Metric.DISPOSED,
    Action.ESCALATE: Metric.ESCALATED,
    Action.VERIFY_SATISFIED: Metric.SATISFIED,
    Action.VERIFY_NOT_SATISFIED: Metric.NOT_SATISFIED,
    Action.REOPEN: Metric.REOPENED,
    Action.APPROVE_CLOSURE: Metric.SPECIAL_CLOSURE,
}
EVENT_FIELDS = (
    "pk",
    "at",
    "action",
    "from_status",
    "to_status",
    "from_post_id",
    "to_post_id",
    "complaint_id",
    "data",
)


def roll_up(batch: int = 5000) -> int:
    """Count the timeline steps after the cursor into pendency, daily tallies (by district
    and by tehsil or thana), stays and lost marks, in one transaction with the cursor's
    advance: each step is counted exactly once, whichever worker runs this and however
    often."""
    with transaction.atomic():
        cursor, _created = RollupCursor.objects.select_for_update().get_or_create(pk=1)
        events, last_id, gaps = events_after(cursor.last_event_id, cursor.gaps, EVENT_FIELDS, batch)
        if not events and gaps == cursor.gaps:
            return 0
        where = _where(events)
        pending: Counter[tuple[int, int]] = Counter()
        tallies: Counter[tuple[dt.date, int, int, str]] = Counter()
        places: Counter[tuple[dt.date, int, str]] = Counter()
        stays: Counter[tuple[int, int]] = Counter()
        lost: list[LostMark] = []
        for event in events:
            place, category = where[event["complaint_id"]]
            district = directory.district_of(place)
            _count_pendency(pending, event)
            hours = (event["data"] or {}).get("stay_hours")
            if hours is not None and event["from_post_id"]:
                stays[(event["from_post_id"], _bucket(hours / 24))] += 1
            metrics = _metrics(event)
            day = clock.local_date(event["at"])
            department = directory.get_category(category).department_id
            for metric in metrics:
                tallies[(day, district, department, metric)] += 1
            _count_place(places, event, metrics, place)
            lost += _lost_marks(event, metrics, place, category)
        _apply(Pendency, pending, ("post_id", "district_id"))
        _apply(DailyTally, tallies, ("day", "district_id", "department_id", "metric"))
        _apply(PlaceTally, places, ("day", "unit_id", "metric"))
        _apply(Stay, stays, ("post_id", "days"))
        LostMark.objects.bulk_create(lost)
        cursor.last_event_id, cursor.gaps = last_id, gaps
        cursor.save(update_fields=["last_event_id", "gaps"])
    return len(events)


def rebuild_place_tallies_and_lost_marks(batch: int = 5000) -> int:
    """The tehsil and thana tallies and the lost marks from scratch, for the steps the
    roll-up has counted (up to its cursor, less the ids it still awaits): once, after
    upgrading to a version that keeps them. The cursor is held meanwhile, so the roll-up
    waits and nothing is counted twice."""
    with transaction.atomic():
        cursor, _created = RollupCursor.objects.select_for_update().get_or_create(pk=1)
        PlaceTally.objects.all().delete()
        LostMark.objects.all().delete()
        awaited = {pk for pk, _seen in cursor.gaps}
        after, counted = 0, 0
        places: Counter[tuple[dt.date, int, str]] = Counter()
        while events := list(
            Event.objects.filter(pk__gt=after, pk__lte=cursor.last_event_id)
            .order_by("pk")
            .values(*EVENT_FIELDS)[:batch]
        ):
            after = events[-1]["pk"]
            events = [e for e in events if e["pk"] not in awaited]
            where, lost = _where(events), []
            for event in events:
                place, category = where[event["complaint_id"]]
                metrics = _metrics(event)
                _count_place(places, event, metrics, place)
                lost += _lost_marks(event, metrics, place, category)
            LostMark.objects.bulk_create(lost)
            counted += len(events)
            if len(places) >= PLACES_HELD:  # bounded memory; a day met again adds to its row
                _apply(PlaceTally, places, ("day", "unit_id", "metric"))
                places.clear()
        _apply(PlaceTally, places, ("day", "unit_id", "metric"))
    return counted


PLACES_HELD = 200_000  # tehsil and thana tallies the rebuild sums in memory before writing


def _where(events: list[dict]) -> dict[int, tuple[int, int]]:
    """Place and category of the steps' complaints."""
    return {
        pk: (place, category)
        for pk, place, category in Complaint.objects.filter(
            pk__in={e["complaint_id"] for e in events}
        ).values_list("pk", "place_id", "category_id")
    }


def _count_place(places: Counter, event: dict, metrics: list[Metric], place: int) -> None:
    """The step's metrics on its day, in the tehsil or thana of its complaint's place."""
    if local := local_area(place):
        day = clock.local_date(event["at"])
        for metric in metrics:
            places[(day, local, metric)] += 1


def _lost_marks(event: dict, metrics: list[Metric], place: int, category: int) -> list[LostMark]:
    """The step's lost marks, one per parameter, where the tallies count it."""
    return [
        LostMark(
            event_id=event["pk"],
            complaint_id=event["complaint_id"],
            at=event["at"],
            parameter=parameter,
            district_id=directory.district_of(place),
            department_id=directory.get_category(category).department_id,
            area_id=local_area(place),
        )
        for parameter in marks_lost(metrics)
    ]


@memoize
def local_area(unit_id: int) -> int:
    """The tehsil or thana a place lies in (0 for a district or above)."""
    return next(
        (
            u.pk
            for u in directory.unit_chain(unit_id)
            if u.kind in (UnitKind.TEHSIL, UnitKind.THANA)
        ),
        0,
    )


def _count_pendency(pending: Counter, event: dict) -> None:
    """A step moves an open complaint from one post to another; steps that change neither add
    and take away the same one. (What waits with the desk is counted live: its queue is
    small, and the desk may correct a complaint's place, which would move it between
    districts after the fact.)"""
    if event["from_status"] and event["from_status"] != Status.CLOSED and event["from_post_id"]:
        pending[(event["from_post_id"], 0)] -= 1
    if event["to_status"] != Status.CLOSED and event["to_post_id"]:
        pending[(event["to_post_id"], 0)] += 1


def _metrics(event: dict) -> list[Metric]:
    if event["action"] == Action.ESCALATE and event["from_status"] in DESK_STATUSES:
        return []  # the desk's own delay, not the department's
    found: list[Metric] = [METRIC_FOR[event["action"]]] if event["action"] in METRIC_FOR else []
    if event["to_status"] == Status.CLOSED and event["from_status"] != Status.CLOSED:
        found.append(Metric.CLOSED)
    data = event["data"] or {}
    if event["action"] == Action.GRADE and data.get("grade") == "C":
        found.append(Metric.GRADED_C)
    if event["action"] == Action.SUBMIT_ATR and data.get("photos"):
        found.append(Metric.WITH_PHOTO)
    if event["action"] == Action.SUBMIT_ATR and data.get("late"):
        found.append(Metric.LATE)
    if event["action"] == Action.SUBMIT_ATR and data.get("flags"):
        found.append(Metric.FLAGGED)  # signs of a fake disposal (grievances/flags.py)
    return found


def _bucket(days: float) -> int:
    return next(bound for bound in STAY_BUCKETS if days <= bound)


def _apply(model, deltas: Counter, fields: tuple[str, ...]) -> None:
    """Add the counts to the summary's rows, creating those not there yet: one upsert per
    row, sent as one batch (the fields are the summary's unique key)."""
    rows = [(*key, delta) for key, delta in deltas.items() if delta]
    if not rows:
        return
    table = model._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(fields)}, count) "
        f"VALUES ({', '.join(['%s'] * (len(fields) + 1))}) "
        f"ON CONFLICT ({', '.join(fields)}) DO UPDATE SET count = {table}.count + "
        f"EXCLUDED.count"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
