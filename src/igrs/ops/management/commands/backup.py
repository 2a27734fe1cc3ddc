from pathlib import Path

from django.core.management.base import BaseCommand

from igrs.ops import backups


class Command(BaseCommand):
    help = (
        "Back up the database into a folder: PostgreSQL a base backup (pg_basebackup; the "
        "server archives the WAL after it), SQLite a consistent copy (online backup API)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, type=Path, help="folder of backups")

    def handle(self, *args, **options):
        self.stdout.write(str(backups.backup(options["to"])))
