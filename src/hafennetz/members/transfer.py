"""Member import and export: CSV and XLSX in one column layout, so an export can be edited and
imported again. Reading and checking here (no writes, no database lock); the write is
`services.members_import`.

Reading is bounded before anything is parsed: the file size, and for XLSX the unpacked size of
the archive and the sheet's declared dimension; rows and columns are then streamed up to their
limits, so a small file that claims a million rows is refused at once instead of being expanded.

What an update changes (documented on the import page): a missing column keeps the member's
value; an empty cell keeps it too; the marker `-` in a cell clears the value (joined_on,
safe_harbour_resolution_on, website). The export writes empty cells for empty values, so an
unchanged export imports as "no changes".
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.worksheet._reader import WorkSheetParser

from hafennetz.core.exports import FORMULA_PREFIXES
from hafennetz.core.models import District, Municipality
from hafennetz.members.models import Member
from hafennetz.members.validation import city_keys, validate_member_dates

COLUMNS = ["ags", "name", "joined_on", "left_on", "safe_harbour_resolution_on", "website"]
EXPORT_COLUMNS = [*COLUMNS, "state", "status", "population", "declarations", "demo"]
REQUIRED = {"ags"}
# A cell with only this text clears the value on update (an empty cell keeps it).
CLEAR = "-"
CLEARABLE = ("joined_on", "safe_harbour_resolution_on", "website")
DATE_COLUMNS = ("joined_on", "left_on", "safe_harbour_resolution_on")

MAX_ROWS = 5000  # data rows
MAX_LINES = MAX_ROWS + 1  # with the header; blank lines count
MAX_COLUMNS = 50
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_CELL_CHARS = 2000
CSV_SNIFF_BYTES = 64 * 1024
XLSX_MAX_ROW = 1_048_576  # the largest row number a sheet can have
NAME_MAX = 150
WEBSITE_MAX = 200


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong format, too large, missing columns)."""


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    action: str = ""  # "create" | "update" | "unchanged"
    errors: list[str] = field(default_factory=list)
    # What the row writes: for a create every field, for an update only the changed fields.
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    # The stored values of every member the check compared against (see `registry_state`):
    # the write refuses if they changed between the check and the write.
    registry: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    checked_keys: set[str] = field(default_factory=set)

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def error_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.errors]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action and not r.errors)

    @property
    def creates(self) -> int:
        return self.count("create")

    @property
    def updates(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    def raw(self) -> list[tuple[int, dict[str, str]]]:
        return [(r.line, r.values) for r in self.rows]


# --- reading ----------------------------------------------------------------------------------


def _too_many_rows() -> ImportFileError:
    return ImportFileError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})


def _too_many_columns() -> ImportFileError:
    return ImportFileError(_("At most %(n)s columns per file.") % {"n": MAX_COLUMNS})


def _cell(value: Any) -> str:
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


def _xlsx_rows(content: bytes) -> list[list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES or len(archive.infolist()) > 1000:
        raise ImportFileError(
            _("The workbook is too large when unpacked (at most %(mb)s MB).")
            % {"mb": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)}
        )
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
    try:
        sheet = book.active
        if sheet is None:
            raise ImportFileError(_("The file is empty."))
        # The declared dimension is read from the sheet's first bytes: refuse a sheet that
        # claims more rows or columns than allowed before streaming any row.
        if (sheet.max_row or 0) > MAX_LINES:
            raise _too_many_rows()
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise _too_many_columns()
        return _stream_sheet(sheet)
    except ImportFileError:
        raise
    except Exception as exc:  # a broken sheet inside a valid archive
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
    finally:
        book.close()


def _stream_sheet(sheet: Any) -> list[list[str]]:
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
            values = [(cell["column"], _cell(cell["value"])) for cell in cells]
            values = [(column, text) for column, text in values if text]
            if not values:
                continue
            if index > MAX_LINES:
                raise _too_many_rows()
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
    if b"\x00" in content[:CSV_SNIFF_BYTES] or b"\x00" in content:
        raise ImportFileError(_("The file is not a text (CSV) file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:CSV_SNIFF_BYTES] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > 10:
        raise ImportFileError(_("The file is not a text (CSV) file."))
    return text


def _csv_dialect(text: str) -> type[csv.Dialect]:
    """Sniff the dialect from a real sample (not only the header line, so quoted fields with
    commas are recognised); fall back to a delimiter under which the header has `ags`."""
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
        if {h.strip().lower() for h in header} >= REQUIRED:
            return dialect
    return candidates[0]


def _csv_rows(content: bytes) -> list[list[str]]:
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), _csv_dialect(text))
    raw: list[list[str]] = []
    try:
        for values in reader:
            if len(raw) >= MAX_LINES:
                if any(v.strip() for v in values):
                    raise _too_many_rows()
                continue
            if len(values) > MAX_COLUMNS:
                raise _too_many_columns()
            raw.append([_cell(v) for v in values])
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportFileError(
                _("Line %(line)s: a field is longer than %(n)s characters.")
                % {"line": reader.line_num, "n": csv.field_size_limit()}
            ) from exc
        raise ImportFileError(
            _("Line %(line)s: the file is not valid CSV.") % {"line": reader.line_num}
        ) from exc
    return raw


