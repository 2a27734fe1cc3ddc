import datetime as dt
import logging
import signal
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.callcentre.services import sample_audits
from igrs.core import clock
from igrs.core.commands import TranslatedCommand
from igrs.grievances.services import sweep
from igrs.monitoring.services import roll_up
from igrs.notifications.services import deliver_pending
from igrs.open311.webhooks import deliver_due, queue_deliveries
from igrs.ops.management.commands.serve import refuse_weak_key
from igrs.portal.services import prune

log = logging.getLogger("igrs.worker")
SWEEP_ROUND = 200
# At start, closures this far back are sampled for audit (idempotent), covering a restart.
AUDIT_CATCH_UP = dt.timedelta(days=2)
AUDIT_OVERLAP = dt.timedelta(minutes=10)


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Background worker: sends queued SMS and runs the escalation sweep on a timer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help=_("One round, then exit."))

    def handle(self, *args, **options):
        refuse_weak_key()
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        next_sweep, backlog = 0.0, False
        audits_since = clock.now() - AUDIT_CATCH_UP
        while not stopping:
            close_old_connections()
            if time.monotonic() >= next_sweep:
                # A bounded round, so SMS keep flowing while a big backlog is escalated.
                report = sweep(limit=SWEEP_ROUND)
                if report.escalated or report.defaulted or report.reminded:
                    log.info("sweep: %s", report)
                backlog = report.more
                prune()
                audits_until = clock.now()
                sample_audits(audits_since, audits_until)
                # Overlapping windows: a closure stamped before a round but committed after it
                # is still seen next time (sampling twice adds nothing).
                audits_since = audits_until - AUDIT_OVERLAP
                pause = 0 if backlog else settings.IGRS_SWEEP_EVERY_SECONDS
                next_sweep = time.monotonic() + pause
            sent = deliver_pending()
            sent += roll_up()
            queue_deliveries()
            sent += deliver_due()
            if options["once"]:
                break
            if not sent and not backlog:
                time.sleep(settings.IGRS_WORKER_POLL_SECONDS)
