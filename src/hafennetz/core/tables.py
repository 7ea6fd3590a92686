"""Reading uploaded tables (CSV or XLSX) safely: the generic reader behind every import.

Reading is bounded before anything is parsed: the file size, and for XLSX the unpacked size of
the archive and the sheet's declared dimension; rows and columns are then streamed up to their
limits, so a small file that claims a million rows is refused at once instead of being expanded.
Cells are texts; the export's formula neutralisation (`'=…`) is undone. Errors are
`TableError` with a German message naming the line or column; nothing else escapes.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.worksheet._reader import WorkSheetParser

from hafennetz.core.exports import FORMULA_PREFIXES

MAX_ROWS = 5000  # data rows
MAX_COLUMNS = 50
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
CSV_SNIFF_BYTES = 64 * 1024

Row = tuple[int, dict[str, str]]


class TableError(Exception):
    """The file as a whole cannot be read (wrong format, too large, missing columns)."""


def _too_many_rows(max_rows: int) -> TableError:
    return TableError(_("At most %(n)s rows per file.") % {"n": max_rows})


def _too_many_columns() -> TableError:
    return TableError(_("At most %(n)s columns per file.") % {"n": MAX_COLUMNS})


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    # Undo the export's formula neutralisation ('=… → =…), so an export re-imports unchanged.
    if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def _xlsx_rows(content: bytes, max_lines: int) -> list[list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError(_("The file is not a readable XLSX workbook.")) from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES or len(archive.infolist()) > 1000:
        raise TableError(
            _("The workbook is too large when unpacked (at most %(mb)s MB).")
            % {"mb": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)}
        )
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise TableError(_("The file is not a readable XLSX workbook.")) from exc
    try:
        sheet = book.active
        if sheet is None:
            raise TableError(_("The file is empty."))
        # The declared dimension is read from the sheet's first bytes: refuse a sheet that
        # claims more rows or columns than allowed before streaming any row.
        if (sheet.max_row or 0) > max_lines:
            raise _too_many_rows(max_lines - 1)
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise _too_many_columns()
        return _stream_sheet(sheet, max_lines)
    except TableError:
        raise
    except Exception as exc:  # a broken sheet inside a valid archive
        raise TableError(_("The file is not a readable XLSX workbook.")) from exc
    finally:
        book.close()


def _stream_sheet(sheet: Any, max_lines: int) -> list[list[str]]:
    """The sheet's rows as texts, streamed from its XML: only rows and cells that exist in the
    file are visited (openpyxl's public iterator pads every gap up to the last row and column,
    which is what made a small sparse file cost seconds and hundreds of MiB)."""
    raw: list[list[str]] = []
    with sheet._get_source() as source:  # openpyxl 3.1 read-only internals, pinned <4
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=sheet.parent.epoch,
            date_formats=sheet.parent._date_formats,
            timedelta_formats=sheet.parent._timedelta_formats,
        )
        for index, cells in parser.parse():
            values = [(cell["column"], cell_text(cell["value"])) for cell in cells]
            values = [(column, text) for column, text in values if text]
            if not values:
                continue
            if index > max_lines:
                raise _too_many_rows(max_lines - 1)
            if max(column for column, _text in values) > MAX_COLUMNS:
                raise _too_many_columns()
            while len(raw) < index - 1:
                raw.append([])  # blank lines keep the line numbers of the sheet
            row = [""] * max(column for column, _text in values)
            for column, text in values:
                row[column - 1] = text
            raw.append(row)
    return raw


def _decode(content: bytes) -> str:
    if b"\x00" in content:
        raise TableError(_("The file is not a text (CSV) file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:CSV_SNIFF_BYTES] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > 10:
        raise TableError(_("The file is not a text (CSV) file."))
    return text


def _csv_dialect(text: str, required: Collection[str]) -> type[csv.Dialect]:
    """Sniff the dialect from a real sample (not only the header line, so quoted fields with
    commas are recognised); fall back to a delimiter under which the header has the required
    columns."""
    sample = text[:CSV_SNIFF_BYTES]
    candidates: list[type[csv.Dialect]] = []
    delimiters = [",", ";", "\t"]
    with contextlib.suppress(csv.Error):
        # Only the delimiter is taken from the sniffer: its guesses of quoting details are
        # unreliable, and every spreadsheet program writes RFC 4180 quoting ("" for ").
        delimiters.insert(0, csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter)
    for delimiter in delimiters:
        candidates.append(type("Plain", (csv.excel,), {"delimiter": delimiter}))
    first_line = next(iter(sample.splitlines()), "")
    for dialect in candidates:
        try:
            header = next(csv.reader([first_line], dialect), [])
        except csv.Error:
            continue
        if {h.strip().lower() for h in header} >= set(required):
            return dialect
    return candidates[0]


def _csv_rows(content: bytes, required: Collection[str], max_lines: int) -> list[list[str]]:
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), _csv_dialect(text, required))
    raw: list[list[str]] = []
    try:
        for values in reader:
            if len(raw) >= max_lines:
                if any(v.strip() for v in values):
                    raise _too_many_rows(max_lines - 1)
                continue
            if len(values) > MAX_COLUMNS:
                raise _too_many_columns()
            raw.append([cell_text(v) for v in values])
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise TableError(
                _("Line %(line)s: a field is longer than %(n)s characters.")
                % {"line": reader.line_num, "n": csv.field_size_limit()}
            ) from exc
        raise TableError(
            _("Line %(line)s: the file is not valid CSV.") % {"line": reader.line_num}
        ) from exc
    return raw


def read_table(
    filename: str,
    content: bytes,
    *,
    required: Collection[str],
    columns: Sequence[str],
    accepted: Collection[str] = (),
    check_header: Callable[[list[str]], None] | None = None,
    max_rows: int = MAX_ROWS,
    aliases: Mapping[str, str] | None = None,
) -> list[Row]:
    """(line number, {column: text}) for each non-empty data row of a CSV or XLSX file.

    `columns` are read (and named in messages), `accepted` are further columns that may be
    present and are ignored (e.g. an export's computed columns); any other column is refused.
    `check_header(header)` may refuse a header by raising TableError (e.g. a name column).
    `aliases` maps further header texts (lower case; e.g. an export's German headers) to
    column names."""
    if len(content) > MAX_FILE_BYTES:
        raise TableError(
            _("The file is too large (at most %(mb)s MB).")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    name = filename.lower()
    max_lines = max_rows + 1  # with the header; blank lines count
    if name.endswith(".xlsx"):
        raw = _xlsx_rows(content, max_lines)
    elif name.endswith(".csv"):
        raw = _csv_rows(content, required, max_lines)
    else:
        raise TableError(_("Please upload a CSV or XLSX file."))
    if not raw or not any(raw[0]):
        raise TableError(_("The file is empty."))
    header = [h.strip().lower() for h in raw[0]]
    if aliases:
        header = [aliases.get(h, h) for h in header]
    if check_header is not None:
        check_header(header)
    missing = set(required) - set(header)
    if missing:
        raise TableError(
            _("Column „%(col)s“ is missing. Expected columns: %(cols)s.")
            % {"col": ", ".join(sorted(missing)), "cols": ", ".join(columns)}
        )
    known = {*columns, *accepted}
    unknown = [h for h in header if h and h not in known]
    if unknown:
        raise TableError(
            _("Unknown column „%(col)s“. Expected columns: %(cols)s.")
            % {"col": unknown[0][:50], "cols": ", ".join(columns)}
        )
    doubled = [h for h in set(header) if h and header.count(h) > 1]
    if doubled:
        raise TableError(_("Column „%(col)s“ appears twice.") % {"col": doubled[0]})
    wanted = set(columns)
    rows = []
    for line, values in enumerate(raw[1:], start=2):
        if not any(values):
            continue
        rows.append(
            (
                line,
                {
                    h: (values[i] if i < len(values) else "")
                    for i, h in enumerate(header)
                    if h in wanted
                },
            )
        )
    if len(rows) > max_rows:
        raise _too_many_rows(max_rows)
    if not rows:
        raise TableError(_("The file has no data rows."))
    return rows
