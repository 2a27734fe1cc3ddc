"""The one clock services read. Tests and drills move it instead of sleeping."""

import datetime as dt

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