def read_table(filename: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for each non-empty data row of a CSV or XLSX file."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is too large (at most %(mb)s MB).")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw = _xlsx_rows(content)
    elif name.endswith(".csv"):
        raw = _csv_rows(content)
    else:
        raise ImportFileError(_("Please upload a CSV or XLSX file."))
    if not raw or not any(raw[0]):
        raise ImportFileError(_("The file is empty."))
    header = [h.strip().lower() for h in raw[0]]
    missing = REQUIRED - set(header)
    if missing:
        raise ImportFileError(
            _("Column „%(col)s“ is missing. Expected columns: %(cols)s.")
            % {"col": ", ".join(sorted(missing)), "cols": ", ".join(COLUMNS)}
        )
    unknown = [h for h in header if h and h not in EXPORT_COLUMNS]
    if unknown:
        raise ImportFileError(
            _("Unknown column „%(col)s“. Expected columns: %(cols)s.")
            % {"col": unknown[0][:50], "cols": ", ".join(COLUMNS)}
        )
    doubled = [h for h in set(header) if h and header.count(h) > 1]
    if doubled:
        raise ImportFileError(_("Column „%(col)s“ appears twice.") % {"col": doubled[0]})
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
                    if h in COLUMNS
                },
            )
        )
    if len(rows) > MAX_ROWS:
        raise _too_many_rows()
    if not rows:
        raise ImportFileError(_("The file has no data rows."))
    return rows


# --- checking ---------------------------------------------------------------------------------


def _parse_date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _member_values(member: Member | None) -> dict[str, Any]:
    if member is None:
        return dict.fromkeys(["name", *DATE_COLUMNS, "website"])
    return {
        "name": member.name,
        "joined_on": member.joined_on,
        "left_on": member.left_on,
        "safe_harbour_resolution_on": member.safe_harbour_resolution_on,
        "website": member.website,
    }


def _existing_members(keys: set[str], *, lock: bool = False) -> dict[str, Member]:
    members = Member.objects.filter(Q(municipality_id__in=keys) | Q(district_id__in=keys))
    if lock:
        members = members.select_for_update()
    return {m.ags: m for m in members}


def _state_of(member: Member) -> tuple[Any, ...]:
    return (member.pk, *_member_values(member).values())


def registry_state(keys: Iterable[str], *, lock: bool = False) -> dict[str, tuple[Any, ...]]:
    """The stored values of the members registered under `keys` (one query; `lock`: and keep
    them locked until the transaction ends)."""
    return {ags: _state_of(m) for ags, m in _existing_members(set(keys), lock=lock).items()}


def check_rows(rows: Iterable[tuple[int, dict[str, str]]]) -> ImportPreview:
    """Validate every row against the reference data, the registry and each other, and work out
    what each row would change. Reads only."""
    checked = [ImportRow(line=line, values=dict(values)) for line, values in rows]
    keys = {r.values.get("ags", "").strip() for r in checked}
    keys.discard("")
    municipalities = set(Municipality.objects.filter(pk__in=keys).values_list("pk", flat=True))
    districts = set(District.objects.filter(pk__in=keys).values_list("pk", flat=True))
    known = municipalities | districts
    cities = city_keys(known)
    checked_keys: set[str] = set().union(*cities.values()) if cities else set()
    existing = _existing_members(checked_keys)
    seen: dict[str, int] = {}
    seen_city: dict[str, tuple[str, int]] = {}
    for row in checked:
        _check_row(row, known, cities, existing, seen, seen_city)
    registry = {ags: _state_of(m) for ags, m in existing.items()}
    return ImportPreview(rows=checked, registry=registry, checked_keys=checked_keys)


