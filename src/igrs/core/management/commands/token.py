from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core.accounts import create_token
from igrs.core.commands import TranslatedCommand
from igrs.core.roles import TOKEN_ROLES


class Command(TranslatedCommand):
    help = gettext_lazy("Issue an API token for a user acting in one role; the key is shown once.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=[role.value for role in TOKEN_ROLES])
        parser.add_argument("--name", default="")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("No user %(u)s.") % {"u": options["username"]})
        try:
            self.stdout.write(create_token(user, options["role"], options["name"]))
        except ValueError as error:
            raise CommandError(str(error)) from None
