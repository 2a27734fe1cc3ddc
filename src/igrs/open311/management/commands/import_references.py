import csv
import io
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core.commands import TranslatedCommand
from igrs.core.errors import Invalid
from igrs.core.text import csv_cell
from igrs.grievances.models import Source
from igrs.open311.imports import import_rows, read_rows


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Import complaints forwarded by another portal (CSV or JSON), with a "
        "per-row report; --dry-run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("CSV with a header line, or a JSON list."))
        parser.add_argument(
            "--system", default="cpgrams", help=_("The portal the references belong to.")
        )
        parser.add_argument("--source", default=Source.CPGRAMS, choices=Source.values)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check every row and report, then roll everything back."),
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            rows = read_rows(path.read_bytes(), path.name)
        except (Invalid, ValueError, UnicodeDecodeError) as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}
            ) from None
        results = import_rows(
            rows, system=options["system"], source=options["source"], dry_run=options["dry_run"]
        )
        report = io.StringIO()
        out = csv.writer(report, lineterminator="\n")
        out.writerow(["line", "external_ref", "outcome", "reference", "message"])
        for r in results:
            # The file's own text comes back in the report: keep it from running as a formula.
            out.writerow(
                [csv_cell(v) for v in (r.line, r.external_ref, r.outcome, r.reference, r.message)]
            )
        self.stdout.write(report.getvalue(), ending="")
        if any(r.outcome == "error" for r in results):
            raise CommandError(_("Some rows were not imported; see the report."))
