"""The operations drill (issue 19, section 5):
`python -m bench.drill [--registrations N] [--quick]`.

Brings up on loopback, in a temporary folder, the way the test rigs do: a PostgreSQL primary
(initdb on a free port) and a streaming standby of it (pg_basebackup -R), pgbouncer in
transaction mode in front of the primary, Kannel (bearerbox + smsbox) with its fake SMSC, two
`igrs serve` and two `igrs worker` processes (writes through pgbouncer, reads via the replica
URL). Then it registers N complaints over HTTP across both web servers, with verification
outcomes for some; mid-run it SIGKILLs one web server and one worker and starts them again, and
terminates every client connection on the primary (pg_terminate_backend). At the end it makes
some complaints overdue (their deadlines moved into the past in SQL) and lets the sweep of both
workers run, then prints what was acknowledged against what is in the database and what the
SMSC received. Target: 0 lost, 0 duplicates.

A request that failed because its server was killed (or answered 5xx) is sent again, to the
other server, with the same Idempotency-Key: so "acknowledged" means a 201, or the 200 a retry
gets when the first attempt had in fact been filed."""

import argparse
import asyncio
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import uvloop

from bench.databases import ROOT, BenchDatabase, run_igrs, run_part
from bench.day import Connection as KeepAlive
from bench.server import free_port
from tests import engines_rig as rig
from tests.sms_rig import GOT, Kannel

HOST = "127.0.0.1"
DATABASE = "igrs"
MOBILE_BASE = 7_100_000_000
CLIENTS = 16
VERIFY_EVERY = 10  # one verification call per this many registrations
# Words of the descriptions: each complaint's own mix, so that registration's search for the
# same problem at the same place (trigram similarity) finds few, as with real callers; one
# text for all would make every registration compare itself with every open complaint.
WORDS = [
    "नाली",
    "सड़क",
    "बिजली",
    "पानी",
    "राशन",
    "पेंशन",
    "खतौनी",
    "नक्शा",
    "चकबंदी",
    "अतिक्रमण",
    "हैंडपंप",
    "शौचालय",
    "आवास",
    "वृद्धावस्था",
    "छात्रवृत्ति",
    "प्रमाणपत्र",
    "दाखिल-खारिज",
    "पैमाइश",
    "तालाब",
    "खड़ंजा",
    "ट्रांसफार्मर",
    "मीटर",
    "बिल",
    "कोटेदार",
    "लेखपाल",
    "प्रधान",
    "सचिव",
    "थाना",
    "चौकी",
    "मुकदमा",
    "गवाही",
    "अस्पताल",
    "दवा",
    "टीका",
    "विद्यालय",
    "मिड-डे-मील",
]
REQUEST_TIMEOUT = 30.0
GIVE_UP_AFTER = 180.0  # seconds of retrying one registration
SETTLE_TIMEOUT = 300.0
SWEEP_SECONDS = 2.0
IN_FLIGHT = ("queued", "sending", "unconfirmed")
DLT = ("1107161234567890123", "1101600000000012345")  # the ids a deployment enters


