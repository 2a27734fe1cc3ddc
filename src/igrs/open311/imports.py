"""Bulk import of complaints another portal forwarded (e.g. a CPGRAMS export), as CSV or
JSON rows: each row registers one complaint, or says why not. A dry run does all of it and
then rolls it back; importing the same file again creates nothing twice."""

import csv
import io
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.errors import Invalid, ServiceError
from igrs.core.text import nfc
from igrs.directory.models import Category, Unit
from igrs.grievances import services as grievances
from igrs.grievances.actors import SYSTEM

from .models import ImportedReference

COLUMNS = ("external_ref", "name", "mobile", "category", "place", "description")


@dataclass
class RowResult:
    line: int
    external_ref: str
    outcome: str  # "created" ("would be created" in a dry run), "already imported", "error"
    reference: str = ""
    message: str = ""


class _DryRun(Exception):
    """Raised at the end of a dry run to roll everything back."""


def read_rows(content: bytes, name: str) -> list[dict]:
    """Rows of a .json file (a list of objects) or a CSV with a header line."""
    text = content.decode("utf-8-sig")
    if name.lower().endswith(".json"):
        rows = json.loads(text)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise Invalid(_("A JSON import is a list of objects, one per complaint."))
        return rows
    return list(csv.DictReader(io.StringIO(text)))


def import_rows(
    rows: list[dict], *, system: str, source: str, dry_run: bool = False
) -> list[RowResult]:
    results: list[RowResult] = []
    lines = list(enumerate(rows, start=2))
    if not dry_run:  # each row commits on its own: a big file holds no long transaction
        return [_import_row(line, row, system, source) for line, row in lines]
    try:
        with transaction.atomic():
            for line, row in lines:
                results.append(_import_row(line, row, system, source))
            raise _DryRun
    except _DryRun:
        for result in results:  # nothing was kept
            if result.outcome == "created":
                result.outcome, result.reference = "would be created", ""
    return results


def _import_row(line: int, row: dict, system: str, source: str) -> RowResult:
    external = nfc(str(row.get("external_ref", "")), single_line=True)[:64]
    if not external:
        return RowResult(line, "", "error", message=_("external_ref is empty."))
    done = ImportedReference.objects.filter(system=system, external_ref=external).first()
    if done is not None:
        return RowResult(line, external, "already imported", done.complaint.reference)
    category = Category.objects.filter(code=str(row.get("category", "")).strip()).first()
    place = Unit.objects.filter(code=str(row.get("place", "")).strip()).first()
    try:
        with transaction.atomic():  # one row's failure leaves the others alone
            if category is None or place is None:
                raise Invalid(
                    fields={
                        **({"category": _("Unknown category code.")} if category is None else {}),
                        **({"place": _("Unknown place code.")} if place is None else {}),
                    }
                )
            complaint = grievances.register(
                SYSTEM,
                grievances.NewComplaint(
                    source=source,
                    complainant_name=str(row.get("name", "")),
                    mobile=str(row.get("mobile", "")),
                    category_id=category.pk,
                    place_id=place.pk,
                    description=str(row.get("description", "")),
                    call_id=f"{system}:{external}"[:64],
                ),
            )
            ImportedReference.objects.create(
                system=system, external_ref=external, complaint=complaint, imported_at=clock.now()
            )
    except IntegrityError:  # the same row, imported at the same moment by another run
        done = ImportedReference.objects.get(system=system, external_ref=external)
        return RowResult(line, external, "already imported", done.complaint.reference)
    except ServiceError as error:
        return RowResult(line, external, "error", message=error.describe())
    return RowResult(line, external, "created", complaint.reference)
