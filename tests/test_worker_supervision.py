"""`igrs worker` heals itself: a real worker process keeps sending queued SMS across a restart
of a PostgreSQL server that this test creates (initdb/pg_ctl on a free port) and across
terminated connections; one job that raises or hangs never stops the others."""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from bench.server import free_port
from igrs.core import clock
from igrs.ops.jobs import Job, all_jobs
from igrs.ops.models import JobHeartbeat
from igrs.ops.supervisor import supervise

from .conftest import database_url
from .sms_rig import wait_until

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = 80


def postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        reason = "PostgreSQL server binaries not installed (apt-get install postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found[-1]


class OwnPostgres:
    """A throw-away PostgreSQL cluster on loopback, owned by this test."""

    def __init__(self, folder: Path):
        self.data, self.port = folder / "data", free_port()
        self.socket_dir = folder
        user = ["-U", "postgres"]
        subprocess.run(
            [postgres_bin("initdb"), "-D", str(self.data), "-A", "trust", *user, "-E", "UTF8"],
            check=True,
            capture_output=True,
            **self._as_postgres(),
        )
        self.log = folder / "postgres.log"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/igrs"

    @staticmethod
    def _as_postgres() -> dict:
        """initdb and postgres refuse to run as root: drop to the postgres account then."""
        if os.geteuid() != 0:
            return {}
        import pwd

        account = pwd.getpwnam("postgres")
        return {"user": account.pw_uid, "group": account.pw_gid}

    def pg_ctl(self, *args: str) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            [postgres_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options]
            + ["-w", "-t", "60", *args],
            check=True,
            capture_output=True,
            **self._as_postgres(),
        )

    def start(self, schema_from: str) -> "OwnPostgres":
        """Start it with a database holding the schema of `schema_from` (the test database,
        migrated already: copying its schema takes a second, migrating anew a minute)."""
        self.pg_ctl("start")
        with psycopg.connect(self.url.replace("/igrs", "/postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE igrs")
        schema = subprocess.run(
            [postgres_bin("pg_dump"), "--schema-only", "--no-owner", "-d", schema_from],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(
            [postgres_bin("psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url],
            input=schema,
            check=True,
            capture_output=True,
        )
        return self

    def query(self, sql: str, *params):
        with psycopg.connect(self.url, autocommit=True) as db:
            return db.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def own_postgres(django_db_setup, django_db_blocker):
    if not os.environ.get("IGRS_DATABASE_URL", "").startswith("postgres"):
        pytest.skip("starts its own PostgreSQL: run once, in the PostgreSQL pass")
    # Not under pytest's folders: they are private to the test's user, and as root the
    # server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="igrs-own-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    try:
        with django_db_blocker.unblock():
            test_database = database_url()
        server = OwnPostgres(folder).start(schema_from=test_database)
        yield server
        server.pg_ctl("stop", "-m", "immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


QUEUE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igrs.settings")
import django
django.setup()
from igrs.notifications.services import queue_sms, save_outbox, seed_templates
seed_templates()
save_outbox([
    queue_sms(f"+9199{n:08d}", "otp_citizen", "en", {"otp": "123456", "minutes": "10"})
    for n in range(int(sys.argv[1]))
])
"""


def test_the_worker_resumes_after_a_postgres_restart_and_terminated_connections(
    own_postgres, tmp_path
):
    sms_file = tmp_path / "sms.log"
    env = {
        **os.environ,
        "IGRS_DATABASE_URL": own_postgres.url,
        "IGRS_VAR_DIR": str(tmp_path),
        "IGRS_SMS_FILE": str(sms_file),
        "IGRS_SMS_RATE": "15",  # slow enough that the restarts come mid-queue
        "IGRS_WORKER_POLL_SECONDS": "0.2",
        "IGRS_SWEEP_EVERY_SECONDS": "1",
        "IGRS_SMS_BATCH": "5",
        "PYTHONPATH": str(ROOT / "src"),
    }
    subprocess.run([sys.executable, "-c", QUEUE, str(MESSAGES)], env=env, check=True, cwd=ROOT)
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "igrs.cli", "worker"], env=env, cwd=ROOT, stderr=out
        )
    try:
        wait_until(lambda: len(sent(sms_file)) >= 10, timeout=60, what="the first SMS")
        own_postgres.pg_ctl("restart", "-m", "fast")
        restarted = len(sent(sms_file))
        assert restarted < MESSAGES, "the restart should come while SMS are queued"
        wait_until(lambda: len(sent(sms_file)) > restarted + 10, timeout=60, what="SMS again")
        terminated = own_postgres.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = 'igrs' AND pid <> pg_backend_pid()"
        )
        assert terminated, "the worker's connections should have been there to terminate"
        after_restart = own_postgres.query("SELECT now()")[0][0]
        wait_until(lambda: len(sent(sms_file)) == MESSAGES, timeout=90, what="every SMS")
        wait_until(
            lambda: fresh_beats(own_postgres, after_restart) == {job.name for job in all_jobs()},
            timeout=30,
            what="every job's heartbeat after the restart",
        )
        assert worker.poll() is None, "the worker must survive, not exit"
    finally:
        worker.terminate()
        worker.wait(30)
    ids = sent(sms_file)
    assert len(ids) == len(set(ids)) == MESSAGES  # each once
    # A send whose recording the restart broke stays "sending" until its lease ends (then
    # the console gateway, which drops repeats, confirms it without writing it again).
    rows = own_postgres.query("SELECT id, status FROM notifications_outboxmessage")
    assert {status for _id, status in rows} <= {"sent", "sending"}
    assert {pk for pk, _status in rows} == set(ids)
    failed_runs = [line for line in log.read_text().splitlines() if "event=job_failed" in line]
    assert failed_runs, "the database went away: some runs must have failed and been retried"
    assert worker.returncode == 0  # stopped by SIGTERM, cleanly


def sent(sms_file: Path) -> list[int]:
    if not sms_file.exists():
        return []
    return [json.loads(line)["outbox_id"] for line in sms_file.read_text().splitlines()]


def fresh_beats(server: OwnPostgres, since) -> set[str]:
    rows = server.query(
        "SELECT job FROM ops_jobheartbeat WHERE beat_at > %s AND ok_at > %s", since, since
    )
    return {job for (job,) in rows}


# ---------------------------------------------------------------- one job's trouble


@pytest.mark.django_db(transaction=True)
def test_a_job_that_raises_or_hangs_does_not_stop_the_others():
    if connection.vendor == "sqlite":
        pytest.skip("the jobs' threads share one in-memory SQLite connection in tests")
    hanging = threading.Event()
    counted = []

    def broken() -> int:
        raise RuntimeError("a bug in one job")

    def hangs() -> int:
        hanging.wait(30)  # a webhook receiver that never answers
        return 0

    def counts() -> int:
        counted.append(1)
        return 0

    stopping = threading.Event()
    jobs = [Job("broken", broken, 0.01), Job("hangs", hangs, 0.01), Job("counts", counts, 0.01)]
    supervisor = threading.Thread(target=supervise, args=(jobs, stopping))
    supervisor.start()
    try:
        wait_until(lambda: len(counted) >= 5, what="the healthy job to keep running")
        wait_until(
            lambda: JobHeartbeat.objects.filter(job="broken", errors__gte=2).exists(),
            what="the broken job to be retried",
        )
    finally:
        stopping.set()
        hanging.set()
        supervisor.join(60)
    beats = {beat.job: beat for beat in JobHeartbeat.objects.all()}
    assert beats["counts"].errors == 0 and beats["counts"].runs >= 5
    assert beats["broken"].ok_at is None and beats["broken"].last_error == "RuntimeError"
    assert "hangs" not in beats or beats["hangs"].runs <= 1  # still in its first run
    assert beats["counts"].beat_at <= clock.now()