@dataclass
class Tally:
    """What the clients saw."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # idempotency key -> reference
    created: int = 0  # 201s
    replayed: int = 0  # 200s: a retry found the first attempt filed
    retries: int = 0
    given_up: int = 0
    refused: collections.Counter = field(default_factory=collections.Counter)
    verified: collections.Counter = field(default_factory=collections.Counter)
    events: list[str] = field(default_factory=list)


class Connection(KeepAlive):
    """One keep-alive HTTP/1.1 connection to one server; a failure or a timeout answers
    status 0 (the server was killed: the caller retries on the other one)."""

    async def post(
        self, path: str, token: str, body: dict | None, headers: str = ""
    ) -> tuple[int, bytes]:
        try:
            return await asyncio.wait_for(super().post(path, token, body, headers), REQUEST_TIMEOUT)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
            self.close()
            return 0, b""


@dataclass
class Load:
    ports: list[int]
    agents: list[tuple[str, str]]  # (login, API token)
    category_id: int
    place_id: int
    registrations: int
    tally: Tally = field(default_factory=Tally)

    def jobs(self) -> Iterator[tuple[str, int]]:
        for n in range(self.registrations):
            yield "register", n
            if n % VERIFY_EVERY == VERIFY_EVERY - 1:
                yield "verify", n // VERIFY_EVERY


async def run_load(load: Load, on_progress: Callable[[int], None]) -> None:
    jobs = load.jobs()
    await asyncio.gather(
        *(_client(load, token, jobs, on_progress) for _login, token in load.agents)
    )


async def _client(load: Load, token: str, jobs, on_progress: Callable[[int], None]) -> None:
    connections = [Connection(port) for port in load.ports]
    for kind, n in jobs:  # shared: each job is done once, by whichever client is free
        if kind == "register":
            await _register(load, connections, token, n)
            on_progress(len(load.tally.acknowledged))
        else:
            await _verify(load, connections, token, n)
    for connection in connections:
        connection.close()


async def _sent(
    connections: list[Connection],
    first: int,
    tally: Tally,
    path: str,
    token: str,
    body: dict,
    headers: str = "",
) -> tuple[int, bytes, bool]:
    """POST until a server answers below 500: a failed or 5xx attempt goes again, to the
    other server, with the same body and headers. Returns the answer and whether it was a
    retry; status 0 when it gave up."""
    deadline, attempt = time.monotonic() + GIVE_UP_AFTER, first
    while time.monotonic() < deadline:
        status, answer = await connections[attempt % 2].post(path, token, body, headers)
        if 0 < status < 500:
            return status, answer, attempt != first
        tally.retries += 1
        attempt += 1
        await asyncio.sleep(0.2)
    return 0, b"", True


async def _register(load: Load, connections: list[Connection], token: str, n: int) -> None:
    """Until acknowledged, with one Idempotency-Key for every attempt."""
    key, tally = str(uuid.uuid4()), load.tally
    body = {
        "source": "helpline",
        "complainant_name": "राम प्रसाद",
        "mobile": f"{MOBILE_BASE + n:010d}",
        "category_id": load.category_id,
        "place_id": load.place_id,
        "description": description(n),
    }
    headers = f"Idempotency-Key: {key}\r\n"
    status, answer, _retried = await _sent(
        connections, n, tally, "/api/v1/complaints", token, body, headers
    )
    if status in (200, 201):
        tally.acknowledged[key] = json.loads(answer)["reference"]
        tally.created += status == 201
        tally.replayed += status == 200
    elif status:
        tally.refused[status] += 1
    else:
        tally.given_up += 1


async def _verify(load: Load, connections: list[Connection], token: str, n: int) -> None:
    """The next verification call and its outcome: mostly satisfied, some not (escalated).
    An outcome retried after a failure may find its first attempt recorded (409: the
    complaint's version moved on)."""
    tally = load.tally
    status, answer, _ = await _sent(connections, n, tally, "/api/v1/verification/next", token, {})
    if status != 200:
        tally.verified["nothing due" if status == 204 else f"next: {status}"] += 1
        return
    found = json.loads(answer)
    outcome = "satisfied" if n % 5 else "not_satisfied"
    verdict = {
        "outcome": outcome,
        "note": "" if outcome == "satisfied" else "अभी भी समस्या है",
        "version": found["version"],
    }
    path = f"/api/v1/complaints/{found['reference']}/verification"
    status, _answer, retried = await _sent(connections, n, tally, path, token, verdict)
    if status == 200:
        tally.verified[outcome] += 1
    elif status == 409 and retried:
        tally.verified[f"{outcome} (409 on a retry: recorded before)"] += 1
    else:
        tally.verified[f"outcome: {status}"] += 1


def description(n: int) -> str:
    """Seven words picked by n (the same n, the same text: a retry sends the same body)."""
    picked = [
        WORDS[(n * prime + k) % len(WORDS)] for k, prime in enumerate((7, 11, 13, 17, 19, 23, 29))
    ]
    return " ".join(picked) + f" की समस्या, क्रमांक {n}।"


# ------------------------------------------------------------------------------ processes


class Igrs:
    """`igrs serve` or `igrs worker` in its own session, so SIGKILL to the group ends it all."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, port: int = 0):
        self.args, self.env, self.log, self.port = args, env, log, port
        self.process: subprocess.Popen | None = None

    def start(self) -> "Igrs":
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "igrs.cli", *self.args],
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        if self.port:
            rig.wait_for(self._answers, timeout=90, what=f"igrs serve on {self.port}")
        return self

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.args[0]} exited; see {self.log}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{self.port}/healthz", timeout=2):
                return True
        except OSError:
            return False

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def web(env: dict[str, str], folder: Path, name: str, port: int) -> Igrs:
    return Igrs(["serve", "--bind", f"{HOST}:{port}"], env, folder / f"{name}.log", port)


def worker(env: dict[str, str], folder: Path, name: str) -> Igrs:
    return Igrs(["worker"], env, folder / f"{name}.log")


# ------------------------------------------------------------------------------ the database


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as c:
        cursor = c.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def terminate_primary_connections(primary: str) -> int:
    rows = sql(
        primary,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
    )
    return rows[0][0]


def outbox_in_flight(primary: str) -> int:
    query = "SELECT count(*) FROM notifications_outboxmessage WHERE status = ANY(%s)"
    return sql(primary, query, (list(IN_FLIGHT),))[0][0]


def make_overdue(primary: str, references: list[str]) -> list[int]:
    """Move these complaints' deadlines an hour into the past, as time passing would."""
    rows = sql(
        primary,
        # escalate_at is generated from due_at (NULL once defaulted).
        "UPDATE grievances_complaint SET due_at = now() - interval '1 hour' "
        "WHERE reference = ANY(%s) AND escalate_at IS NOT NULL AND NOT defaulted RETURNING id",
        (references,),
    )
    return [pk for (pk,) in rows]


def escalations(primary: str, ids: list[int]) -> collections.Counter:
    """How many complaints were escalated (or marked defaulter at the top) once, twice, …"""
    rows = sql(
        primary,
        "SELECT complaint_id, count(*) FROM grievances_event WHERE complaint_id = ANY(%s) "
        "AND action IN ('escalate', 'mark_defaulter') GROUP BY complaint_id",
        (ids,),
    )
    times = collections.Counter(count for _pk, count in rows)
    times[0] = len(ids) - len(rows)
    return times


def still_overdue(primary: str, ids: list[int]) -> int:
    query = "SELECT count(*) FROM grievances_complaint WHERE id = ANY(%s) AND escalate_at <= now()"
    return sql(primary, query, (ids,))[0][0]


def replica_lag(primary: str) -> tuple[int, str]:
    rows = sql(
        primary,
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, "
        "coalesce(replay_lag::text, '0') FROM pg_stat_replication",
    )
    return rows[0] if rows else (-1, "no standby streaming")


# ------------------------------------------------------------------------------ the drill


@dataclass
class Rig:
    folder: Path
    primary: str  # direct URL of the drill database on the primary
    standby: str
    kannel: Kannel
    env: dict[str, str]
    webs: list[Igrs]
    workers: list[Igrs]


@contextmanager
def engines(folder: Path) -> Iterator[Rig]:
    with ExitStack() as stack:
        primary = rig.init_cluster(folder, settings="max_connections = 60\n")
        stack.enter_context(rig.running(primary))
        sql(primary.url, f"CREATE DATABASE {DATABASE}")
        standby = rig.standby_of(primary, folder)
        stack.enter_context(rig.running(standby))
        bouncer = stack.enter_context(rig.pgbouncer(folder / "pgbouncer", primary.port, 12))
        direct = BenchDatabase("postgresql", rig.url(primary.port, DATABASE), folder / "var")
        direct.var_dir.mkdir()
        run_igrs(direct, "migrate", "--verbosity", "0")
        run_igrs(direct, "seed", "--demo-accounts")
        sql(
            direct.url,
            # The DLT ids a deployment enters; no quiet hours, so every SMS goes in the run.
            "UPDATE notifications_smstemplate SET dlt_template_id=%s, entity_id=%s, "
            "quiet_from = NULL, quiet_until = NULL",
            DLT,
        )
        (folder / "kannel").mkdir()
        kannel = Kannel(folder / "kannel").start()
        stack.callback(kannel.stop)
        dlr_port = free_port()  # the second web server's: it is never killed
        pooled = BenchDatabase("postgresql", rig.url(bouncer, DATABASE), direct.var_dir)
        env = pooled.env(
            **{name: str(value) for name, value in kannel.settings().items()},
            IGRS_DATABASE_POOLER="pgbouncer",
            IGRS_REPLICA_URL=rig.url(standby.port, DATABASE),
            IGRS_REPLICA_POOLER="",
            IGRS_WEB_WORKERS="1",
            IGRS_WEB_THREADS="4",
            IGRS_ACCESS_LOG="0",
            IGRS_SMS_DLR_BASE=f"http://{HOST}:{dlr_port}",
            IGRS_SMS_RATE="0",
            IGRS_SMS_BATCH="50",
            IGRS_SMS_CONFIRM_SECONDS="20",
            IGRS_WORKER_POLL_SECONDS="0.2",
            IGRS_SWEEP_EVERY_SECONDS=str(SWEEP_SECONDS),
        )
        webs = [web(env, folder, "web-a", free_port()), web(env, folder, "web-b", dlr_port)]
        workers = [worker(env, folder, "worker-a"), worker(env, folder, "worker-b")]
        for process in (*webs, *workers):
            process.start()
            stack.callback(process.kill, signal.SIGTERM)
        yield Rig(folder, direct.url, rig.url(standby.port, DATABASE), kannel, env, webs, workers)


def drill(registrations: int, folder: Path) -> dict:
    verifications = registrations // VERIFY_EVERY
    with engines(folder) as r:
        direct = BenchDatabase("postgresql", r.primary, folder / "var")
        cast = run_part(direct, "prepare_day", 300, agents=CLIENTS, awaiting=verifications)
        load = Load(
            [w.port for w in r.webs],
            [tuple(agent) for agent in cast["agents"]],
            cast["category_id"],
            cast["place_id"],
            registrations,
        )
        faults = Faults(r, load.tally, registrations)
        started = time.perf_counter()
        asyncio.run(run_load(load, faults.on_progress), loop_factory=uvloop.new_event_loop)
        faults.finish()
        load_seconds = time.perf_counter() - started
        settle_outbox(r)
        references = list(load.tally.acknowledged.values())
        overdue = make_overdue(r.primary, references[:: max(1, len(references) // 200)])
        rig.wait_for(lambda: not still_overdue(r.primary, overdue), 180, "the sweep")
        time.sleep(3 * SWEEP_SECONDS)  # more sweeps by both workers: none may act twice
        settle_outbox(r)
        return report(r, load, overdue, load_seconds)


class Faults:
    """The mid-run faults, set off by progress: at a third of the acknowledged registrations
    web server A and worker A are SIGKILLed and started again; at half, every client
    connection on the primary is terminated."""

    def __init__(self, r: Rig, tally: Tally, registrations: int):
        self.r, self.tally = r, tally
        self.kill_at, self.terminate_at = registrations // 3, registrations // 2
        self.restart: threading.Thread | None = None

    def on_progress(self, done: int) -> None:
        if done >= self.kill_at and self.restart is None:
            self.r.webs[0].kill()
            self.r.workers[0].kill()
            self.tally.events.append(f"SIGKILL web A and worker A at {done} acknowledged")
            self.restart = threading.Thread(target=self._restart)
            self.restart.start()
        if done >= self.terminate_at and self.terminate_at:
            ended = terminate_primary_connections(self.r.primary)
            self.tally.events.append(f"pg_terminate_backend: {ended} connections at {done}")
            self.terminate_at = 0

    def _restart(self) -> None:
        self.r.webs[0].start()
        self.r.workers[0].start()
        self.tally.events.append("web A and worker A started again")

    def finish(self) -> None:
        if self.restart is not None:
            self.restart.join()


def settle_outbox(r: Rig) -> None:
    """Until no SMS is queued, being sent or in doubt (a dead worker's, settled by Kannel's
    reports or, with none, queued again after the confirmation wait)."""
    rig.wait_for(lambda: not outbox_in_flight(r.primary), SETTLE_TIMEOUT, "the SMS outbox")
    sent = sum(parts_sent(r.primary).values())
    rig.wait_for(
        lambda: sum(parts_at_smsc(r.kannel).values()) >= sent, 60, "the SMSC to get every part"
    )


def parts_sent(primary: str) -> collections.Counter:
    """SMS parts the gateway accepted, per mobile as the SMSC sees it (no '+')."""
    rows = sql(
        primary,
        "SELECT mobile, sum(parts) FROM notifications_outboxmessage "
        "WHERE status IN ('sent', 'delivered') GROUP BY mobile",
    )
    return collections.Counter({mobile.lstrip("+"): int(parts) for mobile, parts in rows})


def parts_at_smsc(kannel: Kannel) -> collections.Counter:
    """SMS parts the fake SMSC logged, per mobile. Counted in parts: one officer gets hundreds
    of three-part Hindi messages, and their one-byte concatenation references repeat, so
    joining the parts again can mix two messages (tests/sms_rig.py joins them for tests that
    send a few)."""
    log = kannel.fake_log.read_text(errors="replace") if kannel.fake_log.exists() else ""
    found = (GOT.search(line) for line in log.splitlines())
    return collections.Counter(match.group(2) for match in found if match)


def report(r: Rig, load: Load, overdue: list[int], load_seconds: float) -> dict:
    tally = load.tally
    acked = set(tally.acknowledged.values())
    mobiles = [f"{MOBILE_BASE + n:010d}" for n in range(load.registrations)]
    rows = sql(
        r.primary,
        "SELECT reference FROM grievances_complaint WHERE right(mobile, 10) = ANY(%s)",
        (mobiles,),
    )
    stored = [ref for (ref,) in rows]
    per_mobile = sql(
        r.primary,
        "SELECT count(*) - count(DISTINCT right(mobile, 10)) FROM grievances_complaint "
        "WHERE right(mobile, 10) = ANY(%s)",
        (mobiles,),
    )[0][0]
    outbox = dict(
        sql(r.primary, "SELECT status, count(*) FROM notifications_outboxmessage GROUP BY 1")
    )
    expected, received = parts_sent(r.primary), parts_at_smsc(r.kannel)
    whole = collections.Counter((m["to"], m["text"]) for m in r.kannel.received())
    times = escalations(r.primary, overdue)
    lag_bytes, lag_time = replica_lag(r.primary)
    on_replica = sql(
        r.standby,
        "SELECT count(*) FROM grievances_complaint WHERE reference = ANY(%s)",
        (list(acked),),
    )[0][0]
    return {
        "registrations asked": load.registrations,
        "acknowledged complaints (201, or 200 on a retry)": len(acked),
        "of which 201 / 200 on retry": f"{tally.created} / {tally.replayed}",
        "attempts retried (server killed, 5xx)": tally.retries,
        "given up / refused (4xx)": f"{tally.given_up} / {sum(tally.refused.values())}",
        "complaints in the database": len(stored),
        "acknowledged but missing": len(acked - set(stored)),
        "complaints filed twice (same mobile)": per_mobile,
        "verification outcomes": ", ".join(f"{k} {v}" for k, v in sorted(tally.verified.items())),
        "SMS queued (outbox rows)": sum(outbox.values()),
        "SMS outbox by status": ", ".join(f"{k} {v}" for k, v in sorted(outbox.items())),
        "SMS parts sent (accepted by Kannel) / received by the SMSC": f"{sum(expected.values())}"
        f" / {sum(received.values())}",
        "SMS parts lost (per mobile: sent, not received)": sum((expected - received).values()),
        "SMS parts duplicated (per mobile: received, not sent)": sum(
            (received - expected).values()
        ),
        "whole SMS received twice (same mobile, same text)": sum(
            n - 1 for n in whole.values() if n > 1
        ),
        "overdue complaints made": len(overdue),
        "escalated once / twice / not at all": f"{times[1]} / "
        f"{sum(v for k, v in times.items() if k > 1)} / {times[0]}",
        "replica lag at the end (bytes, replay_lag)": f"{lag_bytes}, {lag_time}",
        "acknowledged complaints on the replica": on_replica,
        "load wall time (s)": round(load_seconds, 1),
        "faults": "; ".join(tally.events),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.drill", description=__doc__)
    parser.add_argument("--registrations", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="2,000 registrations")
    args = parser.parse_args()
    registrations = 2_000 if args.quick else args.registrations
    # Stopped, it still stops and removes everything it started (the ExitStack unwinds).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with rig.engine_folder() as folder:
        results = drill(registrations, folder)
    print("SMS gateway: Kannel (bearerbox + smsbox, HTTP sendsms) with its fake SMSC\n")
    print("| What | Count |\n| --- | --- |")
    for name, value in results.items():
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
