"""`igrs retention`: anonymise the personal data whose retention period has run out, for
cron where `igrs worker` does not run the job."""

from django.utils.translation import gettext_lazy as _

from igrs.core.commands import TranslatedCommand
from igrs.privacy.retention import apply_retention


class Command(TranslatedCommand):
    help = _("Anonymise personal data whose retention period has run out.")

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, batch: int, **options):
        total = 0
        while done := apply_retention(batch=batch):
            total += done
        self.stdout.write(_("Anonymised %(n)d records.") % {"n": total})
