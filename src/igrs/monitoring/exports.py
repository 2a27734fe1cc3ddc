"""The dashboard's tables as files: CSV (UTF-8 with a byte-order mark, so spreadsheet programs
read Hindi) or Excel. Text a spreadsheet would run as a formula stays text in both."""

import csv
import io
from collections.abc import Callable
from functools import partial

from django.http import HttpRequest, HttpResponse

from igrs.core.text import FORMULA_STARTS, csv_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wanted(request: HttpRequest) -> str | None:
    """The table format asked for with ?format=, if it is one we make."""
    asked = request.GET.get("format")
    return asked if asked in ("csv", "xlsx") else None


def table(kind: str, stem: str, header: list[str], rows: list[list]) -> HttpResponse:
    """A table as `stem`.csv or `stem`.xlsx, for download."""
    if kind == "xlsx":
        response = HttpResponse(_xlsx(header, rows), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{kind}"'
    return response


def _csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[csv_cell(value) for value in row] for row in rows])
    return out.getvalue()


def _xlsx(header: list[str], rows: list[list]) -> bytes:
    # Imported here: openpyxl is large, and every web worker would load it for the odd export.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    text_cell = partial(WriteOnlyCell, sheet)
    for row in [header, *rows]:
        sheet.append([_xlsx_cell(text_cell, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(text_cell: Callable, value):
    """Every text is a string cell (openpyxl would store a leading = as a formula), quoted
    so that editing it in the spreadsheet keeps it text; numbers stay numbers."""
    if not isinstance(value, str):
        return value
    cell = text_cell(value=value)
    cell.data_type = "s"
    cell.quotePrefix = value.startswith(FORMULA_STARTS)
    return cell
