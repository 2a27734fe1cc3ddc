"""One database's Django settings from its URL, and how a connection pooler changes them.

Behind pgbouncer in transaction pooling mode (IGRS_DATABASE_POOLER=pgbouncer) consecutive
transactions of one Django connection may run on different server connections, so nothing
may outlive a transaction on the server: no named prepared statements (pgbouncer 1.18, in
Debian 12, does not follow them; `max_prepared_statements` arrived in 1.21) and no server-side
cursors (Django's `.iterator()` holds one across fetches). Pipelining stays on: psycopg sends
a pipeline's statements with one Sync, and the registration's runs inside a transaction, so
it never straddles a server switch. Session settings Django makes (the time zone) are
restored by pgbouncer on every server it hands out (it tracks TimeZone).
"""

from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

POOLERS = ("", "pgbouncer")


def configure(
    url: str, *, pooler: str, prepared: bool, conn_max_age: int, health_checks: bool
) -> dict[str, Any]:
    if pooler not in POOLERS:
        raise ImproperlyConfigured(f"IGRS_DATABASE_POOLER={pooler!r} is not one of {POOLERS}.")
    db: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=health_checks)
    )
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        return db
    behind_pgbouncer = pooler == "pgbouncer"
    # Only the hot path's server-bound statements (core/fastsql.py) are prepared, once per
    # connection; Django's own cursors bind client-side and never prepare.
    db.setdefault("OPTIONS", {})["prepare_threshold"] = (
        0 if prepared and not behind_pgbouncer else None
    )
    db["DISABLE_SERVER_SIDE_CURSORS"] = behind_pgbouncer
    return db
