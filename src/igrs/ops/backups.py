"""Backups and restores with the databases' own tools, never a home-made copy.

PostgreSQL: `backup` takes a base backup with pg_basebackup (plain files with the WAL needed
to make them consistent); the server archives every later WAL segment itself
(`archive_command`, docs/deployment.md). `restore` lays the newest base backup taken before
the target time into a fresh data folder and sets it to replay the archive up to that time,
then promote: start PostgreSQL on the folder and it comes up as of that moment.

SQLite: `backup` copies the live database with SQLite's online backup API (a consistent copy
while the application writes); `restore` copies a backup to a new database file. SQLite
keeps no archive of its changes, so it restores to the moment of a backup, not any moment.
"""

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections

STAMP = "%Y%m%dT%H%M%S%z"
BASE_PREFIX = "base-"


def _database() -> dict[str, Any]:
    return connections["default"].settings_dict


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime(STAMP)


def backup(folder: Path) -> Path:
    """A consistent copy of the database in `folder`, named by the (real) time it was
    complete, which is the earliest moment it can be restored to; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    db = _database()
    sqlite = db["ENGINE"] == "django.db.backends.sqlite3"
    partial = folder / f"in-progress-{os.getpid()}"
    if sqlite:
        _sqlite_backup(Path(db["NAME"]), partial)
    else:
        _base_backup(db, partial)
    stamp = _stamp(dt.datetime.now(dt.UTC))
    return partial.rename(folder / (f"igrs-{stamp}.sqlite3" if sqlite else BASE_PREFIX + stamp))


def _sqlite_backup(source: Path, target: Path) -> Path:
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    return target


def _libpq_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PGHOST=db.get("HOST") or "127.0.0.1",
        PGPORT=str(db.get("PORT") or 5432),
        PGUSER=db.get("USER") or "postgres",
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _base_backup(db: dict[str, Any], target: Path) -> Path:
    subprocess.run(
        [
            "pg_basebackup",
            "--pgdata",
            str(target),
            "--wal-method=stream",  # the copy is consistent on its own, archive or not
            "--checkpoint=fast",
            "--label",
            f"igrs {target.name}",
        ],
        env=_libpq_env(db),
        check=True,
        capture_output=True,
    )
    return target


def restore_postgres(backups: Path, archive: Path, target_time: dt.datetime, data: Path) -> Path:
    """A data folder at `data` that, when PostgreSQL starts on it, replays the WAL archive up
    to `target_time` and opens for writes. Uses the newest base backup older than that."""
    if data.exists() and any(data.iterdir()):
        raise FileExistsError(f"{data} is not empty: restore into a fresh folder")
    base = _newest_base_before(backups, target_time)
    shutil.copytree(base, data, dirs_exist_ok=True)
    (data / "recovery.signal").touch()
    (data / "standby.signal").unlink(missing_ok=True)
    with (data / "postgresql.auto.conf").open("a") as conf:
        conf.write(
            "\n# igrs restore: replay the archive to a point in time, then open\n"
            f'restore_command = \'cp "{archive}/%f" "%p"\'\n'
            f"recovery_target_time = '{target_time.isoformat()}'\n"
            "recovery_target_action = 'promote'\n"
            "archive_mode = 'off'\n"  # until someone points it at a new archive
        )
    data.chmod(0o700)
    return base


def _newest_base_before(backups: Path, moment: dt.datetime) -> Path:
    taken = [
        (dt.datetime.strptime(path.name.removeprefix(BASE_PREFIX), STAMP), path)
        for path in backups.glob(f"{BASE_PREFIX}*")
        if path.is_dir()
    ]
    older = [(when, path) for when, path in taken if when <= moment]
    if not older:
        raise FileNotFoundError(f"no base backup in {backups} taken before {moment.isoformat()}")
    return max(older)[1]


def restore_sqlite(backup_file: Path, target: Path) -> None:
    """The backup copied (again through the backup API) to a new database file."""
    if target.exists():
        raise FileExistsError(f"{target} exists: restore into a new file")
    _sqlite_backup(backup_file, target)
