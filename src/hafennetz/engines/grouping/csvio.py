"""CSV input: participants, history, pins, and a plan (plain export) read back.

Formats with examples: docs/grouping/csv-formats.md. Files are UTF-8 (a BOM is accepted),
comma- or semicolon-separated (decided by the header line), one header row. Every error names
file, line and field; all errors of a file are collected before `CsvError` is raised.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from .model import Group, Participant, Pin, Plan, Role, RoundPlan

PARTICIPANT_COLUMNS = (
    "id",
    "name",
    "email",
    "member",
    "member_name",
    "state",
    "role",
    "size_class",
    "strain",
    "topics",
    "languages",
    "rounds",
    "person_key",
)
ROLE_NAMES = {
    "": Role.PARTICIPANT,
    "participant": Role.PARTICIPANT,
    "teilnehmer": Role.PARTICIPANT,
    "teilnahme": Role.PARTICIPANT,
    "facilitator": Role.FACILITATOR,
    "moderator": Role.FACILITATOR,
    "moderation": Role.FACILITATOR,
}
PLAN_COLUMNS = (
    "round",
    "group",
    "topic",
    "participant_id",
    "name",
    "email",
    "member",
    "state",
    "role",
    "person_key",
)


@dataclass(frozen=True, slots=True)
class CsvProblem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class CsvError(Exception):
    def __init__(self, problems: list[CsvProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _rows(
    text: str,
    name: str,
    required: tuple[str, ...],
    known: tuple[str, ...] | None,
    ignored: list[str] | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; header problems raise CsvError at once. With `ignored` (a list
    to fill), columns outside `known` are left out and named there (a list exported from a
    registration system has, say, an AGS or phone column) - unless the name is so close to a
    known one that it is a typo ("memeber"), which stays an error."""
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError(
            [CsvProblem(name, 1, "", "the file is empty (a header row is required)")]
        ) from None
    except csv.Error as exc:
        raise CsvError([CsvProblem(name, 1, "", f"unreadable CSV: {exc}")]) from None
    header = [h.strip().lower() for h in header]
    problems: list[CsvProblem] = []
    for column in required:
        if column not in header:
            problems.append(CsvProblem(name, 1, column, "required column is missing"))
    seen: set[str] = set()
    for column in header:
        if known is not None and column not in known:
            near = difflib.get_close_matches(column, known, n=1, cutoff=0.8)
            if ignored is not None and not near:
                if column not in ignored:
                    ignored.append(column)
            else:
                hint = f"did you mean '{near[0]}'? " if near else ""
                problems.append(
                    CsvProblem(name, 1, column, f"unknown column ({hint}known: {', '.join(known)})")
                )
        if column in seen:
            problems.append(CsvProblem(name, 1, column, "column appears twice"))
        seen.add(column)
    if problems:
        raise CsvError(problems)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            hint = " (a quote that is never closed?)" if "end of data" in str(exc) else ""
            raise CsvError(
                [CsvProblem(name, reader.line_num, "", f"unreadable CSV: {exc}{hint}")]
            ) from None
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise CsvError(
                [
                    CsvProblem(
                        name,
                        reader.line_num,
                        "",
                        f"{len(values)} fields, the header has {len(header)}",
                    )
                ]
            )
        yield (
            reader.line_num,
            {
                h: v.strip()
                for h, v in zip(header, values, strict=True)
                if ignored is None or h not in ignored
            },
        )


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.replace("|", ";").split(";") if part.strip())


def parse_participants(
    text: str,
    name: str = "participants.csv",
    rounds: int | None = None,
    ignored: list[str] | None = None,
) -> list[Participant]:
    """Participants from CSV. With `ignored` (a list to fill), unknown columns are skipped and
    named there instead of failing the file."""
    problems: list[CsvProblem] = []
    out: list[Participant] = []
    ids: dict[str, int] = {}
    for line, row in _rows(text, name, ("id",), PARTICIPANT_COLUMNS, ignored):
        pid = row.get("id", "")
        if not pid:
            problems.append(CsvProblem(name, line, "id", "must not be empty"))
            continue
        if pid in ids:
            problems.append(
                CsvProblem(name, line, "id", f"'{pid}' already used on line {ids[pid]}")
            )
            continue
        ids[pid] = line
        role_text = row.get("role", "").lower()
        if role_text not in ROLE_NAMES:
            problems.append(
                CsvProblem(name, line, "role", f"'{row['role']}' is not facilitator or participant")
            )
            continue
        email = row.get("email", "")
        if email and ("@" not in email or " " in email):
            problems.append(CsvProblem(name, line, "email", f"'{email}' is not an e-mail address"))
            continue
        strain: list[tuple[str, int]] = []
        bad = False
        for part in _split(row.get("strain", "")):
            topic, sep, level = part.partition("=")
            if not sep or not topic.strip() or level.strip() not in ("1", "2", "3", "4"):
                problems.append(
                    CsvProblem(name, line, "strain", f"'{part}' is not topic=level with level 1-4")
                )
                bad = True
                break
            strain.append((topic.strip(), int(level)))
        attend: tuple[int, ...] | None = None
        if row.get("rounds", ""):
            numbers: list[int] = []
            for part in _split(row["rounds"]):
                if (
                    not part.isdigit()
                    or int(part) < 1
                    or (rounds is not None and int(part) > rounds)
                ):
                    limit = f"1-{rounds}" if rounds is not None else ">= 1"
                    problems.append(
                        CsvProblem(
                            name, line, "rounds", f"'{part}' is not a round number ({limit})"
                        )
                    )
                    bad = True
                    break
                numbers.append(int(part) - 1)
            attend = tuple(sorted(set(numbers)))
        if bad:
            continue
        out.append(
            Participant(
                id=pid,
                name=row.get("name", ""),
                email=email,
                member=row.get("member", ""),
                member_name=row.get("member_name", ""),
                state=row.get("state", ""),
                role=ROLE_NAMES[role_text],
                size_class=row.get("size_class", ""),
                strain=tuple(strain),
                topics=_split(row.get("topics", "")),
                languages=_split(row.get("languages", "")),
                rounds=attend,
                person_key=row.get("person_key", ""),
            )
        )
    if not out and not problems:
        problems.append(CsvProblem(name, 2, "", "no participants in the file"))
    if problems:
        raise CsvError(problems)
    return out


