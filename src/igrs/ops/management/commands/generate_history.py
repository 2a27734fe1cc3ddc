import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from igrs.ops.management.commands.bench import SOURCE_ROOT

# A developer tool like `igrs bench`: English only, out of the translators' catalogue.


class Command(BaseCommand):
    help = (
        "Fill an empty, seeded PostgreSQL database with a state's history for the "
        "dashboard benchmark: N complaints with their timelines (COPY), then the "
        "monitoring summaries as the worker would have left them. See bench/README.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--complaints", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--years",
            type=float,
            default=4.0,
            help="Registrations spread over this many years up to now.",
        )
        parser.add_argument("--jobs", type=int, default=2, help="Loading processes.")
        parser.add_argument(
            "--summaries",
            choices=["sql", "rollup"],
            default="sql",
            help="Set-based SQL (default), or the worker's own roll-up (slow: for small N).",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_history needs PostgreSQL (it loads with COPY); set "
                "IGRS_DATABASE_URL to a fresh, seeded PostgreSQL database."
            )
        sys.path.insert(0, str(SOURCE_ROOT))
        from bench import history

        def say(text: str) -> None:
            self.stderr.write(text)
            self.stderr.flush()

        started = time.perf_counter()
        try:
            timings = history.generate(
                options["complaints"], options["seed"], options["years"], options["jobs"], say
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        say("summaries:")
        if options["summaries"] == "sql":
            timings["summaries"] = history.summaries(say)
        else:
            from igrs.monitoring.services import roll_up

            step = time.perf_counter()
            while roll_up():
                pass
            timings["summaries"] = time.perf_counter() - step
        events = timings.pop("events")
        self.stdout.write(
            f"{options['complaints']:,} complaints, {events:,.0f} events in "
            f"{time.perf_counter() - started:.0f} s ("
            + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
            + ")"
        )
        for name, rows, size in history.sizes():
            self.stdout.write(f"  {name}: {rows:,} rows, {size}" if rows else f"  {name}: {size}")
