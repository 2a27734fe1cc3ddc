"""IGRS on a PostgreSQL cluster of its own: a primary made by initdb on a free port, archiving
its WAL, with a streaming standby made by pg_basebackup -R. One module-scoped fixture starts
both, migrates and seeds the primary, and points Django's default connection at it (and the
`replica` alias at the standby) for these tests only; everything is stopped and removed
afterwards. PostgreSQL only: SQLite has neither replicas nor WAL."""

import io
import itertools
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from igrs.core import databases, replica
from igrs.core.accounts import grant_role
from igrs.core.roles import Role
from igrs.grievances.actors import Actor
from igrs.grievances.models import Complaint

from . import engines_rig as rig
from .conftest import new_complaint, seed_all

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="replicas and WAL archives are PostgreSQL's"
)

DATABASE = "igrs"
AS_OF = re.compile(r'class="as-of"')
_mobiles = itertools.count(1)


def django_settings(port: int) -> dict:
    return connections.configure_settings(
        {
            "default": databases.configure(
                rig.url(port, DATABASE),
                pooler="",
                prepared=True,
                conn_max_age=0,
                health_checks=True,
            )
        }
    )["default"]


@contextmanager
def pointed_at(primary: rig.Cluster, standby: rig.Cluster) -> Iterator[None]:
    """Django's default connection on the primary, `replica` on the standby; restored
    after."""
    default = connections.settings["default"]
    saved = dict(default)
    connection.close()
    default.update(django_settings(primary.port))
    connections.settings[replica.REPLICA] = django_settings(standby.port)
    try:
        yield
    finally:
        connections[replica.REPLICA].close()
        del connections.settings[replica.REPLICA]
        delattr(connections._connections, replica.REPLICA)
        connection.close()
        default.clear()
        default.update(saved)
        replica.forget_check()


