"""Repair for late joiners and drop-outs keeps what it can and changes the fewest assignments."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from hafennetz.engines.grouping.model import (
    DropOut,
    LateJoin,
    Participant,
    PlanningError,
    Problem,
    Role,
    Round,
)
from hafennetz.engines.grouping.planner import plan
from hafennetz.engines.grouping.repair import apply_changes, changed_assignments, repair
from hafennetz.engines.grouping.scoring import check


def _meeting(n: int, facilitators: int, rounds: int = 3) -> Problem:
    people = tuple(
        Participant(
            id=f"p{i}",
            email=f"p{i}@example.org",
            member=f"m{i // 2}",
            state=f"s{i % 5}",
            role=Role.FACILITATOR if i < facilitators else Role.PARTICIPANT,
        )
        for i in range(n)
    )
    return Problem(people, (Round(4, 7),) * rounds)


@settings(max_examples=12, deadline=None)
@given(
    st.integers(18, 28),
    st.sampled_from([0, 4]),
    st.integers(0, 2),
    st.lists(st.integers(4, 17), max_size=3, unique=True),
    st.integers(0, 3),
)
def test_repair_keeps_earlier_rounds_and_unaffected_people(
    n: int, facilitators: int, from_round: int, dropped: list[int], joiners: int
) -> None:
    problem = _meeting(n, facilitators)
    before = plan(problem, seed=1, time_limit=5, max_iterations=4000)
    changes: list[DropOut | LateJoin] = [DropOut(f"p{i}", from_round) for i in dropped]
    changes += [
        LateJoin(Participant(id=f"new{j}", member=f"new{j}", state="s9"), from_round)
        for j in range(joiners)
    ]
    try:
        after = repair(problem, before, changes, seed=2, time_limit=5)
    except PlanningError:
        return
    new_problem = apply_changes(problem, changes)
    assert check(new_problem, after) == []
    # rounds before the change are untouched
    for r in range(from_round):
        assert [g.participant_ids for g in after.rounds[r].groups] == [
            g.participant_ids for g in before.rounds[r].groups
        ]
    moved = changed_assignments(before, after)
    assert all(r >= from_round for r, *_ in moved)
    # when the joiners fit into the free seats and nobody left, nobody is moved
    spare = min(
        sum(7 - len(g.participant_ids) for g in before.rounds[r].groups)
        for r in range(from_round, len(problem.rounds))
    )
    if not dropped and joiners <= spare:
        assert moved == []
    # drop-outs are gone from their round on, joiners are in
    for r in range(from_round, len(problem.rounds)):
        placed = {pid for g in after.rounds[r].groups for pid in g.participant_ids}
        assert not placed & {f"p{i}" for i in dropped}
        assert {f"new{j}" for j in range(joiners)} <= placed


def test_a_joiner_with_room_to_spare_moves_nobody() -> None:
    problem = _meeting(20, 0)
    before = plan(problem, seed=0, time_limit=5)
    joiner = Participant(id="late", member="late", state="s7")
    after = repair(problem, before, [LateJoin(joiner, 1)], seed=0, time_limit=5)
    assert changed_assignments(before, after) == []
    assert all(after.rounds[r].group_of("late") is not None for r in (1, 2))
    assert after.rounds[0].group_of("late") is None


def test_changes_are_minimal_against_brute_force() -> None:
    """Two groups of 3-4 after a drop-out: the fewest possible moves, found by enumeration."""
    people = tuple(Participant(id=f"p{i}", member=f"m{i}", state=f"s{i % 3}") for i in range(8))
    problem = Problem(people, (Round(3, 4, num_groups=2),))
    before = plan(problem, seed=0, time_limit=5)
    big = max(before.rounds[0].groups, key=lambda g: len(g.participant_ids))
    small = min(before.rounds[0].groups, key=lambda g: len(g.participant_ids))
    # drop two people of the same group: it falls below the minimum and someone has to move
    victims = small.participant_ids[:2]
    changes = [DropOut(v, 0) for v in victims]
    after = repair(problem, before, changes, seed=0, time_limit=5)
    moved = len(changed_assignments(before, after))
    old = before.assignment()
    remaining = [p.id for p in people if p.id not in victims]
    fewest = min(
        sum(1 for pid, g in zip(remaining, labels, strict=True) if old[(0, pid)] != g)
        for labels in itertools.product(range(2), repeat=len(remaining))
        if all(3 <= labels.count(g) <= 4 for g in range(2))
    )
    assert moved == fewest == 1
    assert len(big.participant_ids) == 4
