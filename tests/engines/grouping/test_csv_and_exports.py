"""CSV input names file, line and field; exports have the formats the platforms import."""

from __future__ import annotations

import csv
import io
import json

import pytest

from hafennetz.engines.grouping.csvio import (
    CsvError,
    parse_history,
    parse_participants,
    parse_pins,
    parse_plan,
)
from hafennetz.engines.grouping.exports import bbb_groups_json, plain_csv, printable, zoom_csv
from hafennetz.engines.grouping.model import Problem, Role, Round
from hafennetz.engines.grouping.planner import plan

GOOD = """id,name,email,member,member_name,state,role,size_class,strain,topics,languages,rounds
r1,Anna A,anna@example.org,12054000,Potsdam,Brandenburg,facilitator,large,kita=3;schule=2,kita,de,
r2,Ben B,ben@example.org,01002000,Kiel,Schleswig-Holstein,participant,large,kita=1,kita;schule,,1;2
"""


def _problems(text: str, rounds: int | None = None) -> list[tuple[int, str, str]]:
    with pytest.raises(CsvError) as info:
        parse_participants(text, "people.csv", rounds)
    assert all(p.file == "people.csv" for p in info.value.problems)
    return [(p.line, p.field, p.message) for p in info.value.problems]


def test_participants_are_read_with_all_attributes() -> None:
    anna, ben = parse_participants(GOOD, "people.csv", rounds=3)
    assert anna.role is Role.FACILITATOR and anna.strain == (("kita", 3), ("schule", 2))
    assert anna.languages == ("de",) and anna.rounds is None and ben.languages == ()
    assert ben.rounds == (0, 1) and ben.topics == ("kita", "schule")
    assert ben.key == "ben@example.org"


def test_semicolon_separated_files_with_bom_are_accepted() -> None:
    text = "\ufeffid;name;member;state\nr1;Anna;01;Berlin\nr2;Ben;02;Hamburg\n"
    assert [p.state for p in parse_participants(text)] == ["Berlin", "Hamburg"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("r3,C,c@example.org,1,,BY,boss,,,,,", (4, "role")),
        ("r3,C,not-an-address,1,,BY,,,,,,", (4, "email")),
        ("r3,C,c@example.org,1,,BY,,,kita=7,,,", (4, "strain")),
        ("r3,C,c@example.org,1,,BY,,,,,,4", (4, "rounds")),
        ("r1,C,c@example.org,1,,BY,,,,,,", (4, "id")),
        (",C,c@example.org,1,,BY,,,,,,", (4, "id")),
    ],
)
def test_bad_fields_name_line_and_field(line: str, expected: tuple[int, str]) -> None:
    [(got_line, field, _)] = _problems(GOOD + line + "\n", rounds=3)
    assert (got_line, field) == expected


def test_header_problems_are_line_one() -> None:
    missing, unknown = _problems("name,memeber\nA,1\n")
    assert missing == (1, "id", "required column is missing")
    assert unknown[:2] == (1, "memeber") and unknown[2].startswith("unknown column")
    [(line, field, message)] = _problems("id,name\nr1,A,extra\n")
    assert (line, field) == (2, "") and "3 fields" in message


def test_history_from_pairs_and_from_an_earlier_plan() -> None:
    assert parse_history("person_a,person_b\na@x.de,b@x.de\n") == [("a@x.de", "b@x.de")]
    earlier = "round,group,participant_id,email\n1,1,r1,A@x.de\n1,1,r2,b@x.de\n1,2,r3,c@x.de\n"
    assert parse_history(earlier) == [("a@x.de", "b@x.de")]
    with pytest.raises(CsvError) as info:
        parse_history("person_a,person_b\na@x.de,\n", "h.csv")
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.field) == ("h.csv", 2, "person_b")


def test_pins_are_one_based_in_the_file() -> None:
    [pin] = parse_pins("participant_id,round,group\nr1,2,3\n")
    assert (pin.participant_id, pin.round, pin.group) == ("r1", 1, 2)
    with pytest.raises(CsvError) as info:
        parse_pins("participant_id,round,group\nr1,0,x\n", "pins.csv")
    assert [(p.line, p.field) for p in info.value.problems] == [(2, "round"), (2, "group")]


def test_exports_round_trip_and_formats() -> None:
    people = parse_participants(GOOD)
    problem = Problem(tuple(people), (Round(2, 2, topics=("kita",)), Round(2, 2)))
    result = plan(problem, time_limit=2)
    text = plain_csv(problem, result)
    back = parse_plan(text)
    assert [[g.participant_ids for g in rp.groups] for rp in back.rounds] == [
        [g.participant_ids for g in rp.groups] for rp in result.rounds
    ]
    zoom = list(csv.reader(io.StringIO(zoom_csv(problem, result, 0))))
    assert zoom[0] == ["Pre-assign Room Name", "Email Address"]
    assert sorted(row[1] for row in zoom[1:]) == ["anna@example.org", "ben@example.org"]
    assert zoom[1][0] == "Gruppe 01 – kita"
    groups = json.loads(bbb_groups_json(problem, result, 1, lang="en"))
    assert groups == [{"id": "1", "name": "Group 01", "roster": ["r1", "r2"]}]
    listing = printable(problem, result)
    assert "Runde 2" in listing and "Anna A [Moderation] (Potsdam, Brandenburg)" in listing


def test_unknown_columns_are_ignored_and_named_but_typos_are_errors() -> None:
    from hafennetz.engines.grouping.csvio import parse_participants

    ignored: list[str] = []
    people = parse_participants(
        "id;name;ags;telefon;member\nr1;A;05766020;0521 1;m1\n", ignored=ignored
    )
    assert [p.id for p in people] == ["r1"] and people[0].member == "m1"
    assert ignored == ["ags", "telefon"]
    with pytest.raises(CsvError) as exc:
        parse_participants("id,memeber\nr1,m1\n", ignored=[])
    assert "did you mean 'member'" in str(exc.value)
