"""A first assignment that keeps every hard rule: randomised greedy, CP-SAT when greedy fails.

CP-SAT also serves repair: `keep` asks it to keep as many given assignments as possible.
"""

from __future__ import annotations

import random

from .search import RoundSpec, SearchModel


class NoFeasibleAssignment(Exception):
    """CP-SAT proved that no assignment keeps every hard rule (or, with `proven` False, found
    none within its time limit)."""

    def __init__(self, round_index: int, proven: bool = True) -> None:
        super().__init__(f"round {round_index}: no feasible assignment")
        self.round_index = round_index
        self.proven = proven


def _greedy(model: SearchModel, spec: RoundSpec, rng: random.Random) -> list[int] | None:
    n, k = model.n, spec.num_groups
    grp = [-1] * n
    size = [0] * k
    labels: list[set[int]] = [set() for _ in range(k)]
    has_class: list[set[int]] = [set() for _ in range(k)]

    def place(i: int, g: int) -> None:
        grp[i] = g
        size[g] += 1
        if model.labels is not None and model.labels[i] >= 0:
            labels[g].add(model.labels[i])
        if model.classes is not None and model.classes[i] > 0:
            has_class[g].add(model.classes[i])

    for i, g in spec.fixed.items():
        place(i, g)
    rest = [i for i in spec.elements if i not in spec.fixed]
    rng.shuffle(rest)
    label_count: dict[int, int] = {}
    if model.labels is not None:
        for i in rest:
            label_count[model.labels[i]] = label_count.get(model.labels[i], 0) + 1
    classes = model.classes

    def order(i: int) -> tuple[int, int]:
        c = classes[i] if classes is not None else 0
        lab = model.labels[i] if model.labels is not None else -1
        return (0 if c > 0 else 1, -label_count.get(lab, 0) if lab >= 0 else 0)

    rest.sort(key=order)  # classed elements first, then people of large labels
    for i in rest:
        lab = model.labels[i] if model.labels is not None else -1
        c = classes[i] if classes is not None else 0
        options = [
            g
            for g in range(k)
            if size[g] < spec.hi[g]
            and (lab < 0 or lab not in labels[g])
            and (c == 0 or c not in has_class[g])
        ]
        if not options:
            return None
        deficit = [g for g in options if size[g] < spec.lo[g]]
        pool = deficit or options
        smallest = min(size[g] for g in pool)
        pool = [g for g in pool if size[g] == smallest]
        place(i, pool[rng.randrange(len(pool))])
    if any(size[g] < spec.lo[g] for g in range(k)):
        return None
    return grp


def cp_sat_round(
    model: SearchModel,
    spec: RoundSpec,
    *,
    seed: int,
    time_limit: float,
    keep: dict[int, int] | None = None,
    round_index: int = 0,
) -> list[int]:
    """One round by CP-SAT: hard rules only; with `keep`, keep as many of those as possible."""
    from ortools.sat.python import cp_model

    k = spec.num_groups
    m = cp_model.CpModel()
    x = {(i, g): m.new_bool_var(f"x{i}_{g}") for i in spec.elements for g in range(k)}
    for i in spec.elements:
        m.add_exactly_one(x[i, g] for g in range(k))
        if i in spec.fixed:
            m.add(x[i, spec.fixed[i]] == 1)
    for g in range(k):
        total = sum(x[i, g] for i in spec.elements)
        m.add(total >= spec.lo[g])
        m.add(total <= spec.hi[g])
    if model.labels is not None:
        by_label: dict[int, list[int]] = {}
        for i in spec.elements:
            if model.labels[i] >= 0:
                by_label.setdefault(model.labels[i], []).append(i)
        for members in by_label.values():
            if len(members) > 1:
                for g in range(k):
                    m.add_at_most_one(x[i, g] for i in members)
    if model.classes is not None:
        by_class: dict[int, list[int]] = {}
        for i in spec.elements:
            if model.classes[i] > 0:
                by_class.setdefault(model.classes[i], []).append(i)
        for members in by_class.values():
            for g in range(k):
                m.add_exactly_one(x[i, g] for i in members)
    if keep:
        m.maximize(sum(x[i, g] for i, g in keep.items() if (i, g) in x))
        for i, g in keep.items():
            if (i, g) in x:
                m.add_hint(x[i, g], 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(m)
    if status == cp_model.UNKNOWN:  # no answer yet: once more with three times the time
        solver.parameters.max_time_in_seconds = 3 * time_limit
        status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise NoFeasibleAssignment(round_index, proven=status == cp_model.INFEASIBLE)
    grp = [-1] * model.n
    for (i, g), var in x.items():
        if solver.boolean_value(var):
            grp[i] = g
    return grp


def initial_assignment(
    model: SearchModel, *, seed: int, time_limit: float = 10.0, attempts: int = 20
) -> list[list[int]]:
    """A feasible assignment for every round (greedy; CP-SAT where greedy fails)."""
    rng = random.Random(seed)
    out: list[list[int]] = []
    for r, spec in enumerate(model.rounds):
        grp = None
        for _ in range(attempts):
            grp = _greedy(model, spec, rng)
            if grp is not None:
                break
        if grp is None:
            grp = cp_sat_round(model, spec, seed=seed, time_limit=time_limit, round_index=r)
        out.append(grp)
    return out
