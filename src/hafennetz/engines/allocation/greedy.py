"""Greedy on a core problem: units in order of regret, each to its best arc that still fits."""

from __future__ import annotations

import numpy as np

from .core import Arcs, CoreProblem, CoreSolution, IntArray


def item_slices(arcs: Arcs, n_items: int) -> IntArray:
    """start offsets of each item's arcs (arcs are sorted by item)."""
    starts = np.searchsorted(arcs.item, np.arange(n_items + 1))
    return starts.astype(np.int64)


def greedy(
    problem: CoreProblem,
    arcs: Arcs,
    *,
    seed: int = 0,
    initial_x: IntArray | None = None,
) -> CoreSolution:
    n = problem.n_items
    x = np.zeros(arcs.size, dtype=np.int64) if initial_x is None else initial_x.copy()
    starts = item_slices(arcs, n)
    remaining = problem.capacity.copy()
    nz = np.flatnonzero(x)
    np.add.at(remaining, arcs.agent[nz], -arcs.use[nz] * x[nz, None])
    left = problem.item_count - np.bincount(arcs.item, weights=x, minlength=n).astype(np.int64)

    # distribution key: marginal change of the absolute deviation from an estimated target
    key = problem.share is not None and problem.key_weight > 0
    persons_now = np.bincount(
        arcs.agent, weights=x * problem.item_persons[arcs.item], minlength=problem.n_agents
    )
    target = np.zeros(problem.n_agents)
    if key and problem.share is not None:
        demand = float(np.dot(problem.item_persons, problem.item_count))
        supply = float(problem.capacity[:, 0].sum()) if problem.capacity.shape[1] else demand
        target = problem.share * min(demand, supply)

    # regret order: items whose best arc is much better than the second go first
    rng = np.random.default_rng(seed)
    tiebreak = rng.permutation(n)
    regret = np.zeros(n)
    for j in range(n):
        v = np.sort(arcs.value[starts[j] : starts[j + 1]])[::-1]
        if v.shape[0] == 0:
            regret[j] = -np.inf
        elif v.shape[0] == 1:
            regret[j] = 1e12
        else:
            regret[j] = v[0] - v[1]
    order = np.lexsort((tiebreak, -problem.item_persons, -regret))

    partner: dict[int, list[tuple[int, float]]] = {}
    for a, b, bonus in problem.pairs:
        partner.setdefault(a, []).append((b, bonus))
        partner.setdefault(b, []).append((a, bonus))
    group_of_item: dict[int, int] = {}
    for k in nz.tolist():
        if problem.agent_group is not None:
            group_of_item[int(arcs.item[k])] = int(problem.agent_group[arcs.agent[k]])

    for j in order.tolist():
        lo, hi = int(starts[j]), int(starts[j + 1])
        if hi == lo or left[j] <= 0:
            continue
        ag = arcs.agent[lo:hi]
        use = arcs.use[lo:hi]
        base = arcs.value[lo:hi] + problem.item_penalty[j]
        if j in partner and problem.agent_group is not None:
            groups = problem.agent_group[ag]
            base = base.copy()
            for other, bonus in partner[j]:
                if other in group_of_item:
                    base[groups == group_of_item[other]] += bonus
        p = problem.item_persons[j]
        while left[j] > 0:
            fits = np.all(use <= remaining[ag] + 1e-9, axis=1)
            if not fits.any():
                break
            eff = base.copy()
            if key:
                cur = persons_now[ag]
                eff -= problem.key_weight * (
                    np.abs(cur + p - target[ag]) - np.abs(cur - target[ag])
                )
            eff[~fits] = -np.inf
            best = int(np.argmax(eff))
            if eff[best] <= 0 and not problem.must_place:
                break
            k = lo + best
            x[k] += 1
            left[j] -= 1
            remaining[ag[best]] -= use[best]
            persons_now[ag[best]] += p
            if problem.agent_group is not None:
                group_of_item[j] = int(problem.agent_group[ag[best]])
    return CoreSolution(arcs, x)
