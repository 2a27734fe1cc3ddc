import os
import signal
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from igrs.ops.testrun import DEFAULT_PG

# The suite lives beside src/ in the source tree (bench/), not in the installed package.
# A developer tool: its text is English only and stays out of the translators' catalogue.
SOURCE_ROOT = Path(__file__).resolve().parents[5]


class Command(BaseCommand):
    help = (
        "Run the benchmark suite (bench/): registration, HTTP API and escalation sweep, "
        "on throw-away databases. Writes bench/results.md."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
        parser.add_argument(
            "--quick", action="store_true", help="Smaller sizes: about a minute instead of several."
        )
        parser.add_argument(
            "--profile",
            action="store_true",
            help="Also profile in-process HTTP registrations (cProfile).",
        )
        parser.add_argument(
            "--only",
            default="",
            help="Comma-separated sections: registration, http, sweep, day, "
            "sms, dashboard "
            "(default all; a partial run does not rewrite results.md).",
        )
        parser.add_argument(
            "--history-url",
            default=os.environ.get("IGRS_BENCH_HISTORY_URL", ""),
            help="Time the dashboard on this existing database (made by "
            "`igrs generate_history`) instead of generating one.",
        )
        parser.add_argument(
            "--pg-url",
            default=os.environ.get("IGRS_BENCH_POSTGRES_URL", DEFAULT_PG),
            help="Maintenance database of the PostgreSQL server to use.",
        )

    def handle(self, *args, **options):
        if not (SOURCE_ROOT / "bench" / "runner.py").exists():
            raise CommandError(
                f"bench/ is not beside {SOURCE_ROOT / 'src'}; run from a source checkout."
            )
        sys.path.insert(0, str(SOURCE_ROOT))
        from bench.databases import pg_reachable
        from bench.runner import SECTIONS, run

        vendors = {
            "sqlite": ["sqlite"],
            "postgres": ["postgresql"],
            "both": ["sqlite", "postgresql"],
        }[options["db"]]
        if "postgresql" in vendors and not pg_reachable(options["pg_url"]):
            raise CommandError(f"PostgreSQL is not reachable at {options['pg_url']}.")
        # A TERM must unwind like Ctrl+C so that servers stop and the database is dropped.
        signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))

        def say(text: str) -> None:
            self.stderr.write(text)
            self.stderr.flush()

        sections = tuple(options["only"].split(",")) if options["only"] else SECTIONS
        if unknown := set(sections) - set(SECTIONS):
            raise CommandError(f"Unknown sections: {', '.join(sorted(unknown))}.")
        self.stdout.write(
            run(
                vendors,
                options["quick"],
                options["pg_url"],
                options["profile"],
                say,
                sections,
                options["history_url"],
            )
        )
