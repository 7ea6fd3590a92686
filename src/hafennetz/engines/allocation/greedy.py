"""Greedy on a core problem: units in order of regret, each to its best arc that still fits."""

from __future__ import annotations

import numpy as np

from .core import Arcs, CoreProblem, CoreSolution, FloatArray, IntArray, make_arcs


def item_slices(arcs: Arcs, n_items: int) -> IntArray:
    """start offsets of each item's arcs (arcs are sorted by item)."""
    starts = np.searchsorted(arcs.item, np.arange(n_items + 1))
    return starts.astype(np.int64)


def key_target_estimate(problem: CoreProblem) -> FloatArray:
    """Target persons per agent before anyone is placed: the key's share of what can be placed
    (persons to place, at most the places of the first resource); zeros without a key."""
    if problem.share is None or problem.key_weight <= 0:
        return np.zeros(problem.n_agents)
    demand = float(np.dot(problem.item_persons, problem.item_count))
    supply = float(problem.capacity[:, 0].sum()) if problem.capacity.shape[1] else demand
    return np.asarray(problem.share * min(demand, supply), dtype=np.float64)


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
    target = key_target_estimate(problem)

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


def dense_greedy(
    problem: CoreProblem,
    *,
    prices: FloatArray | None = None,
    seed: int = 0,
    initial: CoreSolution | None = None,
) -> CoreSolution:
    """Greedy over all agents without building arcs (national scale: 120 M feasible arcs).

    Items in order of their best value; each unit to the agent with the best value less the
    priced use of places (`prices`, (m, R), e.g. LP duals) that still fits, skipped if that is
    not positive; a second pass without prices fills the places left. With `initial`, its
    placements are kept and only the units it leaves unplaced are placed (a final fill)."""
    p = problem
    n, m = p.n_items, p.n_agents
    remaining = p.capacity.copy()
    left = p.item_count.astype(np.int64).copy()
    persons_now = np.zeros(m)
    placed: dict[tuple[int, int], int] = {}
    key = p.share is not None and p.key_weight > 0
    target = key_target_estimate(p)
    if initial is not None:
        for k in np.flatnonzero(initial.x).tolist():
            j, a, u = int(initial.arcs.item[k]), int(initial.arcs.agent[k]), int(initial.x[k])
            placed[(j, a)] = placed.get((j, a), 0) + u
            left[j] -= u
            remaining[a] -= u * initial.arcs.use[k]
            persons_now[a] += u * p.item_persons[j]
        if key and p.share is not None:
            # the key's target follows the persons actually placed
            target = p.share * persons_now.sum()
    per_agent = p.use.shape[1] > 1
    base_of: dict[tuple[int, bool], FloatArray] = {}

    def base(t: int, priced: bool) -> FloatArray:
        if (t, priced) not in base_of:
            b = np.where(np.isfinite(p.rows[t]), p.rows[t], -np.inf)
            if priced and prices is not None:
                u = p.use[t]
                b = b - (np.einsum("ar,ar->a", prices, u) if per_agent else prices @ u[0])
            base_of[(t, priced)] = b
        return base_of[(t, priced)]

    rng = np.random.default_rng(seed)
    # regret order as in `greedy`: items whose best agent is much better than the second first
    regret_t: dict[int, float] = {}
    for t in set(p.item_row.tolist()):
        b = base(t, True)
        b = b[np.isfinite(b)]
        if b.shape[0] == 0:
            regret_t[t] = -np.inf
        elif b.shape[0] == 1:
            regret_t[t] = 1e12
        else:
            top2 = np.partition(b, b.shape[0] - 2)[-2:]
            regret_t[t] = float(top2[1] - top2[0])
    regret = np.array([regret_t[int(t)] for t in p.item_row])
    order = np.lexsort((rng.permutation(n), -p.item_persons, -regret))
    for priced in (prices is not None, False):
        for j in order.tolist():
            if left[j] <= 0:
                continue
            t = int(p.item_row[j])
            val = base(t, priced) + p.item_const[j] + p.item_penalty[j]
            if p.item_bonus[j]:
                val = val.copy()
                for a, v in p.item_bonus[j].items():
                    val[a] += v
            use = p.use[t] if per_agent else p.use[t, 0]
            pj = p.item_persons[j]
            fits = np.all(use <= remaining + 1e-9, axis=1)
            eff = val.copy()
            if key:
                eff -= p.key_weight * (
                    np.abs(persons_now + pj - target) - np.abs(persons_now - target)
                )
            eff[~fits] = -np.inf
            while left[j] > 0:
                a = int(np.argmax(eff))
                if not eff[a] > 0:
                    break
                placed[(j, a)] = placed.get((j, a), 0) + 1
                left[j] -= 1
                remaining[a] -= use[a] if per_agent else use
                persons_now[a] += pj
                # only agent a changed: update its entry
                u_a = use[a] if per_agent else use
                if np.all(u_a <= remaining[a] + 1e-9):
                    eff[a] = val[a]
                    if key:
                        eff[a] -= p.key_weight * (
                            abs(persons_now[a] + pj - target[a]) - abs(persons_now[a] - target[a])
                        )
                else:
                    eff[a] = -np.inf
    if not placed:
        empty = np.zeros(0, dtype=np.int64)
        return CoreSolution(make_arcs(p, empty, empty), empty)
    it = np.array([k[0] for k in placed], dtype=np.int64)
    ag = np.array([k[1] for k in placed], dtype=np.int64)
    units = np.array(list(placed.values()), dtype=np.int64)
    order2 = np.lexsort((ag, it))
    return CoreSolution(make_arcs(p, it, ag), units[order2])