def _check_row(
    row: ImportRow,
    known: set[str],
    cities: dict[str, set[str]],
    existing: dict[str, Member],
    seen: dict[str, int],
    seen_city: dict[str, tuple[str, int]],
) -> None:
    values = row.values
    ags = values.get("ags", "").strip()
    member = existing.get(ags)
    if not ags:
        row.errors.append(_("Field „ags“: missing."))
    elif ags not in known:
        row.errors.append(
            _("Field „ags“: unknown AGS „%(ags)s“ (8 digits for a municipality, 5 for a district).")
            % {"ags": ags[:20]}
        )
    elif ags in seen:
        row.errors.append(
            _("Field „ags“: %(ags)s appears twice (also in line %(line)s).")
            % {"ags": ags, "line": seen[ags]}
        )
    else:
        seen[ags] = row.line
        twin = next((existing[k] for k in cities[ags] if k != ags and k in existing), None)
        if member is None and twin is not None:
            row.errors.append(
                _(
                    "Field „ags“: %(name)s is already a member under the key %(other)s; a "
                    "district-free city can be a member only once."
                )
                % {"name": twin.name, "other": twin.ags}
            )
        for key in cities[ags] - {ags}:
            if key in seen_city:
                row.errors.append(
                    _(
                        "Field „ags“: %(ags)s and %(other)s (line %(line)s) are the same "
                        "district-free city; it can be a member only once."
                    )
                    % {"ags": ags, "other": key, "line": seen_city[key][1]}
                )
        seen_city[ags] = (ags, row.line)

    current = _member_values(member)
    new = dict(current)
    for name in ("name", *DATE_COLUMNS, "website"):
        text = values.get(name, "").strip()
        if len(text) > MAX_CELL_CHARS:
            row.errors.append(_("Field „%(field)s“: the text is too long.") % {"field": name})
            continue
        if not text:
            continue  # a missing column or an empty cell keeps the value
        if text == CLEAR and name in CLEARABLE:
            new[name] = "" if name == "website" else None
            continue
        if text == CLEAR and name == "left_on":
            row.errors.append(_("Field „left_on“: a leaving date cannot be removed by an import."))
            continue
        if name in DATE_COLUMNS:
            try:
                new[name] = _parse_date(text)
            except ValueError:
                row.errors.append(
                    _("Field „%(field)s“: „%(value)s“ is not a date (YYYY-MM-DD or DD.MM.YYYY).")
                    % {"field": name, "value": text[:40]}
                )
        elif name == "website":
            try:
                URLValidator()(text)
            except ValidationError:
                row.errors.append(
                    _("Field „website“: „%(value)s“ is not a web address.") % {"value": text[:80]}
                )
            else:
                if len(text) > WEBSITE_MAX:
                    row.errors.append(_("Field „website“: the address is too long."))
                new[name] = text
        else:
            if len(text) > NAME_MAX:
                row.errors.append(_("Field „name“: at most %(n)s characters.") % {"n": NAME_MAX})
            new[name] = text
    for name, message in validate_member_dates(
        joined_on=new["joined_on"],
        left_on=new["left_on"] if new["left_on"] != current["left_on"] else None,
        resolution_on=new["safe_harbour_resolution_on"]
        if new["safe_harbour_resolution_on"] != current["safe_harbour_resolution_on"]
        else None,
    ).items():
        row.errors.append(_("Field „%(field)s“: %(message)s") % {"field": name, "message": message})
    joined_changed = member is not None and new["joined_on"] != current["joined_on"]
    left = new["left_on"]
    if joined_changed and left and (new["joined_on"] is None or new["joined_on"] > left):
        row.errors.append(
            _("Field „joined_on“: joining must lie before leaving (%(date)s).")
            % {"date": new["left_on"].strftime("%d.%m.%Y")}
        )
    if member is None:
        row.action = "create"
        row.changes = {k: v for k, v in new.items() if v not in (None, "")}
    else:
        row.changes = {k: v for k, v in new.items() if v != current[k]}
        row.action = "update" if row.changes else "unchanged"
    row.changes["ags"] = ags


# --- export -----------------------------------------------------------------------------------


def export_rows(members: Iterable[Member]) -> Iterator[list[Any]]:
    yield list(EXPORT_COLUMNS)
    for m in members:
        yield [
            m.ags,
            m.name,
            m.joined_on.isoformat() if m.joined_on else "",
            m.left_on.isoformat() if m.left_on else "",
            m.safe_harbour_resolution_on.isoformat() if m.safe_harbour_resolution_on else "",
            m.website,
            m.state.name,
            m.status.value,
            m.population,
            " ".join(s.declaration.version for s in m.signatures.all()),
            "yes" if m.is_demo else "no",
        ]
