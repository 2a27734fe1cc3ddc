import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core.commands import TranslatedCommand
from igrs.ops.management.commands.serve import web_server_argv


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Migrate, seed the demo state and run the web server and the worker on 127.0.0.1."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("IGRS_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--no-serve", action="store_true", help=_("Prepare the database and stop.")
        )

    def handle(self, *args, **options):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed", demo_accounts=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        if options["no_serve"]:
            return
        self.stdout.write(
            _(
                "IGRS is running: citizen portal at http://%(bind)s/, API docs at "
                "/api/v1/docs, admin at /admin/ (admin / demo). SMS, portal OTPs "
                "included, go to %(sms)s. Ctrl+C stops."
            )
            % {"bind": options["bind"], "sms": settings.IGRS_SMS_FILE}
        )
        env = {**os.environ, "IGRS_SERVE_STATIC": "1"}
        worker = subprocess.Popen([sys.executable, "-m", "igrs.cli", "worker"], env=env)
        try:
            subprocess.call(web_server_argv(options["bind"]), env=env)
        except KeyboardInterrupt:
            pass
        finally:
            worker.terminate()
            worker.wait(timeout=10)
