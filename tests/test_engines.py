"""IGRS on the engines a state runs it on: pgbouncer in transaction pooling mode in front of
PostgreSQL. Each engine is started for real on a free port in a temporary folder
(tests/engines_rig.py) and stopped afterwards. PostgreSQL only: SQLite has no pooler."""

import datetime as dt
import itertools
import sqlite3
import threading
from collections import Counter

import psycopg
import pytest
from django.db import connection, connections

from igrs.core import clock, databases, partitions
from igrs.grievances import selectors, services
from igrs.grievances.actors import Actor
from igrs.grievances.models import Action, Complaint, Defaulter, Event
from igrs.notifications.models import OutboxMessage
from igrs.ops import backups

from . import engines_rig as rig
from .conftest import DM, new_complaint

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the engines here stand around PostgreSQL"
)

THREADS = 6
EACH = 8  # registrations per thread
_mobiles = itertools.count(1)


def through(port: int, pooler: str) -> dict:
    """The test database's Django settings, reached through the pooler on `port`."""
    db = connection.settings_dict
    return connections.configure_settings(
        {
            "default": databases.configure(
                rig.url(port, db["NAME"]),
                pooler=pooler,
                prepared=True,  # as in production: the pooler setting alone must suffice
                conn_max_age=600,
                health_checks=False,
            )
        }
    )["default"]


def in_threads(settings_dict: dict, work) -> list:
    """`work(index)` in THREADS threads, each with its own connection made from
    `settings_dict`, released together; errors are returned, not swallowed."""
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS
    backend = type(connections["default"])

    def run(index: int) -> None:
        connections["default"] = backend(settings_dict, "default")
        try:
            barrier.wait(timeout=60)
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 - reported to the test thread
            results[index] = error
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results


def register_and_look_up(agent: Actor, index: int) -> list[str]:
    refs = []
    for _ in range(EACH):
        mobile = f"98{next(_mobiles):08d}"
        complaint = new_complaint(agent, mobile=mobile, complainant_name=f"थ्रेड {index}")
        view = selectors.get_complaint(complaint.reference, agent)
        assert view.complaint.reference == complaint.reference
        refs.append(complaint.reference)
    return refs


