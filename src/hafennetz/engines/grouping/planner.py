"""plan(problem) -> Plan: lay out the rounds, build the search model, search, read the plan."""

from __future__ import annotations

import time
from collections.abc import Callable

from .construct import NoFeasibleAssignment, initial_assignment
from .issues import make_issue
from .layout import RoundLayout, build_layout, facilitator_rule_applies
from .model import Group, Plan, PlanningError, Problem, RoundPlan, SearchStats
from .objective import base_pair_weight, history_counts, person_weight, strained_mix
from .search import Progress, RoundSpec, SearchModel, search


def build_model(problem: Problem, layouts: list[RoundLayout]) -> SearchModel:
    people = problem.participants
    n = len(people)
    index = {p.id: i for i, p in enumerate(people)}
    weights = problem.weights
    history = history_counts(problem)
    soft_member = not problem.rules.distinct_members
    base = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            w = base_pair_weight(people[i], people[j], weights, history, soft_member)
            base[i][j] = base[j][i] = w
    topics = sorted({t for lay in layouts for t in lay.topics if t is not None})
    matrices = [base]
    matrix_index: dict[str | None, int] = {None: 0}
    for topic in topics:
        m = [row[:] for row in base]
        if weights.strain_mix:
            strain = [p.strain_on(topic) for p in people]
            for i in range(n):
                if strain[i] is None:
                    continue
                for j in range(i + 1, n):
                    if strain[j] is not None and strained_mix(people[i], people[j], topic):
                        m[i][j] += weights.strain_mix
                        m[j][i] += weights.strain_mix
        matrix_index[topic] = len(matrices)
        matrices.append(m)
    rounds: list[RoundSpec] = []
    for lay in layouts:
        k = lay.num_groups
        affinity = None
        if any(t is not None for t in lay.topics) and weights.topic_preference:
            affinity = [
                [person_weight(p, lay.topics[g], weights) for p in people] for g in range(k)
            ]
        rounds.append(
            RoundSpec(
                elements=[index[pid] for pid in lay.people],
                num_groups=k,
                lo=[lay.min_size] * k,
                hi=[lay.max_size] * k,
                matrix_of_group=[matrix_index[t] for t in lay.topics],
                affinity=affinity,
                fixed={index[pid]: g for pid, g in lay.pinned.items()},
            )
        )
    labels = None
    if problem.rules.distinct_members:
        member_ids: dict[str, int] = {}
        labels = [
            member_ids.setdefault(p.member, len(member_ids)) if p.member else -1 for p in people
        ]
    classes = None
    if facilitator_rule_applies(problem) and not problem.rules.fixed_facilitators:
        classes = [1 if p.is_facilitator else 0 for p in people]
    return SearchModel(
        n=n,
        matrices=matrices,
        rounds=rounds,
        labels=labels,
        classes=classes,
        repeat_penalty=weights.repeat_in_meeting,
    )


def to_plan(
    problem: Problem,
    layouts: list[RoundLayout],
    assignment: list[list[int]],
    objective: float,
    stats: SearchStats | None,
) -> Plan:
    people = problem.participants
    round_plans: list[RoundPlan] = []
    for lay, grp in zip(layouts, assignment, strict=True):
        members: list[list[str]] = [[] for _ in range(lay.num_groups)]
        for i, p in enumerate(people):
            if grp[i] >= 0:
                members[grp[i]].append(p.id)
        facilitators = set(lay.facilitators)
        groups = tuple(
            Group(
                index=g,
                participant_ids=tuple(ids),
                topic=lay.topics[g],
                facilitator_id=next((pid for pid in ids if pid in facilitators), None),
            )
            for g, ids in enumerate(members)
        )
        round_plans.append(RoundPlan(index=lay.index, groups=groups))
    return Plan(rounds=tuple(round_plans), objective=objective, stats=stats)


def plan(
    problem: Problem,
    seed: int = 0,
    time_limit: float = 10.0,
    *,
    max_iterations: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Plan:
    """The best plan found within `time_limit` seconds; raises PlanningError on conflicts.

    The result depends only on the problem and the seed when the search converges (or reaches
    `max_iterations`) before the time limit; `plan.stats.stopped_by` says which happened.
    """
    started = time.perf_counter()
    layouts = build_layout(problem)
    model = build_model(problem, layouts)
    try:
        initial = initial_assignment(model, seed=seed, time_limit=max(1.0, time_limit / 2))
    except NoFeasibleAssignment as exc:
        raise PlanningError(
            [
                make_issue(
                    "no_feasible_assignment" if exc.proven else "no_assignment_in_time",
                    "widen the group sizes, remove pins, or allow people of one member together"
                    if exc.proven
                    else "raise the time limit",
                    round=layouts[exc.round_index].index,
                )
            ]
        ) from exc
    # 5 % of the budget is kept for reading the plan back and re-scoring it
    remaining = max(0.1, 0.95 * time_limit - (time.perf_counter() - started))
    result = search(
        model,
        initial,
        seed=seed,
        time_limit=remaining,
        max_iterations=max_iterations,
        progress=progress,
    )
    stats = SearchStats(
        seed=seed,
        iterations=result.iterations,
        seconds=time.perf_counter() - started,
        stopped_by=result.stopped_by,
    )
    return to_plan(problem, layouts, result.assignment, result.objective, stats)
