"""Benchmark parts that run inside Django on one database: `python -m bench.parts NAME JSON`.

Each part prints one JSON line with its measurements; the database comes from
IGRS_DATABASE_URL (see databases.BenchDatabase.env).
"""

import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import bulk, cpu, rawdb  # noqa: E402
from bench.sms import sms_throughput  # noqa: E402
from igrs.core.accounts import create_token  # noqa: E402
from igrs.core.roles import Role  # noqa: E402
from igrs.directory.models import Category, Post, Unit  # noqa: E402
from igrs.grievances import services  # noqa: E402
from igrs.grievances.actors import Actor  # noqa: E402
from igrs.grievances.models import Complaint, Event  # noqa: E402
from igrs.notifications.models import OutboxMessage  # noqa: E402

# A tehsil-level land complaint: routed at once to the tehsildar, whose superior is the DM.
CATEGORY, PLACE, POST = "REV-LAND", "UP-LUCKNOW-T-SADAR", "REV-L1-UP-LUCKNOW-T-SADAR"
DESCRIPTION = "पड़ोसी ने मेरी ज़मीन पर अवैध कब्ज़ा कर लिया है।"
DAY_BACKLOG_MOBILES = 6_200_000_000


def seeded_ids() -> dict[str, int]:
    return {
        "category_id": Category.objects.get(code=CATEGORY).pk,
        "place_id": Unit.objects.get(code=PLACE).pk,
        "post_id": Post.objects.get(code=POST).pk,
        "agent_user_id": get_user_model().objects.get(username="agent").pk,
    }


def prepare() -> dict[str, Any]:
    """Seeded ids and a fresh agent API token for the HTTP benchmark."""
    ids = seeded_ids()
    agent = get_user_model().objects.get(pk=ids["agent_user_id"])
    return {**ids, "token": create_token(agent, "agent", "bench")}


def prepare_day(agents: int, awaiting: int) -> dict[str, Any]:
    """The simulated day's cast and backlog: agent logins with API tokens, the telephony
    system's token, and `awaiting` disposed complaints (each with its ATR on the timeline)
    waiting for their verification call."""
    from igrs.core.accounts import get_or_create_user, grant_role
    from igrs.grievances import reference

    ids = seeded_ids()
    cast = []
    for i in range(agents):
        user = get_or_create_user(f"day-agent-{i:03d}")
        grant_role(user, "agent")
        cast.append((user.username, create_token(user, "agent", "bench-day")))
    acd = get_or_create_user("day-acd")
    grant_role(acd, "telephony")
    now = dt.datetime.now(dt.UTC)
    rows = (
        (
            reference.make(2025, 10_000_000 + i),
            f"+91{DAY_BACKLOG_MOBILES + i}",
            ids["post_id"],
            ids["category_id"],
            ids["place_id"],
            now - dt.timedelta(hours=3),
            now - dt.timedelta(hours=1),
        )
        for i in range(awaiting)
    )
    start = time.perf_counter()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(bulk.AWAITING_STAGE)
        with cursor.copy(bulk.AWAITING_COPY) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(bulk.AWAITING_INSERT)
        cursor.execute(bulk.AWAITING_ATR_EVENTS)
        cursor.execute("ANALYZE")
    connection.connection.commit()
    return {
        "agents": cast,
        "telephony_token": create_token(acd, "telephony", "bench-day"),
        "category_id": ids["category_id"],
        "place_id": ids["place_id"],
        "backlog_seconds": time.perf_counter() - start,
    }


