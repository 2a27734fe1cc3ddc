"""Due dates. A time limit is a number of days for a (source, category, level); see
directory.models.TimeLimit. The complaint is due at the end of the last day (23:59:59 IST).

Counting: working days skip Sundays and gazetted holidays; calendar days count every day.
Either way a due date that falls on a Sunday or holiday moves to the next working day, so an
officer never defaults on a day the office is shut.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from igrs.core import clock
from igrs.directory import selectors as directory
from igrs.directory.models import Counting

DEFAULT_DAYS = 7
SUNDAY = 6


def _is_working_day(day: dt.date, holidays: frozenset[dt.date]) -> bool:
    return day.weekday() != SUNDAY and day not in holidays


def due_date(start: dt.date, days: int, counting: str, holidays: frozenset[dt.date]) -> dt.date:
    day = start
    if counting == Counting.CALENDAR:
        day += dt.timedelta(days=days)
    else:
        remaining = days
        while remaining:
            day += dt.timedelta(days=1)
            remaining -= _is_working_day(day, holidays)
    while not _is_working_day(day, holidays):
        day += dt.timedelta(days=1)
    return day


def due_at(
    start: dt.datetime, source: str, category_id: int, level: int, department_id: int | None = None
) -> dt.datetime:
    """When a post of `level` (of `department_id`, which may have its own limits, as the
    monitoring desk does) must have acted on a complaint it receives at `start`."""
    limit = directory.time_limit(source, category_id, level, department_id)
    days, counting = (limit.days, limit.counting) if limit else (DEFAULT_DAYS, Counting.CALENDAR)
    local_start = clock.local(start)
    last_day = due_date(local_start.date(), days, counting, directory.holidays())
    end_of_day = dt.datetime.combine(last_day, dt.time(23, 59, 59))
    return timezone.make_aware(end_of_day, local_start.tzinfo)


def remind_at(start: dt.datetime, due: dt.datetime) -> dt.datetime | None:
    """When to remind the holding officer; None when the deadline is too close for it."""
    at = due - dt.timedelta(hours=settings.IGRS_REMINDER_HOURS_BEFORE_DUE)
    return at if at > start else None


def overdue_days(due: dt.datetime | None, now: dt.datetime) -> int:
    if due is None or now <= due:
        return 0
    return (clock.local(now).date() - clock.local(due).date()).days
