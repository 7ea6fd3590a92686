"""One export layer for every CSV and XLSX download of the project.

Spreadsheet programs execute cells that start with `=`, `+`, `-`, `@`, a tab or a carriage
return as formulas (CSV injection, OWASP). Every text cell is neutralised here: in CSV such a
text gets a leading apostrophe (the OWASP recommendation; Excel shows the text unchanged), in
XLSX every string is stored as a string cell, never as a formula. Numbers, dates and booleans
are written as what they are. Apps build rows; only this module turns them into files.

Two kinds of reader. People open `.csv` in a German Excel: semicolons, UTF-8 with BOM, German
headers and values ("ja"/"nein", "Bündnismitglied", 14.06.2019, 1,5) — the `csv` format.
Programs want commas and stable machine values ("yes", "member", 2019-06-14) — the `komma.csv`
format. A cell that differs between the two is a `Shown(value, text)`; XLSX, which people open
too, shows the text and keeps dates and numbers typed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Row = Sequence[Any]
# URL suffixes of the downloads: German Excel CSV, XLSX, and comma CSV for programs.
EXPORT_FORMATS = ("csv", "xlsx", "komma.csv")


@dataclass(frozen=True)
class Shown:
    """A cell with a machine value (`komma.csv`) and a text for people (`csv`, `xlsx`): a
    column key and its German header, a choice and its label."""

    value: Any
    text: Any

    def __str__(self) -> str:
        return str(self.text)


def neutralise(text: str) -> str:
    """A text that a spreadsheet would read as a formula, made inert."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_cell(value: Any) -> str:
    """A cell for programs: machine values, ISO dates."""
    if isinstance(value, Shown):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return neutralise(str(value))


def to_csv(rows: Iterable[Row], *, delimiter: str = ",") -> bytes:
    """UTF-8 with BOM (Excel opens umlauts correctly only with it), every cell neutralised.
    CRLF line ends (RFC 4180): the writer then quotes every field holding a CR or an LF, so a
    line break inside a text can never start a new row whose first cell is a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def excel_cell(value: Any) -> str:
    """A cell for people in a German Excel: labels, yes/no in the page's language, German
    dates and decimal commas."""
    if isinstance(value, Shown):
        value = value.text
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return str(value)
    # A German Excel reads these formats whatever the language of the page.
    if isinstance(value, float):
        return f"{value:.15g}".replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return neutralise(str(value))


def to_excel_csv(rows: Iterable[Row]) -> bytes:
    """CSV as a German Excel opens it with a double click: semicolons, UTF-8 with BOM, CRLF,
    people's values (see `excel_cell`), every text neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([excel_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Iterable[Row], *, title: str = "export") -> bytes:
    """One sheet; strings stored as strings (openpyxl would store `=...` as a formula)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _sheet_title(title)
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING
    sheet.freeze_panes = "A2"
    if sheet.max_row > 1:
        sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Shown):
        value = value.text
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # XLSX has no time zones: callers pass local time
    if isinstance(value, bool | int | float | dt.date):
        return value
    # Control characters other than tab/newline are illegal in XLSX and would fail the save.
    return "".join(ch for ch in str(value) if ch in "\t\n" or ord(ch) >= 32)


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return (cleaned or "export")[:31]


def download(
    rows: Iterable[Row], *, fmt: str, filename: str, title: str = "export"
) -> HttpResponse:
    """The HTTP download of rows in one of `EXPORT_FORMATS` (anything else is a programming
    error)."""
    if fmt == "xlsx":
        response = HttpResponse(to_xlsx(rows, title=title), content_type=XLSX_CONTENT_TYPE)
        extension = "xlsx"
    elif fmt == "csv":
        response = HttpResponse(to_excel_csv(rows), content_type="text/csv; charset=utf-8")
        extension = "csv"
    elif fmt == "komma.csv":
        response = HttpResponse(to_csv(rows), content_type="text/csv; charset=utf-8")
        filename += "-komma"
        extension = "csv"
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    safe_name = "".join(ch for ch in filename if ch.isalnum() or ch in "-_") or "export"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}.{extension}"'
    return response
