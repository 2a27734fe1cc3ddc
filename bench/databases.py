"""Throw-away databases for one bench run, and running code against them in child processes.

PostgreSQL: a database <name>_<pid> on the server (host and port) of --pg-url, where <name> is
the URL's database name (igrs_bench for the maintenance database), dropped at the end.
SQLite: a file in the run's temporary directory. Both are migrated with `igrs migrate` and
seeded with `igrs seed --demo-accounts`, exactly as an installation would be.
"""

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
SETUP_TIMEOUT = 300  # seconds for migrate or seed


BENCH_KEY = secrets.token_urlsafe(50)


@dataclass(frozen=True)
class BenchDatabase:
    vendor: str  # "sqlite" or "postgresql", as Django's connection.vendor says
    url: str
    var_dir: Path

    @property
    def label(self) -> str:
        return "PostgreSQL" if self.vendor == "postgresql" else "SQLite"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a child process that uses this database."""
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "igrs.settings",
            "PYTHONPATH": path,
            "IGRS_DATABASE_URL": self.url,
            "IGRS_VAR_DIR": str(self.var_dir),
            "IGRS_LOG_LEVEL": "WARNING",
            # `igrs serve` refuses the built-in demo key with debug off.
            "IGRS_SECRET_KEY": os.environ.get("IGRS_SECRET_KEY") or BENCH_KEY,
            **extra,
        }


def run_igrs(db: BenchDatabase, *args: str, timeout: float = SETUP_TIMEOUT) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "igrs.cli", *args],
        env=db.env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise RuntimeError(f"igrs {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def run_part(db: BenchDatabase, part: str, timeout: float, **params: object) -> dict:
    """Run bench.parts PART in a child process on this database; it prints one JSON line."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.parts", part, json.dumps(params)],
        env=db.env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise RuntimeError(f"bench part {part} on {db.label} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def existing_database(url: str, var_dir: Path) -> BenchDatabase:
    """A PostgreSQL database made beforehand (e.g. by `igrs generate_history`), used as is."""
    return BenchDatabase("postgresql", url, var_dir)


@contextmanager
def bench_database(
    vendor: str, workdir: Path, pg_url: str, suffix: str = ""
) -> Iterator[BenchDatabase]:
    """A migrated and seeded database that is removed afterwards, even on failure."""
    var_dir = workdir / vendor
    var_dir.mkdir(parents=True, exist_ok=True)
    if vendor == "sqlite":
        db = BenchDatabase(vendor, f"sqlite:///{var_dir / 'bench.sqlite3'}", var_dir)
        _prepare(db)
        yield db  # the file goes with the temporary directory
        return
    name = f"{database_prefix(pg_url)}_{os.getpid()}{suffix}"
    _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(pg_url, f'CREATE DATABASE "{name}"')
    try:
        db = BenchDatabase(vendor, _with_database(pg_url, name), var_dir)
        _prepare(db)
        yield db
    finally:
        _drop(pg_url, name)


def _drop(pg_url: str, name: str, attempts: int = 10) -> None:
    """Drop the run's database, retrying while a shared server has no connection slot free
    (a failed run must not leave its database behind)."""
    import psycopg

    for attempt in range(attempts):
        try:
            _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except psycopg.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(3)


MAINTENANCE = "postgres"


def database_prefix(pg_url: str) -> str:
    """The name the URL gives (igrs_bench when it names the maintenance database or none):
    the run's databases are that name with the process id, so parallel runs on one server
    neither collide nor touch the named database itself."""
    name = urlparse(pg_url).path.lstrip("/")
    return name if name and name != MAINTENANCE else "igrs_bench"


def _with_database(pg_url: str, name: str) -> str:
    """The same server, port, user and options, another database."""
    return urlunparse(urlparse(pg_url)._replace(path=f"/{name}"))


def _prepare(db: BenchDatabase) -> None:
    run_igrs(db, "migrate", "--verbosity", "0")
    run_igrs(db, "seed", "--demo-accounts")


def _pg_admin(pg_url: str, sql: str) -> None:
    import psycopg

    # Through the maintenance database: the URL's own database need not exist.
    admin = _with_database(pg_url, MAINTENANCE)
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


def pg_reachable(pg_url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(_with_database(pg_url, MAINTENANCE), connect_timeout=5):
            return True
    except psycopg.Error:
        return False