def pgbouncer_stats(port: int) -> dict:
    with psycopg.connect(rig.url(port, "pgbouncer"), autocommit=True) as admin:
        cursor = admin.execute("SHOW STATS")
        names = [column.name for column in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_registrations_lookups_and_sweeps_through_pgbouncer(reseeded, agent):
    """Six threads register and look up complaints through pgbouncer (4 server connections
    shared by transaction), then all sweep at once: every complaint is stored once, found,
    and escalated exactly once. Named prepared statements would collide on the shared server
    connections ("prepared statement _pg3_0 already exists"): the pooler setting must have
    switched them off while keeping the pipelined registration."""
    port = connection.settings_dict["PORT"] or 5432
    with rig.engine_folder() as folder, rig.pgbouncer(folder, int(port), pool_size=4) as bouncer:
        pooled = through(bouncer, "pgbouncer")
        registered = in_threads(pooled, lambda index: register_and_look_up(agent, index))
        errors = [result for result in registered if isinstance(result, BaseException)]
        assert not errors, errors
        refs = [ref for refs in registered for ref in refs]
        assert len(set(refs)) == THREADS * EACH

        clock.advance(dt.timedelta(days=40))  # every one of them overdue
        now = clock.now()
        swept = in_threads(pooled, lambda _index: services.sweep(now))
        assert not [result for result in swept if isinstance(result, BaseException)], swept
        stats = pgbouncer_stats(bouncer)[connection.settings_dict["NAME"]]

    assert sum(report.escalated for report in swept) == len(refs)
    complaints = Complaint.objects.filter(reference__in=refs)
    assert complaints.count() == len(refs)
    assert all(c.current_post.code == DM for c in complaints.select_related("current_post"))
    escalations = Counter(
        complaints.filter(events__action=Action.ESCALATE).values_list("reference", flat=True)
    )
    assert set(escalations.values()) == {1}
    assert Defaulter.objects.filter(complaint__reference__in=refs).count() == len(refs)
    # The work really went through pgbouncer's shared server connections.
    assert stats["total_xact_count"] >= len(refs)


def test_the_pooler_setting_turns_off_what_cannot_cross_a_pool():
    direct = databases.configure(
        "postgres://u@h/db", pooler="", prepared=True, conn_max_age=0, health_checks=False
    )
    pooled = databases.configure(
        "postgres://u@h/db", pooler="pgbouncer", prepared=True, conn_max_age=0, health_checks=False
    )
    assert direct["OPTIONS"]["prepare_threshold"] == 0
    assert not direct["DISABLE_SERVER_SIDE_CURSORS"]
    assert pooled["OPTIONS"]["prepare_threshold"] is None
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"]


def test_sqlite_backup_is_a_consistent_copy_while_a_writer_holds_the_database(tmp_path):
    """The online backup API copies a database that another connection is writing to (in
    WAL mode, with a transaction open); the restore is a new file with the committed rows."""
    live = tmp_path / "live.sqlite3"
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE complaint (reference TEXT PRIMARY KEY)")
    writer.executemany("INSERT INTO complaint VALUES (?)", [(f"R{i}",) for i in range(100)])
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO complaint VALUES ('uncommitted')")
    copy = backups._sqlite_backup(live, tmp_path / "copy.sqlite3")
    writer.execute("ROLLBACK")
    writer.close()
    restored = tmp_path / "restored.sqlite3"
    backups.restore_sqlite(copy, restored)
    with pytest.raises(FileExistsError):
        backups.restore_sqlite(copy, restored)
    rows = sqlite3.connect(restored).execute("SELECT reference FROM complaint").fetchall()
    assert sorted(ref for (ref,) in rows) == sorted(f"R{i}" for i in range(100))


def partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@postgres_only
def test_months_are_made_ahead_rows_moved_out_of_the_default_and_old_months_detached(agent):
    """A complaint registered beyond the months made lands in the default partition; the job
    makes its month and moves it there (the timeline still reads whole); with a retention,
    months past it are detached and their rows leave the table."""
    clock.advance(dt.timedelta(days=400))
    far = clock.now()
    complaint = new_complaint(agent)
    event = Event.objects.filter(complaint=complaint).first()
    sms = OutboxMessage.objects.filter(reference=complaint.reference).first()
    assert partition_of("grievances_event", event.pk) == "grievances_event_default"

    # Made from the rows found in the default, though further than `ahead` months away.
    earlier = far - dt.timedelta(days=200)
    done = partitions.maintain(earlier, ahead=1, keep_months={})
    month = partitions.month_start(far.astimezone(dt.UTC))
    assert partitions.partition_name("grievances_event", month) in done.created
    assert partition_of("grievances_event", event.pk) == f"grievances_event_p{month:%Y%m}"
    if sms is not None:
        assert partition_of("notifications_outboxmessage", sms.pk).endswith(f"{month:%Y%m}")
    assert partitions.maintain(earlier, ahead=1, keep_months={}).created == []  # idempotent
    timeline = [e.pk for e in selectors._timeline(complaint)]
    assert event.pk in timeline and len(timeline) == complaint.events.count()

    later = far + dt.timedelta(days=100)
    done = partitions.maintain(later, ahead=1, keep_months={"grievances_event": 2})
    assert f"grievances_event_p{month:%Y%m}" in done.detached
    assert not Event.objects.filter(pk=event.pk).exists()
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_partitions_do_nothing_on_sqlite_and_count_months():
    assert partitions.next_month(dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)
    assert partitions._months_before(dt.date(2027, 1, 15), 2) == dt.date(2026, 11, 1)
    if connection.vendor == "sqlite":
        assert partitions.maintain(clock.now(), ahead=3, keep_months={"x": 1}).created == []
