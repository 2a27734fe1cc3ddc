"""Local times are IST whatever the server's zone, exactly as Django's localtime gives them."""

import datetime as dt

import pytest
from django.utils import timezone

from igrs.core import clock


@pytest.mark.parametrize(
    ("utc_hour", "day_in_india"),
    [
        (0, dt.date(2026, 3, 31)),
        (18, dt.date(2026, 4, 1)),  # 18:45 UTC is 00:15 the next day in India
        (23, dt.date(2026, 4, 1)),
    ],
)
def test_local_time_and_day_are_django_s_in_ist(utc_hour, day_in_india):
    moment = dt.datetime(2026, 3, 31, utc_hour, 45, tzinfo=dt.UTC)
    assert clock.local(moment) == timezone.localtime(moment)
    assert clock.local(moment).utcoffset() == dt.timedelta(hours=5, minutes=30)
    assert clock.local_date(moment) == timezone.localdate(moment) == day_in_india


def test_a_naive_time_is_refused_not_guessed():
    with pytest.raises(ValueError):
        clock.local(dt.datetime(2026, 3, 31, 12, 0))
