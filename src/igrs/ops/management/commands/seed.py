from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core.commands import TranslatedCommand
from igrs.directory.seed import seed_directory
from igrs.notifications.services import seed_templates
from igrs.ops.demo import seed_demo_accounts


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Seed master data (Uttar Pradesh, departments, posts, officers) and SMS templates."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-officers",
            action="store_true",
            help=_("Skip the demo officers and their postings."),
        )
        parser.add_argument(
            "--demo-accounts",
            action="store_true",
            help=_("Also create demo logins and print their API tokens."),
        )

    def handle(self, *args, **options):
        created = seed_directory(with_officers=not options["no_officers"])
        self.stdout.write(_("Master data seeded.") if created else _("Master data already there."))
        self.stdout.write(_("SMS templates added: %(n)d") % {"n": seed_templates()})
        if options["demo_accounts"]:
            for username, role, token in seed_demo_accounts():
                self.stdout.write(f"  {role:8} {username:12} token: {token}")
