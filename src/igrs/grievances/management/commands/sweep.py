from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core.commands import TranslatedCommand
from igrs.grievances.services import sweep


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Escalate complaints past their time limit and send due reminders (idempotent)."
    )

    def handle(self, *args, **options):
        report = sweep()
        self.stdout.write(
            _("escalated: %(e)d, marked defaulter at the top: %(d)d, reminders: %(r)d")
            % {"e": report.escalated, "d": report.defaulted, "r": report.reminded}
        )
