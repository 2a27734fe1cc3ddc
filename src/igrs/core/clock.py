"""The one clock services read. Tests and drills move it instead of sleeping.

IGRS keeps one time zone, settings.TIME_ZONE (IST): days, deadlines and SMS dates are that
zone's. Django's per-request "current time zone" is never activated, and reading it costs a
context-local lookup on every call, so local times are taken straight in the default zone."""

import datetime as dt
from functools import cache

from django.utils import timezone

_offset = dt.timedelta(0)


def now() -> dt.datetime:
    return timezone.now() + _offset


def advance(by: dt.timedelta) -> None:
    global _offset
    _offset += by


def reset() -> None:
    global _offset
    _offset = dt.timedelta(0)


@cache
def _zone() -> dt.tzinfo:
    return timezone.get_default_timezone()


def local(moment: dt.datetime) -> dt.datetime:
    """An aware moment in IGRS's time zone."""
    if timezone.is_naive(moment):
        raise ValueError("local() needs an aware datetime")
    return moment.astimezone(_zone())


def local_date(moment: dt.datetime) -> dt.date:
    """The day a moment falls on in IGRS's time zone."""
    return local(moment).date()