def register_service(n: int, mobile_base: int, seconds: float, warmup: int = 20) -> dict[str, Any]:
    """services.register in a loop, one agent, a new mobile number each time, for `seconds`
    (at most n registrations); CPU of this process and of the database per registration."""
    ids = seeded_ids()
    agent = Actor(Role.AGENT, user_id=ids["agent_user_id"])

    def register(i: int) -> Complaint:
        return services.register(
            agent,
            services.NewComplaint(
                source="helpline",
                complainant_name="राम प्रसाद",
                mobile=f"{mobile_base + i:010d}",
                category_id=ids["category_id"],
                place_id=ids["place_id"],
                description=DESCRIPTION,
            ),
        )

    for i in range(warmup):  # fills the master-data memo and the connection
        register(i)
    with CaptureQueriesContext(connection) as queries:
        sample = register(warmup)
    before, start, done = cpu.snapshot(), time.perf_counter(), 0
    while done < n and time.perf_counter() - start < seconds:
        register(warmup + 1 + done)
        done += 1
    elapsed = time.perf_counter() - start
    used = cpu.spent(before, cpu.snapshot(), ())
    return {
        "n": done,
        "seconds": elapsed,
        "rate": done / elapsed,
        "cpu_ms": {
            "process": used["load"] / max(done, 1) * 1000,
            "database": used["database"] / max(done, 1) * 1000,
        },
        "statements": len(queries),
        "status": sample.status,
        "events": Event.objects.filter(complaint=sample).count(),
        "outbox": OutboxMessage.objects.filter(reference=sample.reference).count(),
    }


def raw_inserts(
    n: int, clients: int, events: int, outbox: int, time_limit: float, seconds: float
) -> dict[str, Any]:
    before = cpu.snapshot()
    done, elapsed = rawdb.insert_rate(
        os.environ["IGRS_DATABASE_URL"],
        n,
        clients,
        time_limit,
        seconds,
        ids=seeded_ids(),
        events=events,
        outbox=outbox,
    )
    used = cpu.spent(before, cpu.snapshot(), ())
    return {
        "rate": done / elapsed,
        "seconds": elapsed,
        "cpu_ms": {
            "process": used["load"] / max(done, 1) * 1000,
            "database": used["database"] / max(done, 1) * 1000,
        },
    }


