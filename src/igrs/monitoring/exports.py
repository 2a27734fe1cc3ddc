"""The dashboard's tables as files: CSV (UTF-8 with a byte-order mark, so spreadsheet programs
read Hindi) or Excel, in the page's language. Above the table a title block says what it is,
which filters made it and when (IST), so a printed or forwarded file explains itself. Text a
spreadsheet would run as a formula stays text in both."""

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from django.http import HttpResponse
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.text import FORMULA_STARTS, csv_cell
from igrs.directory.models import Department, Unit

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDEST_COLUMN = 60  # characters; longer text wraps in the cell rather than a screen-wide column


@dataclass(frozen=True)
class Heading:
    """What a table is and which filters made it: (label, value) pairs, in the page's
    language."""

    title: str
    filters: Sequence[tuple[str, str]] = ()

    def lines(self) -> list[list[str]]:
        """The title block: the title, a line per filter, the generation time."""
        generated = clock.local(clock.now()).strftime("%d-%m-%Y %H:%M")
        return [
            [self.title],
            *[[label, value] for label, value in self.filters],
            [_("Generated (IST)"), generated],
        ]


def place(unit: Unit) -> tuple[str, str]:
    return _("Place"), f"{unit.name} ({unit.get_kind_display()})"


def month(first_day) -> tuple[str, str]:
    return _("Month"), first_day.strftime("%m-%Y")  # as the pages write it


def department(department_id: int | None) -> tuple[str, str]:
    if department_id is None:
        return _("Department"), _("All departments")
    return _("Department"), Department.objects.get(pk=department_id).name


def level(name: str) -> tuple[str, str]:
    return _("Level"), name


def wanted(request) -> str | None:
    """The table format asked for with ?format=, if it is one we make."""
    asked = request.GET.get("format")
    return asked if asked in ("csv", "xlsx") else None


def table(
    kind: str, stem: str, heading: Heading, header: list[str], rows: list[list]
) -> HttpResponse:
    """A table as `stem`.csv or `stem`.xlsx, for download, below its title block."""
    if kind == "xlsx":
        response = HttpResponse(_xlsx(heading, header, rows), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(_csv(heading, header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{kind}"'
    return response


def _csv(heading: Heading, header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for line in [*heading.lines(), [], header, *rows]:
        writer.writerow([csv_cell(value) for value in line])
    return out.getvalue()


def _xlsx(heading: Heading, header: list[str], rows: list[list]) -> bytes:
    # Imported here: openpyxl is large, and every web worker would load it for the odd export.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_title(heading.title))
    cell = partial(WriteOnlyCell, sheet)
    title, *filters = heading.lines()
    for column, width in enumerate(_widths([*filters, header, *rows]), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{len(filters) + 4}"  # the title block and header stay in view
    sheet.append([_xlsx_cell(cell, title[0], Font(bold=True, size=14))])
    for line in filters:
        sheet.append([_xlsx_cell(cell, line[0], Font(bold=True)), _xlsx_cell(cell, line[1])])
    sheet.append([])
    sheet.append([_xlsx_cell(cell, name, Font(bold=True)) for name in header])
    for row in rows:
        sheet.append([_xlsx_cell(cell, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(new_cell: Callable, value, font=None):
    """Every text is a string cell (openpyxl would store a leading = as a formula), quoted
    so that editing it in the spreadsheet keeps it text; numbers stay numbers."""
    if not isinstance(value, str) and font is None:
        return value
    cell = new_cell(value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        cell.quotePrefix = value.startswith(FORMULA_STARTS)
    if font is not None:
        cell.font = font
    return cell


def _widths(lines: list[list]) -> list[float]:
    """Each column about as wide as its longest value, within reason."""
    longest: dict[int, int] = {}
    for line in lines:
        for column, value in enumerate(line):
            longest[column] = max(longest.get(column, 0), len(str(value or "")))
    return [min(longest[c] + 2, WIDEST_COLUMN) for c in sorted(longest)]


def _title(text: str) -> str:
    """A sheet name: at most 31 characters, none of : \\ / ? * [ ]."""
    return "".join(" " if ch in ":\\/?*[]" else ch for ch in text)[:31]
