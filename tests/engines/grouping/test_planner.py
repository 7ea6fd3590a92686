"""The planner keeps every hard rule, reports what it computed, and is deterministic."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hafennetz.engines.grouping.issues import MESSAGES
from hafennetz.engines.grouping.model import (
    Group,
    Participant,
    Plan,
    PlanningError,
    Problem,
    Role,
    Round,
    RoundPlan,
)
from hafennetz.engines.grouping.planner import plan
from hafennetz.engines.grouping.scoring import check, objective, quality

from .strategies import problems

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(problems(), st.integers(0, 3))
def test_hard_rules_hold_or_conflicts_are_named(problem: Problem, seed: int) -> None:
    try:
        result = plan(problem, seed=seed, time_limit=5, max_iterations=3000)
    except PlanningError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.code in MESSAGES
            assert issue.message
        return
    assert check(problem, result) == []
    assert len(result.rounds) == len(problem.rounds)


@SETTINGS
@given(problems(), st.integers(0, 3))
def test_rescoring_equals_reported_quality(problem: Problem, seed: int) -> None:
    try:
        result = plan(problem, seed=seed, time_limit=5, max_iterations=3000)
    except PlanningError:
        return
    report = quality(problem, result)
    assert abs(report.objective - result.objective) < 1e-6
    assert abs(objective(problem, result) - result.objective) < 1e-6
    assert report.violations == 0
    # the report's counts agree with a direct count on the plan
    meetings: dict[frozenset[str], int] = {}
    for rp in result.rounds:
        for g in rp.groups:
            for a, b in itertools.combinations(g.participant_ids, 2):
                key = frozenset((a, b))
                meetings[key] = meetings.get(key, 0) + 1
    assert report.repeated_pairs == sum(1 for c in meetings.values() if c > 1)
    by_id = {p.id: p for p in problem.participants}
    states = [
        len({by_id[i].state for i in g.participant_ids}) for rp in result.rounds for g in rp.groups
    ]
    assert report.min_states_per_group == min(states)


@settings(max_examples=15, deadline=None)
@given(problems(), st.integers(0, 100))
def test_same_seed_same_plan(problem: Problem, seed: int) -> None:
    try:
        first = plan(problem, seed=seed, time_limit=30, max_iterations=2000)
    except PlanningError:
        return
    second = plan(problem, seed=seed, time_limit=30, max_iterations=2000)
    assert first.rounds == second.rounds
    assert first.objective == second.objective


def _all_round_plans(ids: list[str], k: int, lo: int, hi: int) -> list[tuple[tuple[str, ...], ...]]:
    out = []
    for labels in itertools.product(range(k), repeat=len(ids)):
        if labels[0] != 0:  # groups are interchangeable without topics: fix the first
            continue
        groups = tuple(
            tuple(i for i, lab in zip(ids, labels, strict=True) if lab == g) for g in range(k)
        )
        if all(lo <= len(g) <= hi for g in groups):
            out.append(groups)
    return out


@settings(max_examples=8, deadline=None)
@given(st.integers(5, 7), st.integers(0, 1000))
def test_small_instances_reach_the_brute_force_optimum(n: int, salt: int) -> None:
    """Two rounds, two groups, no topics: enumerate every plan and compare."""
    people = tuple(
        Participant(
            id=f"p{i}",
            member=f"m{(i * 7 + salt) % (n - 1)}",
            state=f"s{(i * 3 + salt) % 3}",
            size_class=("a", "b")[(i + salt) % 2],
        )
        for i in range(n)
    )
    problem = Problem(
        participants=people, rounds=(Round(2, 5, num_groups=2), Round(2, 5, num_groups=2))
    )
    ids = [p.id for p in people]
    per_round = _all_round_plans(ids, 2, 2, 5)
    best = max(
        objective(
            problem,
            Plan(
                rounds=tuple(
                    RoundPlan(r, tuple(Group(g, ms) for g, ms in enumerate(groups)))
                    for r, groups in enumerate(combo)
                )
            ),
        )
        for combo in itertools.product(per_round, repeat=2)
        if check(
            problem,
            Plan(
                rounds=tuple(
                    RoundPlan(r, tuple(Group(g, ms) for g, ms in enumerate(groups)))
                    for r, groups in enumerate(combo)
                )
            ),
        )
        == []
    )
    result = plan(problem, seed=salt, time_limit=20)
    assert abs(result.objective - best) < 1e-6


def test_facilitators_keep_their_room_and_lead_one_group_each() -> None:
    people = tuple(
        Participant(
            id=f"p{i}",
            member=f"m{i}",
            state=f"s{i % 4}",
            role=Role.FACILITATOR if i < 4 else Role.PARTICIPANT,
        )
        for i in range(20)
    )
    problem = Problem(participants=people, rounds=(Round(4, 6),) * 3)
    result = plan(problem, seed=1, time_limit=10)
    assert check(problem, result) == []
    for rp in result.rounds:
        assert [g.facilitator_id for g in rp.groups] == ["p0", "p1", "p2", "p3"]


def test_no_pair_meets_twice_where_a_schedule_exists() -> None:
    """9 people, groups of 3, 4 rounds: the affine plane of order 3 is such a schedule."""
    people = tuple(Participant(id=f"p{i}", member=f"m{i}", state=f"s{i % 3}") for i in range(9))
    problem = Problem(participants=people, rounds=(Round(3, 3),) * 4)
    result = plan(problem, seed=0, time_limit=20)
    assert quality(problem, result).repeated_pairs == 0


def test_topic_preferences_are_met_where_possible() -> None:
    people = tuple(
        Participant(
            id=f"p{i}", member=f"m{i}", state=f"s{i % 5}", topics=(("kita", "schule")[i % 2],)
        )
        for i in range(12)
    )
    problem = Problem(participants=people, rounds=(Round(6, 6, topics=("kita", "schule")),))
    result = plan(problem, seed=0, time_limit=10)
    report = quality(problem, result)
    assert report.preferences_met == report.preferences_possible == 12
