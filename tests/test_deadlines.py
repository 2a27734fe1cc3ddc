"""Time limits: per source, category and level; calendar or working days; holidays."""

import datetime as dt

from django.utils import timezone

from igrs.directory.models import Category, Counting, Holiday, TimeLimit
from igrs.grievances import deadlines

from .conftest import new_complaint

NO_HOLIDAYS: frozenset[dt.date] = frozenset()
MONDAY = dt.date(2026, 11, 30)


def test_calendar_days_count_every_day():
    assert deadlines.due_date(MONDAY, 7, Counting.CALENDAR, NO_HOLIDAYS) == dt.date(2026, 12, 7)


def test_working_days_skip_sundays_and_holidays():
    holiday = frozenset({dt.date(2026, 12, 2)})
    # Tue 1, (Wed 2 holiday), Thu 3, Fri 4, Sat 5, (Sun 6), Mon 7 → five working days.
    assert deadlines.due_date(MONDAY, 5, Counting.WORKING, holiday) == dt.date(2026, 12, 7)


def test_a_due_date_on_a_closed_day_moves_to_the_next_working_day():
    holidays = frozenset({dt.date(2026, 12, 7)})
    # 6 calendar days from Monday is Sunday 6 Dec; Monday 7 is a holiday → Tuesday 8.
    assert deadlines.due_date(MONDAY, 6, Counting.CALENDAR, holidays) == dt.date(2026, 12, 8)


def test_due_at_is_the_end_of_the_last_day_in_india(db):
    start = timezone.make_aware(dt.datetime(2026, 11, 30, 10, 0))
    due = timezone.localtime(deadlines.due_at(start, "helpline", _category("REV-LAND"), 1))
    assert (due.date(), due.hour, due.minute) == (dt.date(2026, 12, 7), 23, 59)


def test_the_most_specific_time_limit_wins(db):
    category = _category("REV-LAND")
    start = timezone.make_aware(dt.datetime(2026, 11, 30, 10, 0))
    assert timezone.localtime(
        deadlines.due_at(start, "tehsil_diwas", category, 1)
    ).date() == dt.date(2026, 12, 5)  # 5 days for samadhan diwas
    TimeLimit.objects.create(source="", category_id=category, level=1, days=3)
    assert timezone.localtime(deadlines.due_at(start, "helpline", category, 1)).date() == dt.date(
        2026, 12, 3
    )
    TimeLimit.objects.create(
        source="helpline", category_id=category, level=1, days=2, counting=Counting.WORKING
    )
    assert timezone.localtime(deadlines.due_at(start, "helpline", category, 1)).date() == dt.date(
        2026, 12, 2
    )


def test_holidays_from_the_calendar_apply_to_registrations(agent):
    first = new_complaint(agent)
    last_day = timezone.localtime(first.due_at).date()
    Holiday.objects.create(date=last_day, name_en="Local holiday", name_hi="स्थानीय अवकाश")
    second = new_complaint(agent, mobile="9811111111")
    assert timezone.localtime(second.due_at).date() > last_day


def test_overdue_days():
    due = timezone.make_aware(dt.datetime(2026, 12, 7, 23, 59, 59))
    assert deadlines.overdue_days(due, due - dt.timedelta(hours=1)) == 0
    assert deadlines.overdue_days(due, due + dt.timedelta(days=3)) == 3
    assert deadlines.overdue_days(None, due) == 0


def _category(code: str) -> int:
    return Category.objects.get(code=code).pk
