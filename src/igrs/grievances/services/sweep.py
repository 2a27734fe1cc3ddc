"""Time limits: the sweep escalates overdue complaints and sends due reminders."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError
from django.db.models import Q

from igrs.core import clock
from igrs.core.errors import Conflict

from .. import routing
from ..actors import SYSTEM
from ..models import (
    TIMED_STATUSES,
    Action,
    Complaint,
)
from .checks import _accountable, _conflicted, _defaulting_posts
from .sms import _post_sms, _reminded_post
from .transitions import _defaulter_marker, _move_up, _transition


def escalate_overdue(complaint_id: int, now: dt.datetime) -> str | None:
    """Escalate one overdue complaint above the accountable post, marking it (and the holder it
    was forwarded down to, if another) defaulter. Returns what was done, or None when there
    was nothing to do (another sweep got there first)."""
    complaint = Complaint.objects.get(pk=complaint_id)
    if (
        complaint.status not in TIMED_STATUSES
        or complaint.defaulted
        or complaint.due_at is None
        or complaint.due_at > now
    ):
        return None
    accountable = _accountable(complaint)
    defaulters = _defaulting_posts(complaint)
    superior = routing.superior_for(accountable.pk, _conflicted(complaint, now))
    missed_due = complaint.due_at
    mark_defaulters = _defaulter_marker(complaint, defaulters, now)

    key = "defaulter_officer" if superior else "defaulter_top_officer"
    defaulter_sms = [
        m for post in defaulters for m in _post_sms(post, complaint, key, now, about=post)
    ]
    data = {"defaulter_posts": [p.pk for p in defaulters], "due_at": missed_due.isoformat()}
    try:
        if superior is None:
            _transition(
                complaint,
                SYSTEM,
                Action.MARK_DEFAULTER,
                complaint.status,
                now,
                changes={"defaulted": True, "remind_at": None},
                data=data,
                also=mark_defaulters,
                messages=lambda c: defaulter_sms,
            )
            return "defaulted"
        _move_up(
            complaint,
            SYSTEM,
            Action.ESCALATE,
            superior,
            now,
            "",
            data=data,
            also=mark_defaulters,
            extra_messages=defaulter_sms,
        )
        return "escalated"
    except (Conflict, IntegrityError):
        return None


def send_reminder(complaint_id: int, now: dt.datetime) -> bool:
    complaint = Complaint.objects.get(pk=complaint_id)
    if (
        complaint.status not in TIMED_STATUSES
        or complaint.remind_at is None
        or complaint.remind_at > now
    ):
        return False
    try:
        _transition(
            complaint,
            SYSTEM,
            Action.REMIND,
            complaint.status,
            now,
            changes={"remind_at": None},
            messages=lambda c: _post_sms(_reminded_post(c), c, "reminder_officer", now),
        )
    except Conflict:
        return False
    return True


@dataclass
class SweepReport:
    escalated: int = 0
    defaulted: int = 0
    reminded: int = 0
    more: bool = False  # stopped at the limit with work left


def sweep(
    now: dt.datetime | None = None, limit: int | None = None, batch: int = 500
) -> SweepReport:
    """Escalate complaints past their deadline and send due reminders, at most `limit` of each
    (so a worker can send SMS between rounds). Idempotent: running it twice, or in two
    processes at once, acts on each complaint once (version-checked updates)."""
    now = now or clock.now()
    report = SweepReport()
    for pk in _due_ids("escalate_at", now, limit, batch, report):
        done = escalate_overdue(pk, now)
        report.escalated += done == "escalated"
        report.defaulted += done == "defaulted"
    for pk in _due_ids("remind_at", now, limit, batch, report):
        report.reminded += send_reminder(pk, now)
    return report


def _due_ids(field: str, now: dt.datetime, limit: int | None, batch: int, report: SweepReport):
    """Ids with `field` <= now in (field, id) order, paged by keyset so that rows another
    sweep already took, or that cannot move, never hide the ones behind them."""
    after: tuple[dt.datetime, int] | None = None
    taken = 0
    while True:
        rows = Complaint.objects.filter(**{f"{field}__lte": now})
        if after is not None:
            rows = rows.filter(
                Q(**{f"{field}__gt": after[0]}) | Q(**{field: after[0], "pk__gt": after[1]})
            )
        page = list(rows.order_by(field, "pk").values_list(field, "pk")[:batch])
        for _due, pk in page:
            if limit is not None and taken >= limit:
                report.more = True
                return
            taken += 1
            yield pk
        if len(page) < batch:
            return
        after = page[-1]
