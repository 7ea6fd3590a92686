"""Exports as strings: plain CSV, Zoom pre-assignment CSV, BigBlueButton `groups` JSON, and a
printable list per round.

Zoom keeps one pre-assignment per meeting, so `zoom_csv` writes one round (columns
"Pre-assign Room Name", "Email Address" as in Zoom's import template). BigBlueButton's create
call takes `groups` as a JSON array of {"id", "name", "roster": [user ids]}; the roster holds
the ids the participants join with (the participant id unless `user_id` says otherwise).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from .model import Group, Participant, Plan, Problem

LABELS = {
    "de": {
        "round": "Runde",
        "group": "Gruppe",
        "topic": "Thema",
        "facilitator": "Moderation",
        "people": "Personen",
        "title": "Kleingruppen",
    },
    "en": {
        "round": "Round",
        "group": "Group",
        "topic": "Topic",
        "facilitator": "Facilitator",
        "people": "people",
        "title": "Small groups",
    },
}


def room_name(group: Group, lang: str = "de") -> str:
    name = f"{LABELS[lang]['group']} {group.index + 1:02d}"
    return f"{name} – {group.topic}" if group.topic else name


# A cell a spreadsheet would run as a formula (a name typed as "=HYPERLINK(…)") gets a leading
# apostrophe, as core.exports.neutralise does for the platform's own exports.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(
        [
            ["'" + cell if cell.startswith(_FORMULA_PREFIXES) else cell for cell in row]
            for row in rows
        ]
    )
    return out.getvalue()


def plain_csv(problem: Problem, plan: Plan) -> str:
    """One row per person and round; read back by `csvio.parse_plan` and usable as history."""
    by_id = {p.id: p for p in problem.participants}
    rows = [
        [
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
        ]
    ]
    for rp in plan.rounds:
        for group in rp.groups:
            for pid in group.participant_ids:
                p = by_id[pid]
                rows.append(
                    [
                        str(rp.index + 1),
                        str(group.index + 1),
                        group.topic or "",
                        p.id,
                        p.name,
                        p.email,
                        p.member,
                        p.state,
                        p.role.value,
                        p.key,
                    ]
                )
    return _csv(rows)


def zoom_csv(problem: Problem, plan: Plan, round_index: int, lang: str = "de") -> str:
    """Zoom breakout-room pre-assignment for one round; people without e-mail are left out
    (Zoom matches by e-mail), see `missing_emails`."""
    by_id = {p.id: p for p in problem.participants}
    rows = [["Pre-assign Room Name", "Email Address"]]
    for group in plan.rounds[round_index].groups:
        for pid in group.participant_ids:
            if by_id[pid].email:
                rows.append([room_name(group, lang), by_id[pid].email])
    return _csv(rows)


def missing_emails(problem: Problem, plan: Plan, round_index: int) -> list[str]:
    by_id = {p.id: p for p in problem.participants}
    return [
        pid
        for group in plan.rounds[round_index].groups
        for pid in group.participant_ids
        if not by_id[pid].email
    ]


def bbb_groups_json(
    problem: Problem,
    plan: Plan,
    round_index: int,
    user_id: Callable[[Participant], str] | None = None,
    lang: str = "de",
) -> str:
    """The `groups` parameter of BigBlueButton's create call for one round."""
    by_id = {p.id: p for p in problem.participants}
    ident = user_id or (lambda p: p.id)
    groups = [
        {
            "id": str(group.index + 1),
            "name": room_name(group, lang),
            "roster": [ident(by_id[pid]) for pid in group.participant_ids],
        }
        for group in plan.rounds[round_index].groups
    ]
    return json.dumps(groups, ensure_ascii=False, indent=2) + "\n"


def printable(problem: Problem, plan: Plan, lang: str = "de", title: str = "") -> str:
    """A plain-text list per round, facilitator first, for printing or e-mail."""
    by_id = {p.id: p for p in problem.participants}
    text = LABELS[lang]
    lines: list[str] = []
    heading = title or text["title"]
    lines += [heading, "=" * len(heading), ""]
    for rp in plan.rounds:
        lines += [f"{text['round']} {rp.index + 1}", "-" * (len(text["round"]) + 4), ""]
        for group in rp.groups:
            people = [by_id[pid] for pid in group.participant_ids]
            people.sort(key=lambda p: (not p.is_facilitator, p.name or p.id))
            head = f"{room_name(group, lang)} ({len(people)} {text['people']})"
            lines.append(head)
            for p in people:
                where = ", ".join(x for x in (p.member_name or p.member, p.state) if x)
                mark = f" [{text['facilitator']}]" if p.is_facilitator else ""
                label = p.name or p.id
                lines.append(f"  - {label}{mark}" + (f" ({where})" if where else ""))
            lines.append("")
    return "\n".join(lines)
