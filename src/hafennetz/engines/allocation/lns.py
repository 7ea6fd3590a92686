"""Large-neighbourhood search on a core solution: free all units of a few agents and re-solve
that sub-problem exactly with the MIP. Used after the MIP when time is left (problems without a
distribution key or pair links, e.g. the published GAP instances)."""

from __future__ import annotations

import time

import numpy as np

from .backends import solve_highs
from .core import CoreProblem, CoreSolution, all_arcs, core_objective, is_feasible
from .mip_model import build


def improve(
    problem: CoreProblem,
    sol: CoreSolution,
    *,
    time_limit: float,
    seed: int = 0,
    threads: int = 1,
) -> CoreSolution:
    if (problem.share is not None and problem.key_weight > 0) or problem.pairs:
        return sol
    t_end = time.monotonic() + time_limit
    rng = np.random.default_rng(seed)
    arcs = sol.arcs
    x = sol.x.copy()
    m = problem.n_agents
    k = min(3, m)
    best = core_objective(problem, sol)
    pos = {
        (int(a), int(b)): kk
        for kk, (a, b) in enumerate(zip(arcs.item.tolist(), arcs.agent.tolist(), strict=True))
    }
    while time.monotonic() < t_end - 0.05 and m >= 2:
        agents = np.sort(rng.choice(m, size=k, replace=False))
        in_s = np.isin(arcs.agent, agents)
        freed = np.bincount(arcs.item[in_s], weights=x[in_s], minlength=problem.n_items)
        items = np.flatnonzero(freed > 0)
        if items.shape[0] == 0:
            continue
        sub = CoreProblem(
            capacity=problem.capacity[agents],
            rows=problem.rows[:, agents],
            use=problem.use if problem.use.shape[1] == 1 else problem.use[:, agents],
            item_row=problem.item_row[items],
            item_count=freed[items].astype(np.int64),
            item_persons=problem.item_persons[items],
            item_penalty=problem.item_penalty[items],
            item_const=problem.item_const[items],
            item_bonus=[
                {
                    int(np.searchsorted(agents, a)): v
                    for a, v in problem.item_bonus[j].items()
                    if a in agents
                }
                for j in items.tolist()
            ],
            must_place=True,
        )
        sub_arcs = all_arcs(sub)
        model = build(sub, sub_arcs)
        left = t_end - time.monotonic()
        t0 = time.monotonic()
        out = solve_highs(model, time_limit=min(2.0, left), threads=threads, seed=seed)
        took = time.monotonic() - t0
        if out.status == "optimal" and took < 0.3 and k < m:
            k += 1
        elif out.status != "optimal" and k > 2:
            k -= 1
        if out.columns is None:
            continue
        sub_x = np.rint(out.columns[: model.n_x]).astype(np.int64)
        # map back: remove units on S of the freed items, add the sub solution
        new_x = x.copy()
        new_x[in_s] = 0
        for kk in np.flatnonzero(sub_x).tolist():
            j = int(items[sub_arcs.item[kk]])
            a = int(agents[sub_arcs.agent[kk]])
            new_x[pos[(j, a)]] += int(sub_x[kk])
        cand = CoreSolution(arcs, new_x)
        if is_feasible(problem, cand):
            obj = core_objective(problem, cand)
            if obj > best + 1e-9:
                best, x = obj, new_x
    return CoreSolution(arcs, x)