@pytest.fixture(scope="module")
def cluster(django_db_blocker):
    with rig.engine_folder() as folder:
        wal = folder / "wal"
        wal.mkdir()
        rig.give_to_postgres(wal)
        primary = rig.init_cluster(
            folder, settings=f"archive_mode = on\narchive_command = 'cp %p {wal}/%f'\n"
        )
        with rig.running(primary):
            with psycopg.connect(primary.url, autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {DATABASE}")
            standby = rig.standby_of(primary, folder)
            with rig.running(standby), django_db_blocker.unblock(), pointed_at(primary, standby):
                call_command("migrate", verbosity=0)
                seed_all()
                yield primary, standby, folder


@pytest.fixture
def on_cluster(cluster, django_db_blocker, settings):
    settings.IGRS_REPLICA_CHECK_SECONDS = 0  # each request measures the replica afresh
    settings.IGRS_REPLICA_MAX_LAG_SECONDS = 3600
    with django_db_blocker.unblock():
        replica.forget_check()
        yield cluster
        replica.forget_check()


def standby_sql(standby: rig.Cluster, sql: str):
    with psycopg.connect(rig.url(standby.port, DATABASE), autocommit=True) as c:
        return c.execute(sql).fetchone()


def register() -> Complaint:
    user, _ = User.objects.get_or_create(username="agent-cluster")
    mobile = f"97{next(_mobiles):08d}"
    return new_complaint(Actor(Role.AGENT, user_id=user.pk), mobile=mobile)


def on_standby(standby: rig.Cluster, ref: str) -> bool:
    found = standby_sql(
        standby, f"SELECT count(*) FROM grievances_complaint WHERE reference = '{ref}'"
    )
    return found[0] == 1


def tracker(complaint: Complaint) -> Client:
    """A browser session that has found the complaint (a POST, which keeps the session on
    the primary for a while; that stickiness is tested on its own below)."""
    client = Client()
    found = client.post("/track/", {"reference": complaint.reference, "mobile": complaint.mobile})
    assert found.status_code == 302
    session = client.session
    del session[replica.WROTE_KEY]
    session.save()
    return client


def page(client: Client, complaint: Complaint):
    return client.get(f"/track/{complaint.reference}/")


def test_reads_come_from_the_replica_and_say_as_of_when(on_cluster):
    _primary, standby, _folder = on_cluster
    seen = register()
    rig.wait_for(lambda: on_standby(standby, seen.reference), what="replication")
    standby_sql(standby, "SELECT pg_wal_replay_pause()")
    try:
        unseen = register()  # on the primary only: the standby replays nothing now
        first, second = tracker(seen), tracker(unseen)
        shown = page(first, seen)
        assert shown.status_code == 200
        assert AS_OF.search(shown.content.decode()), "a page read from the replica says so"
        # The replica does not have it yet, and the tracker read the replica.
        assert page(second, unseen).status_code == 404
        # Writes go to the primary even while reads go to the replica.
        with replica.replica_reads() as reads:
            assert reads.alias == replica.REPLICA
            written = register()
        assert Complaint.objects.using("default").filter(pk=written.pk).exists()
        assert not on_standby(standby, written.reference)
    finally:
        standby_sql(standby, "SELECT pg_wal_replay_resume()")


def test_a_session_that_just_wrote_reads_the_primary(on_cluster):
    _primary, standby, _folder = on_cluster
    standby_sql(standby, "SELECT pg_wal_replay_pause()")
    try:
        complaint = register()
        client = Client()
        client.post("/track/", {"reference": complaint.reference, "mobile": complaint.mobile})
        shown = page(client, complaint)
        assert shown.status_code == 200 and not AS_OF.search(shown.content.decode())
    finally:
        standby_sql(standby, "SELECT pg_wal_replay_resume()")


def test_the_dashboard_reads_the_replica(on_cluster):
    user, _ = User.objects.get_or_create(username="monitor-cluster")
    grant_role(user, "desk")
    client = Client()
    client.force_login(user)
    response = client.get("/monitoring/", follow=True)
    assert response.status_code == 200
    assert AS_OF.search(response.content.decode())


def test_too_far_behind_falls_back_to_the_primary(on_cluster, settings):
    _primary, standby, _folder = on_cluster
    standby_sql(standby, "SELECT pg_wal_replay_pause()")
    try:
        complaint = register()
        client = tracker(complaint)
        assert page(client, complaint).status_code == 404  # within an hour's lag: replica
        settings.IGRS_REPLICA_MAX_LAG_SECONDS = 0
        shown = page(client, complaint)
        assert shown.status_code == 200 and not AS_OF.search(shown.content.decode())
    finally:
        standby_sql(standby, "SELECT pg_wal_replay_resume()")


def test_a_replica_that_is_down_falls_back_to_the_primary(on_cluster):
    _primary, standby, _folder = on_cluster
    complaint = register()
    client = tracker(complaint)
    standby.stop("immediate")
    try:
        shown = page(client, complaint)
        assert shown.status_code == 200 and not AS_OF.search(shown.content.decode())
    finally:
        standby.start()
    rig.wait_for(lambda: on_standby(standby, complaint.reference), what="replication")
    assert AS_OF.search(page(client, complaint).content.decode())


def archived_through(primary: rig.Cluster) -> None:
    """Close the current WAL segment and wait until the server has archived it."""
    with psycopg.connect(rig.url(primary.port, DATABASE), autocommit=True) as c:
        (segment,) = c.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()

        def archived() -> bool:
            (last,) = c.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()
            return last is not None and last >= segment

        rig.wait_for(archived, what=f"WAL segment {segment} archived")


def test_restore_to_a_point_in_time_keeps_every_acknowledged_complaint(on_cluster):
    """Back up, register complaints, note the time, register more, then restore to that time
    into a fresh data folder: every complaint acknowledged before it is there, none after."""
    primary, _standby, folder = on_cluster
    call_command("backup", to=folder / "backups", stdout=io.StringIO())
    before = [register().reference for _ in range(5)]
    with psycopg.connect(rig.url(primary.port, DATABASE)) as c:
        (point,) = c.execute("SELECT clock_timestamp()").fetchone()
    after = [register().reference for _ in range(3)]
    archived_through(primary)

    restored = folder / "restored"
    call_command(
        "restore",
        source=folder / "backups",
        into=restored,
        wal_archive=folder / "wal",
        target_time=point,
        stdout=io.StringIO(),
    )
    subprocess.run(["chown", "-R", "postgres:postgres", str(restored)], check=True)
    copy = rig.Cluster(restored, rig.free_port())
    with (restored / "postgresql.conf").open("a") as conf:
        conf.write(f"port = {copy.port}\n")
    with rig.running(copy), psycopg.connect(rig.url(copy.port, DATABASE)) as c:
        rows = c.execute("SELECT reference FROM grievances_complaint").fetchall()
    present = {ref for (ref,) in rows}
    assert set(before) <= present
    assert not set(after) & present, "restored past the point in time"