def prepare_lookup(complaints: int, mobile_base: int) -> dict[str, Any]:
    """Complaints to look up (each with a note on its timeline besides registration and
    assignment), and a citizen's browser session that found them all on the tracker."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from igrs.faces import session

    ids = seeded_ids()
    agent = Actor(Role.AGENT, user_id=ids["agent_user_id"])
    tracked = {}
    for i in range(complaints):
        complaint = services.register(
            agent,
            services.NewComplaint(
                source="helpline",
                complainant_name="राम प्रसाद",
                mobile=f"{mobile_base + i:010d}",
                category_id=ids["category_id"],
                place_id=ids["place_id"],
                description=DESCRIPTION,
            ),
        )
        services.add_note(agent, complaint.reference, note="शिकायतकर्ता ने फ़ोन किया।")
        tracked[complaint.reference] = [complaint.mobile, session._until()]
    store = SessionStore()
    store[session.TRACKED] = tracked
    store.create()
    refs = list(tracked)
    return {"refs": refs, "cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}"}


def overdue_ids(now: dt.datetime):
    """The selection services.sweep makes, written the same way (keep the two in step)."""
    return (
        Complaint.objects.filter(escalate_at__lte=now)
        .order_by("escalate_at", "pk")
        .values_list("pk", flat=True)
    )


def sweep(rows: int, overdue_every: int, repeats: int) -> dict[str, Any]:
    """Bulk-load, ANALYZE, then time the overdue selection, a count(*) and a real sweep."""
    now = dt.datetime.now(dt.UTC)
    start = time.perf_counter()
    connection.ensure_connection()
    raw = connection.connection
    raw.execute(
        bulk.load_sql(connection.vendor, overdue_every),
        bulk.load_params(connection.vendor, rows, now, seeded_ids()),
    )
    raw.execute("ANALYZE")
    raw.commit()
    load_seconds = time.perf_counter() - start
    batch = overdue_ids(now)[:500]
    result = {
        "rows": Complaint.objects.count(),
        "load_seconds": load_seconds,
        "overdue": overdue_ids(now).count(),
        "count_all": _median_time(lambda: Complaint.objects.count(), repeats),
        "first_batch": _median_time(lambda: list(batch.all()), repeats),
        "all_overdue": _median_time(lambda: list(overdue_ids(now)), repeats),
        "plan": _index_line(batch.explain()),
    }
    before, start = cpu.snapshot(), time.perf_counter()
    report = services.sweep(now=now)
    used = cpu.spent(before, cpu.snapshot(), ())
    moved = max(report.escalated + report.defaulted, 1)
    result |= {
        "cpu_ms": {
            "process": used["load"] / moved * 1000,
            "database": used["database"] / moved * 1000,
        },
        "sweep_seconds": time.perf_counter() - start,
        "escalated": report.escalated,
        "defaulted": report.defaulted,
        "reminded": report.reminded,
        "left_overdue": overdue_ids(now).count(),
    }
    return result


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _index_line(plan: str) -> str:
    """The plan line that names the index, or the whole plan when none does."""
    lines = [line.strip() for line in plan.splitlines() if line.strip()]
    return next((line for line in lines if "complaint_sweep_due" in line), " / ".join(lines))


def lookup_query(refs: list[str], n: int) -> dict[str, Any]:
    """CPU per lookup of a complaint by reference, the ORM query compiled each time (before
    decision 0078) against fastsql's prepared statement (after), alternating in one process."""
    from igrs.core import fastsql

    ways = {
        "orm": lambda ref: Complaint.objects.filter(reference=ref).first(),
        "prepared": lambda ref: fastsql.select(Complaint, "reference = %s", [ref], limit=1),
    }
    spent = dict.fromkeys(ways, 0.0)
    for round_ in range(4):  # alternate, so drift in the machine's load hits both
        for name, way in ways.items():
            start = time.process_time()
            for i in range(n // 4):
                way(refs[i % len(refs)])
            if round_:  # the first round warms the connection and the statement cache
                spent[name] += time.process_time() - start
    return {name: seconds / (n // 4 * 3) * 1e6 for name, seconds in spent.items()}


def profile(
    section: str, n: int, mobile_base: int, token: str, top: int, lookup: dict[str, Any]
) -> dict[str, Any]:
    """Where one request of `section` spends its time, by layer (bench/profile_wsgi.py)."""
    from bench import profile_wsgi as pw

    refs = lookup["refs"]
    agent = {"Authorization": f"Bearer {token}"}
    makers = {
        "registration": pw.registration_request(token, seeded_ids(), mobile_base),
        "lookup": lambda i: pw.environ("GET", f"/api/v1/complaints/{refs[i % len(refs)]}", agent),
        "tracker": lambda i: pw.environ(
            "GET", f"/track/{refs[i % len(refs)]}/", {"Cookie": lookup["cookie"]}
        ),
    }
    return pw.profile_requests(makers[section], n, top)


def dashboard(cold: int, warm: int) -> dict[str, Any]:
    """Every dashboard page timed cold and warm on the history in this database."""
    from bench.dashboard import measure

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = %s", ["grievances_event"]
        )
        events = cursor.fetchone()[0]
    return {"complaints": Complaint.objects.count(), "events": events, "pages": measure(cold, warm)}


def outbox_backlog() -> dict[str, Any]:
    """SMS queued and not yet sent (the worker's backlog)."""
    return {"queued": OutboxMessage.objects.filter(status="queued").count()}


PARTS: dict[str, Callable[..., dict[str, Any]]] = {
    "prepare": prepare,
    "outbox_backlog": outbox_backlog,
    "register_service": register_service,
    "raw_inserts": raw_inserts,
    "sweep": sweep,
    "profile": profile,
    "prepare_day": prepare_day,
    "prepare_lookup": prepare_lookup,
    "lookup_query": lookup_query,
    "sms": sms_throughput,
    "dashboard": dashboard,
}

if __name__ == "__main__":
    name, params = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(PARTS[name](**params), default=str), flush=True)
