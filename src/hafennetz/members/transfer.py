"""Member import and export: CSV and XLSX in one column layout, so an export can be edited and
imported again. Reading and checking here; the write is `services.members_import`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from hafennetz.core.models import District, Municipality
from hafennetz.members.models import Member

COLUMNS = ["ags", "name", "joined_on", "left_on", "safe_harbour_resolution_on", "website"]
EXPORT_COLUMNS = [*COLUMNS, "state", "status", "population", "declarations", "demo"]
REQUIRED = {"ags"}
MAX_ROWS = 5000


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong format, missing columns)."""


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    action: str = ""  # "create" | "update"
    errors: list[str] = field(default_factory=list)
    cleaned: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportPreview:
    rows: list[ImportRow]

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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(filename: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for each non-empty data row of a CSV or XLSX file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
            raw = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
    elif name.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("cp1252", errors="replace")
        try:
            dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        raw = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    else:
        raise ImportFileError(_("Please upload a CSV or XLSX file."))
    if not raw:
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
            % {"col": unknown[0], "cols": ", ".join(COLUMNS)}
        )
    rows = []
    for line, values in enumerate(raw[1:], start=2):
        if not any(values):
            continue
        rows.append(
            (line, {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h})
        )
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
    if not rows:
        raise ImportFileError(_("The file has no data rows."))
    return rows


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


def check_rows(rows: Iterable[tuple[int, dict[str, str]]]) -> ImportPreview:
    """Validate every row against the reference data, the registry and each other."""
    from hafennetz.members.services import validate_member_dates

    rows = [ImportRow(line=line, values=values) for line, values in rows]
    keys = {r.values.get("ags", "").strip() for r in rows}
    municipalities = set(Municipality.objects.filter(pk__in=keys).values_list("pk", flat=True))
    districts = set(District.objects.filter(pk__in=keys).values_list("pk", flat=True))
    existing = {
        m.ags: m
        for m in Member.objects.filter(municipality_id__in=keys)
        | Member.objects.filter(district_id__in=keys)
    }
    seen: dict[str, int] = {}
    url = URLValidator()
    for row in rows:
        ags = row.values.get("ags", "").strip()
        if not ags:
            row.errors.append(_("Field „ags“: missing."))
        elif ags not in municipalities and ags not in districts:
            row.errors.append(
                _(
                    "Field „ags“: unknown AGS „%(ags)s“ (8 digits for a municipality, 5 for a "
                    "district)."
                )
                % {"ags": ags}
            )
        elif ags in seen:
            row.errors.append(
                _("Field „ags“: %(ags)s appears twice (also in line %(line)s).")
                % {"ags": ags, "line": seen[ags]}
            )
        seen.setdefault(ags, row.line)
        dates: dict[str, dt.date | None] = {}
        for name in ("joined_on", "left_on", "safe_harbour_resolution_on"):
            try:
                dates[name] = _parse_date(row.values.get(name, ""))
            except ValueError:
                dates[name] = None
                row.errors.append(
                    _("Field „%(field)s“: „%(value)s“ is not a date (YYYY-MM-DD or DD.MM.YYYY).")
                    % {"field": name, "value": row.values.get(name)}
                )
        for name, message in validate_member_dates(
            joined_on=dates["joined_on"],
            left_on=dates["left_on"],
            resolution_on=dates["safe_harbour_resolution_on"],
        ).items():
            row.errors.append(
                _("Field „%(field)s“: %(message)s") % {"field": name, "message": message}
            )
        website = row.values.get("website", "").strip()
        if website:
            try:
                url(website)
            except ValidationError:
                row.errors.append(
                    _("Field „website“: „%(value)s“ is not a web address.") % {"value": website}
                )
        row.action = "update" if ags in existing else "create"
        row.cleaned = {
            "ags": ags,
            "name": row.values.get("name", "").strip()[:150],
            "website": website,
            **dates,
        }
    return ImportPreview(rows=rows)


def export_rows(members: Iterable[Member]) -> list[list[Any]]:
    out: list[list[Any]] = [EXPORT_COLUMNS]
    for m in members:
        out.append(
            [
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
        )
    return out
