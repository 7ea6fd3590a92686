"""Impossible settings: structured conflicts naming the problem and the nearest feasible setting."""

from __future__ import annotations

import pytest

from hafennetz.engines.grouping.model import (
    Participant,
    Pin,
    PlanningError,
    Problem,
    Role,
    Round,
)
from hafennetz.engines.grouping.planner import plan


def _people(n: int, facilitators: int = 0, member: str | None = None) -> tuple[Participant, ...]:
    return tuple(
        Participant(
            id=f"p{i}",
            member=member or f"m{i}",
            state=f"s{i % 4}",
            role=Role.FACILITATOR if i < facilitators else Role.PARTICIPANT,
        )
        for i in range(n)
    )


def _conflicts(problem: Problem) -> list[tuple[str, dict[str, str | int], str]]:
    with pytest.raises(PlanningError) as info:
        plan(problem, time_limit=2)
    return [(i.code, dict(i.params), i.suggestion) for i in info.value.issues]


def test_more_facilitators_required_than_exist() -> None:
    [(code, params, suggestion)] = _conflicts(Problem(_people(30, facilitators=2), (Round(5, 7),)))
    assert code == "too_few_facilitators"
    assert params == {"round": 0, "groups_needed": 5, "facilitators": 2}
    assert "add 3 facilitators" in suggestion
    assert "maximum group size to 15" in suggestion


def test_requested_groups_exceed_facilitators() -> None:
    [(code, params, _)] = _conflicts(
        Problem(_people(30, facilitators=4), (Round(5, 7, num_groups=5),))
    )
    assert code == "too_few_facilitators"
    assert params["groups_needed"] == 5


def test_size_bounds_that_cannot_fit() -> None:
    [(code, params, suggestion)] = _conflicts(Problem(_people(13), (Round(5, 5),)))
    assert code == "sizes_cannot_fit"
    assert params == {"round": 0, "people": 13, "min_size": 5, "max_size": 5}
    assert suggestion == "use group sizes 4-5"


def test_member_with_more_people_than_groups() -> None:
    people = _people(12) + tuple(
        Participant(id=f"b{i}", member="big", state="s1") for i in range(3)
    )
    [(code, params, suggestion)] = _conflicts(Problem(people, (Round(6, 8),)))
    assert code == "member_exceeds_groups"
    assert params == {"round": 0, "member": "big", "people": 3, "groups": 2}
    assert "at most 2 people of member big" in suggestion


def test_every_conflict_is_reported_at_once() -> None:
    problem = Problem(
        _people(13),
        (Round(5, 5), Round(4, 5, topics=("a", "b", "c", "d"))),
        pins=(Pin("nobody", 0, 0), Pin("p1", 1, 7)),
    )
    codes = {code for code, _, _ in _conflicts(problem)}
    assert codes == {
        "sizes_cannot_fit",
        "too_many_topics",
        "pin_unknown_participant",
        "pin_group_out_of_range",
    }


def test_pins_into_one_group_of_the_same_member() -> None:
    people = (
        *_people(10),
        Participant(id="x1", member="same", state="s1"),
        Participant(id="x2", member="same", state="s2"),
    )
    problem = Problem(people, (Round(3, 4),), pins=(Pin("x1", 0, 0), Pin("x2", 0, 0)))
    [(code, params, _)] = _conflicts(problem)
    assert code == "pins_same_member"
    assert params["member"] == "same"


def test_pins_are_kept() -> None:
    problem = Problem(
        _people(12), (Round(3, 4), Round(3, 4)), pins=(Pin("p5", 1, 2), Pin("p0", 0, 1))
    )
    result = plan(problem, time_limit=5)
    assert result.rounds[1].group_of("p5") == 2
    assert result.rounds[0].group_of("p0") == 1
