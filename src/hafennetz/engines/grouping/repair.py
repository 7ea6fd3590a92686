"""Repair a plan for late joiners and drop-outs, changing as few assignments as possible.

Rounds before the first change are kept as they are. For every later round CP-SAT finds an
assignment that keeps the hard rules and keeps the largest possible number of the old
assignments (a proven minimum of changes when it finishes within the time limit). Everyone it
keeps is then fixed; the search places the joiners and the people who had to move as well as
the goals allow.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import replace

from .construct import NoFeasibleAssignment, cp_sat_round
from .issues import make_issue
from .layout import build_layout, facilitator_rule_applies
from .model import Change, DropOut, LateJoin, Plan, PlanningError, Problem, SearchStats
from .planner import build_model, to_plan
from .search import search


def apply_changes(problem: Problem, changes: Sequence[Change]) -> Problem:
    """The problem after the changes: joiners added, drop-outs absent from their round on."""
    rounds = range(len(problem.rounds))
    people = list(problem.participants)
    index = {p.id: i for i, p in enumerate(people)}
    for change in changes:
        if isinstance(change, LateJoin):
            p = change.participant
            attend = tuple(r for r in rounds if r >= change.from_round and p.attends(r))
            joined = replace(p, rounds=attend)
            if p.id in index:
                people[index[p.id]] = joined
            else:
                index[p.id] = len(people)
                people.append(joined)
        elif isinstance(change, DropOut):
            if change.participant_id not in index:
                raise PlanningError(
                    [
                        make_issue(
                            "pin_unknown_participant",
                            "check the id",
                            participant=change.participant_id,
                        )
                    ]
                )
            i = index[change.participant_id]
            p = people[i]
            people[i] = replace(
                p, rounds=tuple(r for r in rounds if r < change.from_round and p.attends(r))
            )
    return replace(problem, participants=tuple(people))


def changed_assignments(old: Plan, new: Plan) -> list[tuple[int, str, int, int]]:
    """(round, participant, old group, new group) for everyone placed in both plans but moved."""
    before = old.assignment()
    return sorted(
        (r, pid, before[(r, pid)], g)
        for (r, pid), g in new.assignment().items()
        if (r, pid) in before and before[(r, pid)] != g
    )


def _keep_group_counts(problem: Problem, old: Plan, first: int) -> Problem:
    """Without the facilitator rule, keep each round's old number of groups where it still fits."""
    if facilitator_rule_applies(problem):
        return problem
    rounds = list(problem.rounds)
    for rp in old.rounds:
        r = rp.index
        if r >= len(rounds) or rounds[r].num_groups is not None:
            continue
        n = sum(1 for p in problem.participants if p.attends(r))
        k = len(rp.groups)
        spec = rounds[r]
        if r < first or k * spec.min_size <= n <= k * spec.max_size:
            rounds[r] = replace(spec, num_groups=k)
        elif n:
            low, high = math.ceil(n / spec.max_size), n // spec.min_size
            if low <= high:
                rounds[r] = replace(spec, num_groups=min(max(k, low), high))
    return replace(problem, rounds=tuple(rounds))


def repair(
    problem: Problem,
    plan: Plan,
    changes: Sequence[Change],
    seed: int = 0,
    time_limit: float = 10.0,
) -> Plan:
    """The repaired plan for `apply_changes(problem, changes)`."""
    started = time.perf_counter()
    new_problem = _keep_group_counts(
        apply_changes(problem, changes), plan, min((c.from_round for c in changes), default=0)
    )
    first = min((c.from_round for c in changes), default=len(problem.rounds))
    layouts = build_layout(new_problem)
    model = build_model(new_problem, layouts)
    index = {p.id: i for i, p in enumerate(new_problem.participants)}
    fixed_rooms = facilitator_rule_applies(new_problem) and new_problem.rules.fixed_facilitators
    old_rounds = {rp.index: rp for rp in plan.rounds}
    facilitator_ids = {p.id for p in problem.participants if p.is_facilitator}
    assignment: list[list[int]] = []
    budget = max(2.0, time_limit / 2 / max(1, len(layouts)))
    for lay, spec in zip(layouts, model.rounds, strict=True):
        r = lay.index
        old = old_rounds.get(r)
        keep: dict[int, int] = {}
        if old is not None:
            if fixed_rooms:
                room_of = {fid: g for g, fid in enumerate(lay.facilitators)}
                group_map: dict[int, int] = {}
                for old_group in old.groups:
                    # a group is identified by its facilitator (from the plan or by role)
                    fid = old_group.facilitator_id or next(
                        (pid for pid in old_group.participant_ids if pid in facilitator_ids), None
                    )
                    if fid is not None and fid in room_of:
                        group_map[old_group.index] = room_of[fid]
            else:
                group_map = {g.index: g.index for g in old.groups if g.index < lay.num_groups}
            for group in old.groups:
                if group.index in group_map:
                    for pid in group.participant_ids:
                        if pid in index and index[pid] in spec.elements:
                            keep[index[pid]] = group_map[group.index]
        if r < first and all(i in keep for i in spec.elements):
            spec.fixed = dict(keep)
            grp = [-1] * model.n
            for i, g in keep.items():
                grp[i] = g
        else:
            try:
                grp = cp_sat_round(
                    model, spec, seed=seed, time_limit=budget, keep=keep, round_index=r
                )
            except NoFeasibleAssignment as exc:
                raise PlanningError(
                    [
                        make_issue(
                            "no_feasible_assignment" if exc.proven else "no_assignment_in_time",
                            "widen the group sizes or allow people of one member together"
                            if exc.proven
                            else "raise the time limit",
                            round=r,
                        )
                    ]
                ) from exc
            spec.fixed = {**spec.fixed, **{i: g for i, g in keep.items() if grp[i] == g}}
        assignment.append(grp)
    remaining = max(0.1, time_limit - (time.perf_counter() - started))
    result = search(model, assignment, seed=seed, time_limit=remaining)
    stats = SearchStats(seed, result.iterations, time.perf_counter() - started, result.stopped_by)
    return to_plan(new_problem, layouts, result.assignment, result.objective, stats)
