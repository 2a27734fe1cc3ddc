import os
import shutil
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy

from igrs.core.commands import TranslatedCommand
from igrs.core.env import env_bool, env_int
from igrs.core.keys import production_key_problem
from igrs.ops.address import check_free, public_url


def web_server_argv(bind: str) -> list[str]:
    """granian serving the WSGI application. Its HTTP handling (parsing, keep-alive) is native
    code, so the Python workers spend their time on requests: on this project's 2-core
    benchmark it answered twice gunicorn's rate of trivial requests and 20% more
    registrations (README, Benchmarks). A worker that grows past IGRS_WEB_MAX_RSS_MB is
    replaced, as is one that dies."""
    host, _colon, port = bind.rpartition(":")
    workers = str(env_int("IGRS_WEB_WORKERS", os.cpu_count() or 1, minimum=1))
    threads = str(env_int("IGRS_WEB_THREADS", 2, minimum=1))
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "igrs.wsgi:application",
        "--host",
        host or "127.0.0.1",
        "--port",
        port,
        "--workers",
        workers,
        "--blocking-threads",
        threads,
        "--no-ws",
        "--respawn-failed-workers",
        "--workers-max-rss",
        str(env_int("IGRS_WEB_MAX_RSS_MB", 300, minimum=1)),
        "--log-level",
        "warning",
    ]
    # Off by default: granian's access line shows the path and query, which can carry a
    # mobile number; IGRS logs its own line per request, by view (ops/middleware.py).
    if env_bool("IGRS_ACCESS_LOG", False):
        argv.append("--access-log")
    return argv


def refuse_weak_key() -> None:
    """Production processes (debug off) do not start with a key anyone could know."""
    problem = production_key_problem()
    if problem:
        raise CommandError(problem)


def metrics_folder(bind: str) -> Path:
    """Where granian's worker processes keep their request metrics for /metrics to add up
    (prometheus_client's multiprocess mode): one folder per address served."""
    return Path(settings.VAR_DIR) / "metrics" / bind.replace(":", "_").replace("/", "_")


def fresh_folder(folder: Path) -> None:
    """Counts from an earlier run of the server would be added to this one's."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Run the web server (granian). IGRS_WEB_WORKERS and IGRS_WEB_THREADS size it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("IGRS_BIND", "127.0.0.1:8000"))

    def handle(self, *args, **options):
        refuse_weak_key()
        bind = options["bind"]
        check_free(bind)
        # Links in SMS sent from web requests point at this server unless told otherwise.
        os.environ.setdefault("IGRS_PUBLIC_URL", public_url(bind))
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_folder(bind)))
        fresh_folder(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]))
        argv = web_server_argv(bind)
        os.execv(argv[0], argv)