def parse_history(text: str, name: str = "history.csv") -> list[tuple[str, str]]:
    """Pairs of person keys. Either `person_a,person_b` rows, or an earlier plan (plain export
    with `round`, `group` and `person_key`, `email` or `participant_id`): everyone who shared
    a group met. An optional `meeting` column keeps several earlier plans apart."""
    text = text.removeprefix("\ufeff")
    header = text.split("\n", 1)[0].lower()
    pairs: list[tuple[str, str]] = []
    problems: list[CsvProblem] = []
    if "person_a" in header:
        for line, row in _rows(text, name, ("person_a", "person_b"), None):
            a, b = row["person_a"], row["person_b"]
            for field, value in (("person_a", a), ("person_b", b)):
                if not value:
                    problems.append(CsvProblem(name, line, field, "must not be empty"))
            if a and b:
                if a.lower() == b.lower():
                    problems.append(CsvProblem(name, line, "person_b", "same person as person_a"))
                else:
                    pairs.append((a, b))
    else:
        groups: dict[tuple[str, str, str], list[str]] = {}
        for line, row in _rows(text, name, ("round", "group"), None):
            key = (
                row.get("person_key")
                or row.get("email", "").lower()
                or row.get("participant_id", "")
            )
            if not key:
                problems.append(
                    CsvProblem(
                        name, line, "person_key", "needs person_key, email or participant_id"
                    )
                )
                continue
            for field in ("round", "group"):
                if not row[field]:
                    problems.append(CsvProblem(name, line, field, "must not be empty"))
            groups.setdefault((row.get("meeting", ""), row["round"], row["group"]), []).append(key)
        for members in groups.values():
            pairs.extend(combinations(members, 2))
    if problems:
        raise CsvError(problems)
    return pairs


def _positive(
    row: dict[str, str], field: str, name: str, line: int, problems: list[CsvProblem]
) -> int | None:
    value = row.get(field, "")
    if not value.isdigit() or int(value) < 1:
        problems.append(CsvProblem(name, line, field, f"'{value}' is not a number >= 1"))
        return None
    return int(value)


def parse_pins(text: str, name: str = "pins.csv") -> list[Pin]:
    """`participant_id,round,group` (round and group 1-based)."""
    pins: list[Pin] = []
    problems: list[CsvProblem] = []
    for line, row in _rows(
        text, name, ("participant_id", "round", "group"), ("participant_id", "round", "group")
    ):
        r = _positive(row, "round", name, line, problems)
        g = _positive(row, "group", name, line, problems)
        if not row["participant_id"]:
            problems.append(CsvProblem(name, line, "participant_id", "must not be empty"))
        elif r is not None and g is not None:
            pins.append(Pin(row["participant_id"], r - 1, g - 1))
    if problems:
        raise CsvError(problems)
    return pins


def parse_plan(text: str, name: str = "plan.csv") -> Plan:
    """A plan in the plain export format (round, group 1-based)."""
    problems: list[CsvProblem] = []
    cells: dict[int, dict[int, list[str]]] = {}
    topics: dict[tuple[int, int], str] = {}
    for line, row in _rows(text, name, ("round", "group", "participant_id"), None):
        r = _positive(row, "round", name, line, problems)
        g = _positive(row, "group", name, line, problems)
        if not row["participant_id"]:
            problems.append(CsvProblem(name, line, "participant_id", "must not be empty"))
        elif r is not None and g is not None:
            cells.setdefault(r - 1, {}).setdefault(g - 1, []).append(row["participant_id"])
            if row.get("topic"):
                topics[(r - 1, g - 1)] = row["topic"]
    if problems:
        raise CsvError(problems)
    rounds = []
    for r in sorted(cells):
        k = max(cells[r]) + 1
        rounds.append(
            RoundPlan(
                index=r,
                groups=tuple(
                    Group(
                        index=g,
                        participant_ids=tuple(cells[r].get(g, [])),
                        topic=topics.get((r, g)),
                    )
                    for g in range(k)
                ),
            )
        )
    return Plan(rounds=tuple(rounds))


def parse_plan_participants(text: str, name: str = "plan.csv") -> list[Participant]:
    """The people of a plan CSV (first row per id), to rebuild who was there before."""
    people: dict[str, Participant] = {}
    for _, row in _rows(text, name, ("round", "group", "participant_id"), None):
        pid = row["participant_id"]
        if pid and pid not in people:
            people[pid] = Participant(
                id=pid,
                name=row.get("name", ""),
                email=row.get("email", ""),
                member=row.get("member", ""),
                state=row.get("state", ""),
                role=ROLE_NAMES.get(row.get("role", "").lower(), Role.PARTICIPANT),
                person_key=row.get("person_key", ""),
            )
    return list(people.values())


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise CsvError([CsvProblem(str(path), line, "", "not UTF-8 text")]) from None
