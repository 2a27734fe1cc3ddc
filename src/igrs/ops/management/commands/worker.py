import signal
import threading

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core.commands import TranslatedCommand
from igrs.ops.jobs import all_jobs
from igrs.ops.management.commands.serve import refuse_weak_key
from igrs.ops.supervisor import JobLoop, supervise


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Background worker: one supervised loop per job (SMS, delivery reports, escalation "
        "sweep, dashboard roll-up, webhooks, audit sampling, retention)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help=_("One round, then exit."))
        parser.add_argument(
            "--only",
            default="",
            help=_("Comma-separated job names to run (default: all)."),
        )

    def handle(self, *args, **options):
        refuse_weak_key()
        jobs = all_jobs()
        if options["only"]:
            wanted = set(options["only"].split(","))
            jobs = [job for job in jobs if job.name in wanted]
        stopping = threading.Event()
        if options["once"]:
            for job in jobs:
                JobLoop(job, stopping).run_once()
            return

        def stop(*_args):
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        supervise(jobs, stopping)
