import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core.commands import TranslatedCommand
from igrs.grievances.models import Status
from igrs.ops import history
from igrs.ops.address import check_free, public_url
from igrs.ops.demo import DEMO_PASSWORD, demo_secret_key, logins
from igrs.ops.management.commands.serve import web_server_argv
from igrs.ops.processes import run_together

HISTORY_DAYS = 90


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Migrate, seed the demo state with months of complaints, and run the web server and "
        "the worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("IGRS_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--no-serve", action="store_true", help=_("Prepare the database and stop.")
        )
        parser.add_argument(
            "--history",
            type=int,
            default=3000,
            help=_("Complaints of the past months to make on a new database (0: none)."),
        )
        parser.add_argument(
            "--seed", type=int, default=1, help=_("The same seed makes the same history.")
        )

    def handle(self, *args, **options):
        bind = options["bind"]
        if options["history"] < 0:
            raise CommandError(_("--history takes a number of complaints, 0 or more."))
        if not options["no_serve"]:
            check_free(bind)  # before minutes of preparation, not after
        url = os.environ.get("IGRS_PUBLIC_URL") or public_url(bind)
        settings.IGRS_PUBLIC_URL = url  # the history's SMS links point at this server too
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed", demo_accounts=True, stdout=self.stdout)
        self._make_history(options["history"], options["seed"])
        call_command("collectstatic", interactive=False, verbosity=0)
        if options["no_serve"]:
            self._show_logins(url)
            return
        env = {
            **os.environ,
            "IGRS_SERVE_STATIC": "1",
            "IGRS_PUBLIC_URL": url,
            "IGRS_SECRET_KEY": os.environ.get("IGRS_SECRET_KEY") or demo_secret_key(),
            # No authenticator app needed to look around; IGRS_TOTP=1 shows the second factor.
            "IGRS_TOTP": os.environ.get("IGRS_TOTP", "0"),
        }
        worker = [sys.executable, "-m", "igrs.cli", "worker"]
        stopped = run_together(
            [web_server_argv(bind), worker], env, on_start=lambda: self._welcome(url)
        )
        if stopped.child is not None:
            raise CommandError(
                _("The %(process)s stopped by itself (exit status %(status)d), so the demo did.")
                % {
                    "process": _("web server") if stopped.child == 0 else _("worker"),
                    "status": stopped.status,
                }
            )
        self.stdout.write(_("IGRS stopped."))

    def _make_history(self, n: int, seed: int) -> None:
        if not n:
            return
        if not history.fresh():
            self.stdout.write(_("The database already has complaints: no history added."))
            return
        self.stdout.write(
            _("Making %(n)d complaints of the last %(days)d days…") % {"n": n, "days": HISTORY_DAYS}
        )
        self.stdout.flush()
        try:
            made = history.generate(n, seed=seed, days=HISTORY_DAYS)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("History: %(n)d complaints, %(events)d steps, in %(seconds).0f s.")
            % {"n": len(made.fates), "events": made.events, "seconds": made.seconds}
        )

    def _welcome(self, url: str) -> None:
        self.stdout.write(
            _(
                "IGRS is running at %(url)s/ (API documentation at %(url)s/api/v1/docs). SMS, "
                "portal OTPs included, go to %(sms)s. Ctrl+C stops."
            )
            % {"url": url, "sms": settings.IGRS_SMS_FILE}
        )
        self._show_logins(url)

    def _show_logins(self, url: str) -> None:
        self.stdout.write(
            _("Sign in at %(url)s/accounts/login/ (password: %(password)s):")
            % {"url": url, "password": DEMO_PASSWORD}
        )
        for login in logins():
            self.stdout.write(f"  {login.username:11} {url}{login.opens:24} {login.who}")
        examples = history.examples()
        if examples:
            self.stdout.write(
                _("Track a complaint at %(url)s/track/ with its number and mobile:") % {"url": url}
            )
        for example in examples:
            state = Status(example.status).label
            if example.status != Status.CLOSED:
                state = _("%(state)s (level %(level)d)") % {"state": state, "level": example.level}
            self.stdout.write(f"  {example.reference}  {example.mobile[-10:]}  {state}")
        self.stdout.flush()
