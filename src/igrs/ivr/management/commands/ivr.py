import asyncio
import json
import signal
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.ivr import conf, rtp, tts
from igrs.ivr.models import IvrCall
from igrs.ivr.server import Options, Server


def host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise CommandError(_("Give the address as HOST:PORT, e.g. 127.0.0.1:5080."))
    return host, int(port)


def port_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    if not (low.isdigit() and high.isdigit() and 0 < int(low) < int(high) < 65536):
        raise CommandError(_("Give the RTP ports as LOW-HIGH, e.g. 20000-20999."))
    return int(low), int(high) + 1


class Command(BaseCommand):
    help = gettext_lazy(
        "The 1076 voice self-service (IVR): a SIP server on UDP that tells a "
        "complaint's status in Hindi or English and records feedback."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)  # argparse formats only plain strings
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind", default="127.0.0.1:5080", help=_("SIP address to listen on (UDP).")
        )
        parser.add_argument(
            "--agent-uri",
            default=conf.agent_uri(),
            help=_("The agents' queue callers are transferred to (SIP URI)."),
        )
        parser.add_argument(
            "--public-host", default="", help=_("The address phones reach, when bound to 0.0.0.0.")
        )
        parser.add_argument(
            "--rtp-ports", default="", help=_("RTP port range LOW-HIGH (default: any free port).")
        )
        parser.add_argument("--db-threads", type=int, default=4)
        parser.add_argument("--max-calls", type=int, default=500)
        parser.add_argument(
            "--stats",
            default="",
            help=_("On exit, write the RTP timing figures to this JSON file."),
        )

    def handle(self, *args, **options):
        host, port = host_port(options["bind"])
        try:
            tts.require_engine()
            IvrCall.objects.exists()
        except tts.SpeechUnavailable as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            raise CommandError(
                _("The database is not ready (%(error)s): run ./igrs demo once, or ./igrs migrate.")
                % {"error": error}
            ) from error
        server = Server(
            Options(
                host=host,
                port=port,
                public_host=options["public_host"],
                agent_uri=options["agent_uri"],
                rtp_ports=port_range(options["rtp_ports"]) if options["rtp_ports"] else None,
                db_threads=options["db_threads"],
                max_calls=options["max_calls"],
            )
        )
        # A database thread holds the GIL for up to the switch interval (5 ms by default)
        # while the pacer waits to send: 1 ms keeps a packet's delay well under a frame.
        sys.setswitchinterval(0.001)
        asyncio.run(self.serve(server, options["stats"]))

    async def serve(self, server: Server, stats: str) -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        if stats:  # a benchmark's phase mark: the figures so far, then counting afresh
            loop.add_signal_handler(signal.SIGUSR1, self.write_figures, server, stats)
        await server.start()
        self.stdout.write(
            _(
                "IVR listening on sip:1076@%(host)s:%(port)s (UDP); transfers go to "
                "%(agent)s; prompts cached in %(cache)s. Ctrl+C stops."
            )
            % {
                "host": server.options.advertised,
                "port": server.options.port,
                "agent": server.options.agent_uri,
                "cache": conf.prompt_dir(),
            }
        )
        self.stdout.flush()
        await stopping.wait()
        await server.stop()
        if stats:
            self.write_figures(server, stats)

    @staticmethod
    def write_figures(server: Server, stats: str) -> None:
        """One JSON line of RTP timing figures per phase, appended."""
        figures = {**server.pacer.lateness.summary(), "calls_answered": server.answered}
        with Path(stats).open("a") as out:
            out.write(json.dumps(figures) + "\n")
        server.pacer.lateness = rtp.Lateness()
