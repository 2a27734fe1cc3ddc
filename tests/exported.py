"""Exported files read back as a person opens them: the title block, then the table."""

import csv
import io

from openpyxl import load_workbook


def csv_parts(response) -> tuple[list[list[str]], list[list[str]]]:
    """A CSV export as (title block, table): they are parted by the first blank line."""
    assert response.content.startswith("\ufeff".encode())  # spreadsheets then read UTF-8
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    blank = lines.index([])
    return lines[:blank], lines[blank + 1 :]


def sheet_parts(response) -> tuple[list[list], list[list]]:
    """An Excel export as (title block, table) of cells, parted by the first empty row."""
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows())
    blank = next(i for i, row in enumerate(rows) if all(c.value is None for c in row))
    return rows[:blank], rows[blank + 1 :]
