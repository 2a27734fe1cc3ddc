"""Reads that may be a little behind, from a PostgreSQL streaming replica.

With IGRS_REPLICA_URL set, the pages that only read and can bear a few seconds' delay (the
dashboard and its exports, Open311's reads, the public tracker) wrap themselves in
`reads_from_replica`: if the replica answers and is no more than IGRS_REPLICA_MAX_LAG_SECONDS
behind the primary, the complaint data (grievances, monitoring, directory) is read there and
the page says "data as of …"; otherwise everything is read from the primary. Writes always go
to the primary (`Router`), including the rate-limit hits and call logs such pages write.

The lag is measured against the primary's WAL position, not the replica's own clock: a
standby that lost its primary looks perfectly caught up to itself. The check costs one query
to each server and is remembered per process for IGRS_REPLICA_CHECK_SECONDS.
"""

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
# Complaint data only: sessions, users, OTPs and rate-limit counts are read where written.
REPLICA_APPS = frozenset({"grievances", "monitoring", "directory"})


@dataclass(frozen=True)
class Freshness:
    """How a request reads: from the replica (with the time its data is as of) or not."""

    alias: str
    as_of: dt.datetime | None = None


PRIMARY = Freshness(DEFAULT_DB_ALIAS)
_current: ContextVar[Freshness] = ContextVar("igrs_reads", default=PRIMARY)
WROTE_KEY = "igrs_wrote_until"
_checked: dict[str, Any] = {"at": float("-inf"), "freshness": PRIMARY}

LAG_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_replay_lsn() >= %s::pg_lsn,
       COALESCE(pg_last_xact_replay_timestamp(), now()),
       now()
"""


def configured() -> bool:
    return REPLICA in connections.settings


def freshness() -> Freshness:
    """Where this request reads complaint data from, and as of when."""
    return _current.get()


def _measure() -> Freshness:
    """The replica if it answers and is within the lag limit, else the primary."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as primary:
            primary.execute("SELECT pg_current_wal_lsn()::text")
            (primary_lsn,) = primary.fetchone()
        with connections[REPLICA].cursor() as replica:
            replica.execute(LAG_SQL, [primary_lsn])
            in_recovery, caught_up, replayed_at, now = replica.fetchone()
    except DatabaseError:
        connections[REPLICA].close()  # down or restarting: the next check reconnects
        return PRIMARY
    if not in_recovery:  # promoted: no longer a copy of this primary
        return PRIMARY
    as_of = now if caught_up else replayed_at
    if (now - as_of).total_seconds() > settings.IGRS_REPLICA_MAX_LAG_SECONDS:
        return PRIMARY
    return Freshness(REPLICA, as_of)


def _decide() -> Freshness:
    if not configured():
        return PRIMARY
    if time.monotonic() - _checked["at"] >= settings.IGRS_REPLICA_CHECK_SECONDS:
        _checked.update(at=time.monotonic(), freshness=_measure())
    return _checked["freshness"]


def forget_check() -> None:
    """The next request measures the replica afresh (tests, after changing it)."""
    _checked.update(at=float("-inf"), freshness=PRIMARY)


@contextmanager
def replica_reads() -> Iterator[Freshness]:
    token = _current.set(_decide())
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def reads_from_replica[V: Callable[..., Any]](view: V) -> V:
    """A view whose reads may come from the replica (see the module's note): only GETs, and
    not for a browser session that has just written (it would not see its own change)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not configured() or request.method != "GET" or _wrote_lately(request):
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _wrote_lately(request: Any) -> bool:
    """Only a browser with a session cookie can have written: machine clients (Open311) cost
    no session lookup."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return request.session.get(WROTE_KEY, 0) > time.time()


class ReadYourWritesMiddleware:
    """After a browser session sends a change (any POST), its pages read from the primary
    for as long as the replica may lag, so a citizen who just gave feedback sees it."""

    def __init__(self, get_response: Callable[[Any], Any]):
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        if configured() and request.method == "POST" and hasattr(request, "session"):
            request.session[WROTE_KEY] = time.time() + settings.IGRS_REPLICA_MAX_LAG_SECONDS
        return response


class Router:
    """Django's database router: reads of complaint data go where `freshness` says; every
    write, and every migration, goes to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if model._meta.app_label in REPLICA_APPS:  # type: ignore[attr-defined]
            return _current.get().alias
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database and its copy

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def context(request: Any) -> dict[str, Any]:
    """Template context: `data_as_of` when the page was read from the replica."""
    return {"data_as_of": _current.get().as_of}
