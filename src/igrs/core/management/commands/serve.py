import os
import sys

from django.utils.translation import gettext_lazy

from igrs.core.commands import TranslatedCommand


def gunicorn_argv(bind: str) -> list[str]:
    workers = os.environ.get("IGRS_WEB_WORKERS", str(max(2, (os.cpu_count() or 1) * 2)))
    threads = os.environ.get("IGRS_WEB_THREADS", "1")
    return [
        sys.executable, "-m", "gunicorn", "igrs.wsgi:application", "--bind", bind,
        "--workers", workers, "--threads", threads, "--max-requests", "100000",
        "--max-requests-jitter", "5000", "--access-logfile", os.environ.get("IGRS_ACCESS_LOG", "-"),
    ]


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Run the web server (gunicorn). IGRS_WEB_WORKERS and IGRS_WEB_THREADS size it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("IGRS_BIND", "127.0.0.1:8000"))

    def handle(self, *args, **options):
        argv = gunicorn_argv(options["bind"])
        os.execv(argv[0], argv)
