"""Rate limits shared by every app server: hits are counted in the database, not in one
process's memory."""

import datetime as dt

from . import clock
from .locks import lock_for_transaction
from .models import RateHit

HOUR = dt.timedelta(hours=1)


def hit(bucket: str, key: str, limit: int, window: dt.timedelta = HOUR, count: bool = True) -> bool:
    """Whether fewer than `limit` hits are counted for (bucket, key) inside the window, and if
    so (and `count`) count this one. Call it inside a transaction: the check and the count
    hold a lock on the key until it ends, so parallel requests cannot all take the last slot."""
    lock_for_transaction(f"rate:{bucket}:{key}")
    now = clock.now()
    if RateHit.objects.filter(bucket=bucket, key=key, at__gt=now - window).count() >= limit:
        return False
    if count:
        RateHit.objects.create(bucket=bucket, key=key, at=now)
    return True
