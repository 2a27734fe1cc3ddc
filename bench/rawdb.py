"""The floor under registration: the same rows written with plain psycopg or sqlite3.

One transaction per complaint: the complaint row, its timeline events and its outbox rows,
as services.register writes them, with none of its reads (routing, duplicate check, serial).
"""

import datetime as dt
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

COMPLAINT = (
    "INSERT INTO grievances_complaint (reference, source, language, complainant_name, mobile, "
    "address, email, place_detail, description, status, level, current_post_id, "
    "accountable_post_id, assigned_at, due_at, remind_at, defaulted, escalation_count, disposal, "
    "special_ground, verification_attempts, closure_kind, flagged, call_id, created_at, "
    "updated_at, version, category_id, place_id, registered_by_id, cluster_pending) VALUES (%s, "
    "'helpline', 'hi', %s, %s, '', '', '', %s, 'assigned', 1, %s, %s, %s, %s, %s, FALSE, 0, '', "
    "'', 0, '', FALSE, '', %s, %s, 2, %s, %s, %s, TRUE) RETURNING id"
)
EVENT = (
    "INSERT INTO grievances_event (complaint_id, at, action, role, actor_user_id, from_status, "
    "to_status, to_post_id, level, note, data) VALUES (%s, %s, %s, %s, %s, %s, 'assigned', %s, "
    "1, '', %s)"
)
OUTBOX = (
    "INSERT INTO notifications_outboxmessage (mobile, key, language, body, context, "
    "dlt_template_id, header, entity_id, encoding, parts, reference, status, attempts, "
    "next_attempt_at, created_at, gateway_message_id, error_code, last_error) VALUES (%s, %s, "
    "'hi', %s, %s, '', 'UPIGRS', '', 'ucs2', 2, %s, 'queued', 0, %s, %s, '', '', '')"
)
DESCRIPTION = "पड़ोसी ने मेरी ज़मीन पर अवैध कब्ज़ा कर लिया है।"
SMS_BODY = "आपकी शिकायत संख्या {ref} दर्ज हो गई है। निस्तारण की अंतिम तिथि 01-01-2027 है।"


def connect(url: str) -> tuple[Any, Callable[[str], str], Callable[[dt.datetime], Any]]:
    """A DB-API connection, a converter for the SQL's placeholders, and one for datetimes
    (Django keeps naive UTC text on SQLite)."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(urlparse(url).path, timeout=20, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return (
            conn,
            lambda sql: sql.replace("%s", "?"),
            lambda t: t.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" "),
        )
    import psycopg

    return psycopg.connect(url), lambda sql: sql, lambda t: t


def insert_complaints(
    url: str,
    n: int,
    *,
    tag: str,
    ids: dict[str, int],
    events: int,
    outbox: int,
    deadline: float = float("inf"),
) -> int:
    """Write up to n complaints, one transaction each, until the perf_counter deadline;
    returns how many."""
    conn, sql, when = connect(url)
    begin = "BEGIN IMMEDIATE" if isinstance(conn, sqlite3.Connection) else None
    complaint_sql, event_sql, outbox_sql = sql(COMPLAINT), sql(EVENT), sql(OUTBOX)
    done = 0
    try:
        for i in range(n):
            if time.perf_counter() > deadline:
                break
            now = dt.datetime.now(dt.UTC)
            # "+915…" is no valid mobile: these rows never count against a registration's cap.
            ref, mobile = f"RAW{tag}{i:08d}", f"+915{tag}{i:05d}"
            if begin:
                conn.execute(begin)
            cur = conn.cursor()
            cur.execute(
                complaint_sql,
                (
                    ref,
                    "राम प्रसाद",
                    mobile,
                    DESCRIPTION,
                    ids["post_id"],
                    ids["post_id"],
                    when(now),
                    when(now + dt.timedelta(days=7)),
                    when(now + dt.timedelta(days=6)),
                    when(now),
                    when(now),
                    ids["category_id"],
                    ids["place_id"],
                    ids["agent_user_id"],
                ),
            )
            pk = cur.fetchone()[0]
            cur.executemany(
                event_sql,
                [
                    (
                        pk,
                        when(now),
                        action,
                        role,
                        ids["agent_user_id"],
                        from_status,
                        ids["post_id"],
                        json.dumps({}),
                    )
                    for action, role, from_status in [
                        ("register", "agent", ""),
                        ("assign", "system", "registered"),
                    ][:events]
                ],
            )
            cur.executemany(
                outbox_sql,
                [
                    (
                        mobile,
                        "registered",
                        SMS_BODY.format(ref=ref),
                        json.dumps({"reference": ref}),
                        ref,
                        when(now),
                        when(now),
                    )
                    for _ in range(outbox)
                ],
            )
            conn.commit()
            done += 1
    finally:
        conn.close()
    return done


def insert_rate(
    url: str, total: int, clients: int, time_limit: float, seconds: float, **rows: Any
) -> tuple[int, float]:
    """(complaints written, seconds) with `clients` connections writing at once for `seconds`
    or `total` complaints, whichever ends first (threads: the drivers release the GIL while
    they wait for the database)."""
    per_client = max(1, total // clients)
    errors: list[BaseException] = []
    counts: list[int] = []
    start = time.perf_counter()

    def work(k: int) -> None:
        try:
            counts.append(
                insert_complaints(
                    url,
                    per_client,
                    tag=f"{clients:02d}{k:02d}",
                    deadline=start + seconds,
                    **rows,
                )
            )
        except BaseException as error:  # noqa: BLE001 - reported after the join
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, start + time_limit - time.perf_counter()))
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    if any(t.is_alive() for t in threads):
        raise TimeoutError(f"raw inserts took longer than {time_limit:.0f} s")
    return sum(counts), elapsed


LOOKUP = (
    "SELECT * FROM grievances_complaint WHERE reference = %s",
    "SELECT * FROM grievances_event WHERE complaint_id = %s ORDER BY at, id",
    "SELECT * FROM grievances_attachment WHERE event_id IN "
    "(SELECT id FROM grievances_event WHERE complaint_id = %s) ORDER BY id",
)


def lookup_rate(url: str, refs: list[str], clients: int, seconds: float) -> tuple[int, float]:
    """(lookups done, seconds): the reads of a lookup by reference (complaint, timeline,
    files) from `clients` threads for `seconds` (the SQLite baseline; pgbench on PostgreSQL)."""
    counts: list[int] = []
    errors: list[BaseException] = []
    start = time.perf_counter()

    def work(k: int) -> None:
        try:
            conn, sql, _when = connect(url)
            complaint, events, files = (sql(statement) for statement in LOOKUP)
            done = 0
            while time.perf_counter() - start < seconds:
                cur = conn.cursor()
                cur.execute(complaint, (refs[(k + done) % len(refs)],))
                pk = cur.fetchone()[0]
                cur.execute(events, (pk,))
                cur.fetchall()
                cur.execute(files, (pk,))
                cur.fetchall()
                done += 1
            conn.close()
            counts.append(done)
        except BaseException as error:  # noqa: BLE001 - reported after the join
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    if errors:
        raise errors[0]
    return sum(counts), time.perf_counter() - start
