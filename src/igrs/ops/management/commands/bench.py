import os
import signal
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from igrs.ops.testrun import DEFAULT_PG

# The suite lives beside src/ in the source tree (bench/), not in the installed package.
# A developer tool: its text is English only and stays out of the translators' catalogue.
SOURCE_ROOT = Path(__file__).resolve().parents[5]


def _postgres_url() -> str:
    url = os.environ.get("IGRS_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_PG


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
            nargs="?",
            const="registration",
            default="",
            metavar="SECTIONS",
            help="Also show where a request's time goes, by layer (cProfile, in process): "
            "registration (the default), lookup, tracker, comma-separated.",
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
            default=os.environ.get("IGRS_BENCH_POSTGRES_URL") or _postgres_url(),
            help="PostgreSQL server (host, port, user) and the name its throw-away "
            "databases start with (<name>_<pid>; igrs_bench when the URL names the "
            "maintenance database). Default: IGRS_BENCH_POSTGRES_URL, else "
            "IGRS_DATABASE_URL when it is PostgreSQL.",
        )

    def handle(self, *args, **options):
        if not (SOURCE_ROOT / "bench" / "runner.py").exists():
            raise CommandError(
                f"bench/ is not beside {SOURCE_ROOT / 'src'}; run from a source checkout."
            )
        sys.path.insert(0, str(SOURCE_ROOT))
        from bench.databases import pg_reachable
        from bench.runner import PROFILED, SECTIONS, run

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
        profile = tuple(filter(None, options["profile"].split(",")))
        if unknown := set(profile) - set(PROFILED):
            raise CommandError(f"Cannot profile: {', '.join(sorted(unknown))}.")
        self.stdout.write(
            run(
                vendors,
                options["quick"],
                options["pg_url"],
                profile,
                say,
                sections,
                options["history_url"],
            )
        )
