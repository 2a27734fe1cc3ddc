import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from igrs.ops import backups


class Command(BaseCommand):
    help = (
        "Restore a backup. PostgreSQL: a data folder that replays the WAL archive up to "
        "--target-time when PostgreSQL starts on it. SQLite: a backup file to a new file."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="source",
            required=True,
            type=Path,
            help="the backups folder (PostgreSQL) or a backup file (SQLite)",
        )
        parser.add_argument(
            "--into",
            required=True,
            type=Path,
            help="a fresh data folder (PostgreSQL) or a new file (SQLite)",
        )
        parser.add_argument("--wal-archive", type=Path, help="PostgreSQL: the WAL archive")
        parser.add_argument(
            "--target-time",
            type=dt.datetime.fromisoformat,
            help="PostgreSQL: ISO time with offset, e.g. 2026-12-06T10:15:00+05:30",
        )

    def handle(self, *args, **options):
        if connection.vendor == "sqlite":
            backups.restore_sqlite(options["source"], options["into"])
            self.stdout.write(f"restored {options['source']} to {options['into']}")
            return
        target = options["target_time"]
        if options["wal_archive"] is None or target is None or target.tzinfo is None:
            raise CommandError("PostgreSQL needs --wal-archive and --target-time with an offset")
        base = backups.restore_postgres(
            options["source"], options["wal_archive"], target, options["into"]
        )
        self.stdout.write(
            f"laid {base.name} into {options['into']}; start PostgreSQL on it to replay "
            f"to {target.isoformat()}"
        )
