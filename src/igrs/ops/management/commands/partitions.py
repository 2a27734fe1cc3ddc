from django.conf import settings
from django.core.management.base import BaseCommand

from igrs.core import clock, partitions


class Command(BaseCommand):
    help = (
        "PostgreSQL: make the coming months' partitions of the timeline and the SMS outbox, "
        "and detach months older than IGRS_PARTITION_KEEP_MONTHS (then dump and drop them)."
    )

    def handle(self, *args, **options):
        done = partitions.maintain(
            clock.now(),
            ahead=settings.IGRS_PARTITION_MONTHS_AHEAD,
            keep_months=settings.IGRS_PARTITION_KEEP_MONTHS,
        )
        for name in done.created:
            self.stdout.write(f"created {name}")
        for name in done.detached:
            self.stdout.write(f"detached {name} (now a plain table: dump it, then drop it)")
