from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core.commands import TranslatedCommand
from igrs.monitoring.services import rebuild_place_tallies_and_lost_marks


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Count the tehsil and thana tallies and the lost marks afresh from the timeline the "
        "roll-up has counted (once, after upgrading; safe to repeat)."
    )

    def handle(self, *args, **options):
        self.stdout.write(_("steps counted: %(n)d") % {"n": rebuild_place_tallies_and_lost_marks()})
