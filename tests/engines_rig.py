"""Real database engines on loopback for the scale-out tests: a PostgreSQL cluster made with
initdb in a temporary folder (and a streaming standby of it made with pg_basebackup -R), and
pgbouncer in transaction pooling mode. Each listens on a free port and is stopped and removed
by its context manager. As root, the engines run as the `postgres` user (neither runs as
root)."""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from bench.server import free_port

PGBOUNCER = "/usr/sbin/pgbouncer"


def postgres_bin() -> Path:
    """The newest installed server's programs (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    return Path(found[-1]).parent if found else Path("/nonexistent")


def _version(path: str) -> int:
    return int(Path(path).parts[-3])


def require(*paths: Path | str) -> None:
    """Skip without the programs, except under CI=true, where .ci/run installs them."""
    missing = [str(path) for path in paths if not os.path.exists(path)]
    if missing:
        reason = f"not installed: {', '.join(missing)} (apt-get install postgresql pgbouncer)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(as_postgres(command), check=True, capture_output=True, **kwargs)


def wait_for(check, timeout: float = 30.0, what: str = "condition"):
    """Poll an outside process until `check()` is truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def url(port: int, database: str = "postgres") -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{database}"


def accepts(port: int, database: str = "postgres") -> bool:
    try:
        with psycopg.connect(url(port, database), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


class Cluster:
    """One PostgreSQL server: its data folder, port, and pg_ctl."""

    def __init__(self, data: Path, port: int):
        self.data, self.port = data, port
        self.bin = postgres_bin()

    def start(self) -> None:
        log = self.data.parent / f"{self.data.name}.log"
        run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(log), "-w", "start"])
        wait_for(lambda: accepts(self.port), what=f"PostgreSQL on {self.port}")

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    @property
    def url(self) -> str:
        return url(self.port)


def _writable_folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    give_to_postgres(path)
    return path


@contextmanager
def engine_folder() -> Iterator[Path]:
    """A temporary folder the `postgres` user can reach (pytest's tmp_path is private to
    root), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="igrs-engines-"))
    try:
        yield _writable_folder(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def init_cluster(folder: Path, *, settings: str = "") -> Cluster:
    """A fresh primary on a free port, able to stream to standbys and archive its WAL."""
    require(postgres_bin() / "initdb")
    _writable_folder(folder)
    data = folder / "primary"
    run([str(postgres_bin() / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-N"])
    cluster = Cluster(data, free_port())
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"port = {cluster.port}\nlisten_addresses = '127.0.0.1'\n"
            "unix_socket_directories = ''\nwal_level = replica\nmax_wal_senders = 5\n"
            "fsync = off\nshared_buffers = 16MB\nmax_connections = 30\n" + settings
        )
    return cluster


def standby_of(primary: Cluster, folder: Path) -> Cluster:
    """A streaming replica made by pg_basebackup -R from a running primary."""
    data = folder / "standby"
    run(
        [
            str(primary.bin / "pg_basebackup"),
            "-d",
            primary.url,
            "-D",
            str(data),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",  # not a spread checkpoint: minutes on an idle server
            "--no-sync",
        ]
    )
    standby = Cluster(data, free_port())
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(f"port = {standby.port}\narchive_mode = off\n")
    return standby


@contextmanager
def running(*clusters: Cluster) -> Iterator[None]:
    try:
        for cluster in clusters:
            cluster.start()
        yield
    finally:
        for cluster in reversed(clusters):
            cluster.stop("immediate")


@contextmanager
def pgbouncer(folder: Path, upstream_port: int, pool_size: int = 4) -> Iterator[int]:
    """pgbouncer in transaction pooling mode in front of 127.0.0.1:upstream_port; yields
    its port. Few server connections for many clients, so clients really share them."""
    require(PGBOUNCER)
    _writable_folder(folder)
    port = free_port()
    users = folder / "users.txt"
    users.write_text('"postgres" ""\n')
    conf = folder / "pgbouncer.ini"
    conf.write_text(
        f"[databases]\n* = host=127.0.0.1 port={upstream_port}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n"
        f"unix_socket_dir =\nauth_type = trust\nauth_file = {users}\n"
        f"pool_mode = transaction\ndefault_pool_size = {pool_size}\n"
        f"max_client_conn = 200\nstats_users = postgres\nlogfile = {folder / 'pgbouncer.log'}\n"
        "ignore_startup_parameters = extra_float_digits\n"
    )
    for path in (users, conf):
        give_to_postgres(path)
    process = subprocess.Popen(
        as_postgres([PGBOUNCER, str(conf)]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(lambda: accepts(port), what=f"pgbouncer on {port}")
        yield port
    finally:
        process.terminate()
        process.wait(10)
