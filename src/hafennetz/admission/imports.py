"""Household import: the engine's household CSV format (docs/allocation/csv-formats.md) as CSV
or XLSX, read by core.tables and checked here, row by row and field by field, without writing
anything; `services.households_import` writes all rows or none.

Pseudonymous only: a column that looks like a name, a birth date or an address is refused, and
a case number needs a digit (a bare word is too easily a name)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from hafennetz.admission.engine_input import Capacities, capacities, resource_needs
from hafennetz.admission.models import (
    AGE_BANDS,
    HARD_NEEDS,
    MAX_BATCH,
    MAX_PER_BAND,
    Contingent,
    Household,
    LinkKind,
    Offer,
    Resource,
)
from hafennetz.core import tables
from hafennetz.core.tables import TableError

COLUMNS = ["case_id", *AGE_BANDS, "size", "flags", "links", "preferences", "batch"]
REQUIRED = {"case_id", *AGE_BANDS}
MAX_ROWS = 5000
CASE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
# Column names that carry personal data the platform never takes (lower case, parts).
PERSONAL = (
    "name",
    "vorname",
    "nachname",
    "surname",
    "geburt",
    "birth",
    "dob",
    "address",
    "adresse",
    "anschrift",
    "strasse",
    "straße",
    "street",
    "telefon",
    "phone",
    "email",
    "e-mail",
    "passport",
    "pass_nr",
    "nationality",
    "staatsangeh",
)


class HouseholdImportError(TableError):
    pass


def _check_header(header: list[str]) -> None:
    for column in header:
        if any(part in column for part in PERSONAL):
            raise HouseholdImportError(
                _(
                    "Column „%(col)s“ looks like personal data (a name, birth date or address). "
                    "Households are imported pseudonymously: case number, age bands and needs "
                    "only. Remove the column and upload the file again."
                )
                % {"col": column[:50]}
            )
        if column.startswith("need_"):
            raise HouseholdImportError(
                _(
                    "Column „%(col)s“: the platform derives the places a household needs from "
                    "its age bands and needs; remove the column."
                )
                % {"col": column[:50]}
            )


def read_households(filename: str, content: bytes) -> list[tables.Row]:
    return tables.read_table(
        filename,
        content,
        required=REQUIRED,
        columns=COLUMNS,
        check_header=_check_header,
        max_rows=MAX_ROWS,
    )


@dataclass
class HouseholdRow:
    line: int
    values: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    data: dict[str, Any] = field(default_factory=dict)  # what the row writes (when valid)

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, message))

    @property
    def persons(self) -> int:
        return sum(int(self.data.get(b) or 0) for b in AGE_BANDS)


@dataclass
class HouseholdPreview:
    rows: list[HouseholdRow]
    # Persons of the contingent's households already there, and the contingent's persons: a
    # file that goes beyond them is shown with a notice (not an error: arrivals vary).
    existing_persons: int = 0
    contingent_persons: int = 0

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def error_rows(self) -> list[HouseholdRow]:
        return [r for r in self.rows if r.errors]

    @property
    def persons(self) -> int:
        return sum(r.persons for r in self.rows)

    @property
    def beyond_contingent(self) -> int:
        """Persons the contingent would have beyond its announced number after the import."""
        return max(0, self.existing_persons + self.persons - self.contingent_persons)

    def raw(self) -> list[tuple[int, dict[str, str]]]:
        return [(r.line, r.values) for r in self.rows]


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]


def _whole(row: HouseholdRow, column: str, *, maximum: int, minimum: int = 0) -> int | None:
    text = row.values.get(column, "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        row.error(column, _("Please enter a whole number."))
        return None
    value = int(text)
    if not minimum <= value <= maximum:
        row.error(
            column,
            _("Please enter a number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum},
        )
        return None
    return value


def _parse_row(row: HouseholdRow, eligible: set[str]) -> None:
    case_id = row.values.get("case_id", "").strip()
    if not case_id:
        row.error("case_id", _("The case number is missing."))
    elif not CASE_RE.match(case_id):
        row.error(
            "case_id",
            _("A case number consists of letters, digits and . _ / - (never a name)."),
        )
    elif not any(ch.isdigit() for ch in case_id):
        row.error("case_id", _("A case number contains at least one digit (never a name)."))
    row.data["case_id"] = case_id
    for band in AGE_BANDS:
        row.data[band] = _whole(row, band, maximum=MAX_PER_BAND) or 0
    persons = sum(row.data[b] for b in AGE_BANDS)
    if persons < 1 and not any(c in AGE_BANDS for c, _m in row.errors):
        row.error("age_18_64", _("A household has at least one member."))
    size = _whole(row, "size", maximum=MAX_PER_BAND * len(AGE_BANDS))
    if size is not None and size != persons:
        row.error(
            "size",
            _("The size %(size)s is not the sum of the age bands (%(sum)s).")
            % {"size": size, "sum": persons},
        )
    needs = _split(row.values.get("flags", ""))
    unknown = [n for n in needs if n not in Offer.values]
    if unknown:
        row.error(
            "flags",
            _("Unknown need „%(need)s“. Known: %(known)s.")
            % {"need": unknown[0][:40], "known": ", ".join(Offer.values)},
        )
    row.data["needs"] = sorted(set(needs) & set(Offer.values))
    links = []
    for part in _split(row.values.get("links", "")):
        other, _sep, kind = part.partition(":")
        kind = kind.strip() or LinkKind.SAME_MUNICIPALITY.value
        if kind not in LinkKind.values:
            row.error(
                "links",
                _("Unknown kind of link in „%(part)s“ (same_municipality or same_district).")
                % {"part": part[:60]},
            )
            continue
        links.append({"case": other.strip(), "kind": kind})
    row.data["links"] = links
    preferences = _split(row.values.get("preferences", ""))
    if any(not p.isascii() or not p.isdigit() for p in preferences):
        row.error("preferences", _("Please enter official keys (AGS) only."))
    elif len(set(preferences)) != len(preferences):
        row.error("preferences", _("A member is listed twice."))
    else:
        outside = [p for p in preferences if p not in eligible]
        if outside:
            row.error(
                "preferences",
                _("Not a member eligible for this contingent: %(ags)s")
                % {"ags": ", ".join(outside)[:100]},
            )
    row.data["preferences"] = preferences
    row.data["batch"] = _whole(row, "batch", minimum=1, maximum=MAX_BATCH)


def _check_links(rows: Sequence[HouseholdRow], existing: dict[str, Household]) -> None:
    """Links to unknown cases, to itself, contradicting kinds, and batches of linked
    households (who must be placed together arrives together)."""
    in_file = {r.data["case_id"]: r for r in rows}
    for row in rows:
        case = row.data["case_id"]
        kinds: dict[str, set[str]] = defaultdict(set)
        for link in row.data["links"]:
            other = link["case"]
            kinds[other].add(link["kind"])
            if other == case:
                row.error("links", _("A household cannot be linked to itself."))
            elif other not in in_file and other not in existing:
                row.error(
                    "links",
                    _(
                        "Unknown case number %(case)s: it is neither in the file nor in the "
                        "contingent."
                    )
                    % {"case": other[:40]},
                )
            elif link["kind"] == LinkKind.SAME_MUNICIPALITY:
                other_batch = (
                    in_file[other].data["batch"] if other in in_file else existing[other].batch
                )
                if other_batch != row.data["batch"]:
                    row.error(
                        "batch",
                        _(
                            "%(case)s must be placed together with %(other)s, but they are in "
                            "different batches."
                        )
                        % {"case": case, "other": other[:40]},
                    )
        for other, both in kinds.items():
            if len(both) > 1:
                row.error(
                    "links",
                    _("Contradictory links to %(case)s: both same municipality and same district.")
                    % {"case": other[:40]},
                )


def _groups(rows: Sequence[HouseholdRow]) -> list[list[HouseholdRow]]:
    """Households that must be placed together (same_municipality links, both directions)."""
    parent = {r.data["case_id"]: r.data["case_id"] for r in rows}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for r in rows:
        for link in r.data["links"]:
            if link["kind"] == LinkKind.SAME_MUNICIPALITY and link["case"] in parent:
                parent[find(r.data["case_id"])] = find(link["case"])
    groups: dict[str, list[HouseholdRow]] = defaultdict(list)
    for r in rows:
        groups[find(r.data["case_id"])].append(r)
    return list(groups.values())


def _check_capacity(rows: Sequence[HouseholdRow], caps: Capacities) -> None:
    """A household (with those it must be placed with) that no eligible member could take:
    its hard needs offered nowhere together, or more places of a resource than any member that
    offers them has free."""
    labels = dict(Resource.choices)
    for group in _groups(rows):
        if any(r.errors for r in group):
            continue
        hard = set().union(*(set(r.data["needs"]) & HARD_NEEDS for r in group))
        fitting = [m for m in caps.members if hard <= caps.offers[m.pk]]
        first = group[0]
        if not fitting:
            first.error(
                "flags",
                _("No eligible member offers %(needs)s together: the household cannot be placed.")
                % {"needs": ", ".join(str(dict(Offer.choices)[n]) for n in sorted(hard))},
            )
            continue
        needed: Counter[str] = Counter()
        for r in group:
            needed.update(
                resource_needs(Household(**{k: r.data[k] for k in (*AGE_BANDS, "needs")}))
            )
        order = [Resource.HOUSING.value, *(r for r in needed if r != Resource.HOUSING)]
        for resource in order:
            amount = needed.get(resource, 0)
            if amount <= 0:
                continue
            most = max(caps.free[m.pk].get(resource, 0) for m in fitting)
            if amount > most:
                column = "size" if resource == Resource.HOUSING else "flags"
                first.error(
                    column,
                    _(
                        "The household needs %(n)s places of „%(resource)s“%(together)s; no "
                        "eligible member has more than %(most)s free. It cannot be placed."
                    )
                    % {
                        "n": amount,
                        "resource": labels.get(resource, resource),
                        "together": _(" (with the households it must be placed with)")
                        if len(group) > 1
                        else "",
                        "most": most,
                    },
                )
                break


def check_households(
    contingent: Contingent, rows: Iterable[tuple[int, dict[str, str]]]
) -> HouseholdPreview:
    """Every row checked against the file and the contingent; nothing is written."""
    caps = capacities(contingent)
    eligible = {m.ags for m in caps.members}
    preview = HouseholdPreview(
        rows=[HouseholdRow(line=line, values=dict(values)) for line, values in rows],
        contingent_persons=contingent.persons,
    )
    for row in preview.rows:
        _parse_row(row, eligible)
    existing = {h.case_id: h for h in Household.objects.filter(contingent=contingent)}
    preview.existing_persons = sum(h.size for h in existing.values() if h.anonymised_at is None)
    seen: dict[str, int] = {}
    for row in preview.rows:
        case = row.data["case_id"]
        if not case:
            continue
        if case in existing:
            row.error("case_id", _("This case number exists already in the contingent."))
        elif case in seen:
            row.error(
                "case_id",
                _("The case number appears twice in the file (line %(line)s).")
                % {"line": seen[case]},
            )
        else:
            seen[case] = row.line
    _check_links(preview.rows, existing)
    if not caps.members:
        for row in preview.rows[:1]:
            row.error(
                "case_id",
                _("No member is eligible: name members or let them record pledges for the period."),
            )
    else:
        _check_capacity(preview.rows, caps)
    return preview
