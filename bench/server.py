"""`igrs serve` (granian) on a loopback port for one bench configuration, and its workers'
memory. The server runs in its own session so that stopping it ends every worker."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench.databases import BenchDatabase

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class Server:
    pid: int
    port: int

    def worker_peak_rss_mb(self) -> list[float]:
        """Each worker's peak resident memory so far (VmHWM), in MB."""
        return sorted(peak_rss_mb(pid) for pid in self.workers())

    def workers(self) -> list[int]:
        return _children(self.pid)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextmanager
def serve(
    db: BenchDatabase, workers: int, threads: int, log: Path, **extra_env: str
) -> Iterator[Server]:
    port = free_port()
    env = db.env(
        IGRS_WEB_WORKERS=str(workers),
        IGRS_WEB_THREADS=str(threads),
        IGRS_ACCESS_LOG="0",
        **extra_env,
    )
    proc = _igrs(["serve", "--bind", f"{HOST}:{port}"], env, log)
    try:
        _wait_ready(proc, port, workers)
        yield Server(proc.pid, port)
    finally:
        _stop(proc)


@contextmanager
def background_worker(db: BenchDatabase, log: Path) -> Iterator[int]:
    """`igrs worker` beside the server, as deployed: it sends the SMS the requests queue (to
    the console gateway's file, unthrottled), places clusters, sweeps and rolls up. Yields
    its pid, for its CPU and memory."""
    proc = _igrs(["worker"], db.env(IGRS_SMS_RATE="0"), log)
    try:
        yield proc.pid
    finally:
        _stop(proc)


def _igrs(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """An `igrs` command in its own session (stopping it ends its children), output to log."""
    with log.open("ab") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "igrs.cli", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=errors,
            stderr=errors,
            start_new_session=True,
        )


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident memory so far (VmHWM), in MB."""
    return _status_kb(pid, "VmHWM") / 1024


def _wait_ready(proc: subprocess.Popen, port: int, workers: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the web server exited with {proc.returncode}; see its log")
        if len(_children(proc.pid)) >= workers and _answers(port):
            return
        time.sleep(0.2)
    raise TimeoutError(f"the web server did not answer within {START_TIMEOUT:.0f} s")


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", "/api/v1/complaints/0")
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM lets the server stop its workers; SIGKILL to the group ends whatever is left."""
    with suppress(ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=STOP_TIMEOUT)
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=STOP_TIMEOUT)


def _children(parent: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name may contain spaces; the fields after its ')' are fixed.
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                kids.append(int(entry.name))
    return kids


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
