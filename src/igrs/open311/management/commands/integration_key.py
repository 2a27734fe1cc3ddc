from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core.commands import TranslatedCommand
from igrs.open311.models import Scope
from igrs.open311.services import create_key


class Command(TranslatedCommand):
    help = gettext_lazy("Issue an API key for an integrating system (Open311 api_key).")

    def add_arguments(self, parser):
        parser.add_argument("name", help=_("The integrating system's name."))
        parser.add_argument("--scope", default=Scope.READ_OWN, choices=Scope.values)

    def handle(self, *args, **options):
        if not options["name"].strip():
            raise CommandError(_("Give the system a name."))
        key, plain = create_key(options["name"], options["scope"])
        self.stdout.write(
            _("API key for %(name)s (%(scope)s), shown only now: %(key)s")
            % {"name": key.name, "scope": key.scope, "key": plain}
        )
