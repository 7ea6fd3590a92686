"""CSV input and output (formats: docs/allocation/csv-formats.md).

Every problem is reported as an `InputError` naming file, line and field; nothing is guessed.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from .errors import InputError
from .model import (
    AGE_BANDS,
    AllocationResult,
    Household,
    Link,
    LinkKind,
    Municipality,
)

AGE_COLUMNS = ("age_0_2", "age_3_5", "age_6_17", "age_18_64", "age_65_plus")
SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
AGS = re.compile(r"^[0-9]{2,12}$")
assert len(AGE_COLUMNS) == len(AGE_BANDS)


def _rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) with the header checked; line numbers count the header as 1."""
    name = str(path)
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(name, None, None, f"cannot open file: {exc.strerror}") from exc
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(name, 1, None, "file is empty (a header row is required)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(name, 1, None, f"malformed CSV: {exc}") from exc
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(name, 1, missing[0], "required column missing from the header")
        dupes = {h for h in header if header.count(h) > 1}
        if dupes:
            raise InputError(name, 1, sorted(dupes)[0], "column appears twice in the header")
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise InputError(name, reader.line_num, None, f"malformed CSV: {exc}") from exc
            line = reader.line_num
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise InputError(
                    name, line, None, f"expected {len(header)} fields, found {len(values)}"
                )
            yield line, {h: v.strip() for h, v in zip(header, values, strict=True)}


def _int(name: str, line: int, field: str, text: str, *, minimum: int = 0) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(name, line, field, f"not a whole number: {text!r}") from None
    if value < minimum:
        raise InputError(name, line, field, f"must be at least {minimum}, got {value}")
    return value


def _float(name: str, line: int, field: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(name, line, field, f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise InputError(name, line, field, f"must be a finite number >= 0, got {text!r}")
    return value


def _list(text: str) -> list[str]:
    return [t.strip() for t in text.split(";") if t.strip()]


def _slugs(name: str, line: int, field: str, text: str) -> frozenset[str]:
    items = _list(text)
    for s in items:
        if not SLUG.match(s):
            raise InputError(name, line, field, f"not a slug (a-z, 0-9, _): {s!r}")
    return frozenset(items)


def read_municipalities(path: str | Path) -> tuple[tuple[Municipality, ...], dict[str, int]]:
    """Municipalities and the line of each AGS."""
    path = Path(path)
    name = str(path)
    out: list[Municipality] = []
    lines: dict[str, int] = {}
    for line, row in _rows(path, ["ags"]):
        ags = row["ags"]
        if not AGS.match(ags):
            raise InputError(name, line, "ags", f"not an official key (digits): {ags!r}")
        if ags in lines:
            raise InputError(name, line, "ags", f"duplicate AGS {ags} (first on line {lines[ags]})")
        caps: dict[str, int] = {}
        for col, text in row.items():
            if col.startswith("cap_") and text != "":
                resource = col[4:]
                if not SLUG.match(resource):
                    raise InputError(name, 1, col, "capacity column needs a resource slug")
                caps[resource] = _int(name, line, col, text, minimum=0)
        population = row.get("population", "")
        target = row.get("target_share", "")
        state = row.get("state", "")
        district = row.get("district", "")
        if state and not re.match(r"^[0-9]{2}$", state):
            raise InputError(name, line, "state", f"state key must have 2 digits: {state!r}")
        if district and not re.match(r"^[0-9]{5}$", district):
            raise InputError(
                name, line, "district", f"district key must have 5 digits: {district!r}"
            )
        out.append(
            Municipality(
                ags=ags,
                name=row.get("name", ""),
                state=state,
                district=district,
                population=_int(name, line, "population", population) if population else 0,
                capacities=caps,
                offers=_slugs(name, line, "offers", row.get("offers", "")),
                target_share=_float(name, line, "target_share", target) if target else None,
            )
        )
        lines[ags] = line
    if not out:
        raise InputError(name, None, None, "no municipalities in the file")
    return tuple(out), lines


def read_households(
    path: str | Path, known_ags: set[str]
) -> tuple[tuple[Household, ...], dict[str, int]]:
    """Households and the line of each case id. Links and preferences are checked."""
    path = Path(path)
    name = str(path)
    out: list[Household] = []
    lines: dict[str, int] = {}
    raw_links: list[tuple[int, str, str, LinkKind]] = []
    for line, row in _rows(path, ["case_id", *AGE_COLUMNS]):
        case_id = row["case_id"]
        if not case_id:
            raise InputError(name, line, "case_id", "empty case number")
        if case_id in lines:
            raise InputError(
                name,
                line,
                "case_id",
                f"duplicate case number {case_id} (first on line {lines[case_id]})",
            )
        ages = tuple(_int(name, line, c, row[c] or "0") for c in AGE_COLUMNS)
        size = sum(ages)
        if size == 0:
            raise InputError(name, line, "age_18_64", "household has no members")
        if row.get("size"):
            given = _int(name, line, "size", row["size"], minimum=1)
            if given != size:
                raise InputError(
                    name, line, "size", f"size {given} contradicts the age bands (sum {size})"
                )
        flags = _slugs(name, line, "flags", row.get("flags", ""))
        needs: dict[str, int] = {}
        for col, text in row.items():
            if col.startswith("need_") and text != "":
                needs[col[5:]] = _int(name, line, col, text)
        if "housing" in needs and needs["housing"] != size:
            raise InputError(
                name, line, "need_housing", f"{needs['housing']} contradicts household size {size}"
            )
        if needs.get("childcare", 0) > ages[0] + ages[1]:
            raise InputError(
                name, line, "need_childcare", "more childcare places than children 0-5"
            )
        if needs.get("school", 0) > ages[2]:
            raise InputError(name, line, "need_school", "more school places than children 6-17")
        prefs = _list(row.get("preferences", ""))
        for p in prefs:
            if p not in known_ags:
                raise InputError(name, line, "preferences", f"unknown municipality {p}")
        if len(set(prefs)) != len(prefs):
            raise InputError(name, line, "preferences", "a municipality is listed twice")
        for item in _list(row.get("links", "")):
            other, _, kind_text = item.partition(":")
            kind_text = kind_text or LinkKind.SAME_MUNICIPALITY.value
            try:
                kind = LinkKind(kind_text)
            except ValueError:
                raise InputError(
                    name,
                    line,
                    "links",
                    f"unknown link kind {kind_text!r} (same_municipality, same_district)",
                ) from None
            if other == case_id:
                raise InputError(name, line, "links", "a household cannot be linked to itself")
            raw_links.append((line, case_id, other, kind))
        out.append(
            Household(
                case_id=case_id,
                age_bands=(ages[0], ages[1], ages[2], ages[3], ages[4]),
                flags=flags,
                needs=needs,
                preferences=tuple(prefs),
            )
        )
        lines[case_id] = line
    if not out:
        raise InputError(name, None, None, "no households in the file")
    links: dict[str, list[Link]] = {}
    kinds: dict[frozenset[str], tuple[LinkKind, int]] = {}
    for line, case_id, other, kind in raw_links:
        if other not in lines:
            raise InputError(name, line, "links", f"unknown case number {other}")
        pair = frozenset((case_id, other))
        if pair in kinds and kinds[pair][0] is not kind:
            raise InputError(
                name,
                line,
                "links",
                f"link to {other} is {kind.value} here but "
                f"{kinds[pair][0].value} on line {kinds[pair][1]}",
            )
        kinds[pair] = (kind, line)
        links.setdefault(case_id, []).append(Link(other, kind))
    result = tuple(replace(h, links=tuple(links.get(h.case_id, ()))) for h in out)
    return result, lines


def read_outcomes(
    path: str | Path, households: tuple[Household, ...], known_ags: set[str]
) -> tuple[Household, ...]:
    """Attach predicted outcomes: rows `case_id,ags,probabilities` (per member, `;`-separated)."""
    path = Path(path)
    name = str(path)
    by_case: dict[str, dict[str, tuple[float, ...]]] = {}
    sizes = {h.case_id: h.size for h in households}
    for line, row in _rows(path, ["case_id", "ags", "probabilities"]):
        case_id, ags = row["case_id"], row["ags"]
        if case_id not in sizes:
            raise InputError(name, line, "case_id", f"unknown case number {case_id}")
        if ags not in known_ags:
            raise InputError(name, line, "ags", f"unknown municipality {ags}")
        probs = tuple(_float(name, line, "probabilities", p) for p in _list(row["probabilities"]))
        if any(p > 1 for p in probs):
            raise InputError(name, line, "probabilities", "probabilities must be between 0 and 1")
        if len(probs) > sizes[case_id]:
            raise InputError(
                name, line, "probabilities", f"{len(probs)} values for {sizes[case_id]} members"
            )
        if ags in by_case.setdefault(case_id, {}):
            raise InputError(name, line, "ags", f"second row for {case_id} at {ags}")
        by_case[case_id][ags] = probs
    return tuple(
        replace(h, outcomes=by_case[h.case_id]) if h.case_id in by_case else h for h in households
    )


def atomic_write(path: str | Path, rows: Sequence[Sequence[object]]) -> None:
    """Write a CSV file completely or not at all."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


RESULT_HEADER = (
    "case_id",
    "ags",
    "status",
    "score",
    "need_fit",
    "preference",
    "outcome",
    "flags_met",
    "reason_code",
    "reason",
    "runner_up",
)


def result_rows(result: AllocationResult) -> list[list[object]]:
    rows: list[list[object]] = [list(RESULT_HEADER)]
    for e in result.households:
        parts = e.score_parts
        reason = e.reasons[-1] if e.reasons else None
        rows.append(
            [
                e.case_id,
                e.ags or "",
                "placed" if e.ags else "unplaced",
                f"{sum(parts.values()):.6g}" if e.ags else "",
                f"{parts.get('need_fit', 0.0):.6g}" if e.ags else "",
                f"{parts.get('preference', 0.0):.6g}" if e.ags else "",
                f"{parts.get('outcome', 0.0):.6g}" if e.ags else "",
                ";".join(e.flags_met),
                reason.code if reason else "",
                reason.message if reason else "",
                e.alternatives[0].ags if e.alternatives else "",
            ]
        )
    return rows


def municipality_rows(result: AllocationResult) -> list[list[object]]:
    if not result.municipalities:
        return [["ags"]]
    resources = [u.resource for u in result.municipalities[0].usage]
    header: list[object] = ["ags", "households", "persons", "target_persons"]
    for r in resources:
        header.extend([f"used_{r}", f"cap_{r}"])
    rows: list[list[object]] = [header]
    for m in result.municipalities:
        row: list[object] = [
            m.ags,
            m.households,
            m.persons,
            "" if m.target_persons is None else f"{m.target_persons:.2f}",
        ]
        for u in m.usage:
            row.extend([u.used, u.capacity])
        rows.append(row)
    return rows


def read_result(path: str | Path) -> tuple[dict[str, str | None], list[tuple[str, str | None]]]:
    """A result file as an assignment (and its raw rows, to detect split households)."""
    path = Path(path)
    assignment: dict[str, str | None] = {}
    rows: list[tuple[str, str | None]] = []
    for _line, row in _rows(path, ["case_id", "ags"]):
        ags = row["ags"] or None
        assignment[row["case_id"]] = ags
        rows.append((row["case_id"], ags))
    return assignment, rows
