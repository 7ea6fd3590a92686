"""Member import and export: CSV and XLSX in one column layout, so an export can be edited and
imported again. Reading and checking here (no writes, no database lock); the write is
`services.members_import`.

Reading is bounded before anything is parsed (core.tables, shared with the household import).

What an update changes (documented on the import page): a missing column keeps the member's
value; an empty cell keeps it too; the marker `-` in a cell clears the value (joined_on,
safe_harbour_resolution_on, website). The export writes empty cells for empty values, so an
unchanged export imports as "no changes".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hafennetz.core import tables
from hafennetz.core.exports import Shown
from hafennetz.core.models import District, Municipality
from hafennetz.members.models import Member
from hafennetz.members.validation import city_keys, validate_member_dates

COLUMNS = ["ags", "name", "joined_on", "left_on", "safe_harbour_resolution_on", "website"]
EXPORT_COLUMNS = [*COLUMNS, "state", "status", "population", "declarations", "demo"]
REQUIRED = {"ags"}
# Headers of the columns that are no field of the member (the others use the field's label).
LABELS = {
    "ags": gettext_lazy("AGS"),
    "state": gettext_lazy("State"),
    "status": gettext_lazy("Status"),
    "population": gettext_lazy("Population"),
    "declarations": gettext_lazy("Declarations signed"),
    "demo": gettext_lazy("Demo data"),
}
# A cell with only this text clears the value on update (an empty cell keeps it).
CLEAR = "-"
CLEARABLE = ("joined_on", "safe_harbour_resolution_on", "website")
DATE_COLUMNS = ("joined_on", "left_on", "safe_harbour_resolution_on")

MAX_ROWS = tables.MAX_ROWS  # data rows
MAX_FILE_BYTES = tables.MAX_FILE_BYTES
MAX_COLUMNS = tables.MAX_COLUMNS
MAX_CELL_CHARS = 2000
NAME_MAX = 150
WEBSITE_MAX = 200


# The file as a whole cannot be read (wrong format, too large, missing columns).
ImportFileError = tables.TableError


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


# --- reading (the generic, bounded reader is core.tables) -------------------------------------


def read_table(filename: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for each non-empty data row of a CSV or XLSX file. The
    header may use the column names or the export's German or English headers."""
    return tables.read_table(
        filename,
        content,
        required=REQUIRED,
        columns=COLUMNS,
        accepted=EXPORT_COLUMNS,
        aliases=_header_aliases(),
    )


def column_label(column: str) -> str:
    """The header people read for a column: the field's label."""
    if column in LABELS:
        return str(LABELS[column])
    return capfirst(str(Member._meta.get_field(column).verbose_name))


def _header_aliases() -> dict[str, str]:
    aliases = {}
    for language in ("de", "en"):
        with translation.override(language):
            aliases |= {column_label(c).lower(): c for c in EXPORT_COLUMNS}
    return aliases


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
    """The directory as rows: column names and machine values for programs, the German
    headers and labels for people (core.exports chooses by format). Both read back in."""
    yield [Shown(c, column_label(c)) for c in EXPORT_COLUMNS]
    for m in members:
        yield [
            m.ags,
            m.name,
            m.joined_on,
            m.left_on,
            m.safe_harbour_resolution_on,
            m.website,
            m.state.name,
            Shown(m.status.value, m.status.label),
            m.population,
            " ".join(s.declaration.version for s in m.signatures.all()),
            m.is_demo,
        ]
