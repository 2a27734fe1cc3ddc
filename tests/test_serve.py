"""`igrs serve`, the web server a deployment runs (granian over the WSGI application): it
answers the portal and the API on one kept-alive connection and stops on SIGTERM. `igrs
serve` and `igrs demo` refuse a busy port at once; stopping the demo stops everything it
started."""

import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.server import free_port

START_SECONDS = 60


def test_igrs_serve_answers_the_portal_and_the_api_then_stops(tmp_path):
    env = {
        **os.environ,
        "IGRS_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "IGRS_WEB_WORKERS": "1",
        "IGRS_WEB_THREADS": "2",
        "IGRS_ACCESS_LOG": "0",
    }
    env.pop("IGRS_PUBLIC_URL", None)
    subprocess.run([sys.executable, "-m", "igrs.cli", "migrate", "-v0"], env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "igrs.cli", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        start_new_session=True,
    )
    try:
        connection = _connect(port)
        connection.request("GET", "/api/v1/complaints/0")
        refused = connection.getresponse()
        assert refused.status == 401
        assert json.loads(refused.read())["code"] == "not_authenticated"
        connection.request("GET", "/")  # the same connection: kept alive
        portal = connection.getresponse()
        page = portal.read().decode()
        assert portal.status == 200 and "शिकायत" in page
        # Links in the SMS its requests queue point at the port it serves.
        assert _environment(server.pid)["IGRS_PUBLIC_URL"] == f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        assert server.wait(timeout=30) is not None


def _connect(port: int) -> http.client.HTTPConnection:
    deadline = time.monotonic() + START_SECONDS
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.connect()
            return connection
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# ---------------------------------------------------------------- a busy port, and stopping

# The demo runs on its own SQLite whatever the suite's database: once per suite run is enough.
ON_SQLITE_PASS = pytest.mark.skipif(
    os.environ.get("IGRS_DATABASE_URL", "").startswith("postgres"),
    reason="the demo's processes use their own SQLite; tested in the SQLite pass",
)


@ON_SQLITE_PASS
def test_serve_and_demo_refuse_a_busy_port_in_one_line_and_prepare_nothing(tmp_path):
    env = _demo_env(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        for command in ("serve", "demo"):
            done = subprocess.run(
                [sys.executable, "-m", "igrs.cli", command, "--bind", f"127.0.0.1:{port}"],
                env=env,
                capture_output=True,
                text=True,
                timeout=START_SECONDS,
            )
            assert done.returncode != 0
            message = done.stderr.strip()
            assert "\n" not in message and f"127.0.0.1:{port}" in message
            assert "--bind 127.0.0.1:" in message  # what to do instead
    assert _tables(tmp_path / "igrs.sqlite3") == []  # refused before migrating


@ON_SQLITE_PASS
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_stopping_the_demo_stops_the_server_its_workers_and_the_worker(demo_var, tmp_path, stop):
    shutil.copytree(demo_var, tmp_path, dirs_exist_ok=True)
    port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "igrs.cli", "demo", "--bind", f"127.0.0.1:{port}", "--history", "0"],
        env=_demo_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_page(port, demo)
        family = _descendants(demo.pid)
        commands = [_command(pid) for pid in family]
        assert sum("granian" in c for c in commands) >= 3  # the server and its two workers
        assert sum("igrs.cli worker" in c for c in commands) == 1
        for pid in family:  # the SMS links point at the demo's own port
            assert _environment(pid)["IGRS_PUBLIC_URL"] == f"http://127.0.0.1:{port}"
        demo.send_signal(stop)
        output, _ = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 0, output
    assert [pid for pid in family if _alive(pid, family[pid])] == []


@pytest.fixture(scope="module")
def demo_var(tmp_path_factory):
    """A demo state directory migrated and seeded once, copied for each run."""
    var = tmp_path_factory.mktemp("demo-var")
    subprocess.run(
        [sys.executable, "-m", "igrs.cli", "demo", "--no-serve", "--history", "0"],
        env=_demo_env(var),
        check=True,
        capture_output=True,
    )
    return var


def _demo_env(var) -> dict[str, str]:
    """The demo's own SQLite under `var`, whatever database the suite runs on."""
    env = {k: v for k, v in os.environ.items() if k not in ("IGRS_DATABASE_URL", "IGRS_PUBLIC_URL")}
    return {**env, "IGRS_VAR_DIR": str(var), "IGRS_WEB_WORKERS": "2", "IGRS_ACCESS_LOG": "0"}


def _wait_for_page(port: int, demo: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert demo.poll() is None, demo.stdout.read()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError("the demo did not answer")


def _tables(database: Path) -> list[str]:
    if not database.exists():
        return []
    with sqlite3.connect(database) as db:
        return [name for (name,) in db.execute("SELECT name FROM sqlite_master")]


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat's fields after the command name (which may contain spaces)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _descendants(root: int) -> dict[int, str]:
    """Every process below `root`, with its start time (so a reused pid is not mistaken)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            parents[int(entry.name)] = (int(fields[1]), fields[19])
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, started) in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = started
                frontier.append(pid)
    return found


def _alive(pid: int, started: str) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[19] == started and fields[0] != "Z"


def _command(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _environment(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode().split("=", 1) for p in pairs if b"=" in p)
