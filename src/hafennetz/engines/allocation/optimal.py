"""The `optimal` method on a core problem: MIP over all arcs, or over LP-priced candidate arcs.

Small and medium problems: all feasible arcs, greedy start, MIP (HiGHS by default), bound and
gap from the MIP. Large problems: candidate lists grown by LP pricing (column generation) until
no arc has a positive reduced cost, so the LP value is a bound for the full problem; then the
LP solution is rounded down and completed greedily, and the MIP improves it on the candidates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .backends import MipOutcome, solve_cpsat, solve_highs
from .core import (
    Arcs,
    CoreProblem,
    CoreSolution,
    FloatArray,
    IntArray,
    all_arcs,
    core_objective,
    is_feasible,
    make_arcs,
)
from .greedy import greedy
from .lns import improve
from .mip_model import MipModel, build

Progress = Callable[[str], None]

#: above this many feasible arcs the candidate-list (pricing) path is used
DENSE_ARC_LIMIT = 60_000
#: up to this many feasible arcs a greedy over all of them seeds the candidate lists
GREEDY_ARC_LIMIT = 3_000_000


@dataclass
class CoreOutcome:
    solution: CoreSolution
    objective: float
    bound: float | None
    status: str
    notes: list[str] = field(default_factory=list)


def _x_of(model: MipModel, out: MipOutcome) -> IntArray | None:
    if out.columns is None:
        return None
    return np.rint(out.columns[: model.n_x]).astype(np.int64)


def solve_optimal(
    problem: CoreProblem,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    threads: int = 2,
    backend: str = "highs",
    dense_arc_limit: int = DENSE_ARC_LIMIT,
    lns_share: float = 0.0,
    progress: Progress | None = None,
) -> CoreOutcome:
    t0 = time.monotonic()
    say = progress or (lambda _msg: None)
    notes: list[str] = []
    n_arcs = problem.count_feasible_arcs()
    lp_bound: float | None = None
    lp_x: FloatArray | None = None
    if n_arcs <= dense_arc_limit:
        arcs = all_arcs(problem)
        say(f"model: {problem.n_items} items, {problem.n_agents} agents, {arcs.size} arcs")
    else:
        say(f"{n_arcs} feasible arcs: growing candidate lists by LP pricing")
        full_greedy = None
        if n_arcs <= GREEDY_ARC_LIMIT:
            full_greedy = greedy(problem, all_arcs(problem), seed=seed)
            say(f"greedy on all arcs: {core_objective(problem, full_greedy):.3f}")
        arcs, lp_bound, lp_x = price_columns(
            problem,
            time_budget=0.6 * time_limit,
            seed=seed,
            threads=threads,
            progress=say,
            seed_solution=full_greedy,
        )
        notes.append(f"candidate arcs: {arcs.size} of {n_arcs} (LP pricing)")
        if lp_bound is None:
            notes.append("LP pricing did not converge in time: no valid bound")
    start = greedy(problem, arcs, seed=seed)
    if lp_x is not None:
        floor = np.floor(lp_x + 1e-6).astype(np.int64)
        rounded = greedy(problem, arcs, seed=seed, initial_x=floor)
        if core_objective(problem, rounded) >= core_objective(problem, start):
            start = rounded
            notes.append("start: LP solution rounded down, completed greedily")
    start_ok = is_feasible(problem, start)
    best = start if start_ok else None
    best_obj = core_objective(problem, start) if start_ok else -np.inf
    say(f"start solution: {f'{best_obj:.3f}' if start_ok else 'none'}")
    model = build(problem, arcs)
    remaining = time_limit - (time.monotonic() - t0)
    start_cols = model.full_start(problem, arcs, start.x) if start_ok else None
    lns_ok = lns_share > 0 and lp_x is None and not problem.pairs
    lns_ok = lns_ok and (problem.share is None or problem.key_weight == 0)
    mip_time = remaining * (1 - lns_share) if lns_ok else remaining
    say(f"MIP ({backend}): {model.n_cols} columns, {model.n_rows} rows, {mip_time:.1f} s")
    if backend == "cpsat":
        out = solve_cpsat(model, time_limit=mip_time, threads=threads, seed=seed, start=start_cols)
    else:
        out = solve_highs(model, time_limit=mip_time, threads=threads, seed=seed, start=start_cols)
    x = _x_of(model, out)
    if x is not None:
        sol = CoreSolution(arcs, x)
        if is_feasible(problem, sol):
            obj = core_objective(problem, sol)
            if obj > best_obj + 1e-9 or best is None:
                best, best_obj = sol, obj
    if best is not None and lns_ok and out.status not in ("optimal", "infeasible"):
        left = time_limit - (time.monotonic() - t0)
        say(f"MIP stopped at {best_obj:.3f}; neighbourhood search for {left:.1f} s")
        best = improve(problem, best, time_limit=left, seed=seed, threads=1)
        best_obj = core_objective(problem, best)
        notes.append("improved by large-neighbourhood search after the MIP")
    if best is None:
        return CoreOutcome(
            CoreSolution(arcs, np.zeros(arcs.size, dtype=np.int64)),
            float("-inf"),
            out.bound,
            out.status if out.status == "infeasible" else "no_solution",
            notes,
        )
    bound = lp_bound if lp_bound is not None or n_arcs > dense_arc_limit else out.bound
    if bound is not None:
        bound = max(bound, best_obj)
    proven = out.status == "optimal" and lp_bound is None and n_arcs <= dense_arc_limit
    close = bound is not None and bound - best_obj <= 1e-6 * max(1.0, abs(bound))
    status = "optimal" if proven or close else "feasible"
    return CoreOutcome(best, best_obj, bound, status, notes)


def price_columns(
    problem: CoreProblem,
    *,
    time_budget: float,
    seed: int = 0,
    threads: int = 2,
    k_init: int = 12,
    k_add: int = 8,
    max_rounds: int = 60,
    progress: Progress | None = None,
    seed_solution: CoreSolution | None = None,
) -> tuple[Arcs, float | None, FloatArray | None]:
    """Grow candidate arcs until no arc has a positive reduced cost in the LP relaxation.

    Returns the arcs, the LP bound (valid for all arcs; None if not converged) and the LP x.
    """
    t0 = time.monotonic()
    say = progress or (lambda _msg: None)
    n, m = problem.n_items, problem.n_agents
    feasible_by_row: dict[int, IntArray] = {}
    for t in sorted(set(problem.item_row.tolist())):
        feasible_by_row[t] = problem.feasible_agents(t)
    mask_by_row = {}
    for t, fa in feasible_by_row.items():
        mk = np.zeros(m, dtype=bool)
        mk[fa] = True
        mask_by_row[t] = mk
    chosen: list[set[int]] = [set() for _ in range(n)]
    # initial candidates: best values of the row, spread by a seeded jitter, plus bonus agents
    rng = np.random.default_rng(seed)
    for t, agents in feasible_by_row.items():
        if agents.shape[0] == 0:
            continue
        base = problem.rows[t, agents] + rng.uniform(0, 1e-6, agents.shape[0])
        top = agents[np.argsort(-base)[:k_init]].tolist()
        for j in np.flatnonzero(problem.item_row == t).tolist():
            bonus = problem.item_bonus[j]
            if bonus:
                vals = base.copy()
                keys = np.fromiter(bonus, dtype=np.int64)
                pos = np.searchsorted(agents, keys)
                ok = (pos < agents.shape[0]) & (
                    agents[np.minimum(pos, agents.shape[0] - 1)] == keys
                )
                vals[pos[ok]] += np.array([bonus[int(a)] for a in keys[ok]])
                chosen[j].update(agents[np.argsort(-vals)[:k_init]].tolist())
            else:
                chosen[j].update(top)
            # a few random agents keep capacity everywhere in play
            chosen[j].update(
                rng.choice(agents, size=min(3, agents.shape[0]), replace=False).tolist()
            )
    if seed_solution is not None:
        for k in np.flatnonzero(seed_solution.x).tolist():
            chosen[int(seed_solution.arcs.item[k])].add(int(seed_solution.arcs.agent[k]))
    optimism = np.zeros(n)
    for pa, pb, pbonus in problem.pairs:
        optimism[pa] += pbonus
        optimism[pb] += pbonus
    lp_bound: float | None = None
    lp_x: FloatArray | None = None
    arcs = _arcs_from(problem, chosen)
    for rnd in range(max_rounds):
        model = build(problem, arcs)
        left = time_budget - (time.monotonic() - t0)
        out = solve_highs(model, time_limit=max(left, 1.0), threads=threads, seed=seed, relax=True)
        if out.row_dual is None or out.columns is None:
            say(f"pricing round {rnd}: LP not solved ({out.status})")
            return arcs, None, None
        lp_x = out.columns[: model.n_x]
        y = out.row_dual
        added = _price(problem, model, y, chosen, feasible_by_row, optimism, k_add)
        say(f"pricing round {rnd}: LP {out.objective:.3f}, {arcs.size} arcs, {added} added")
        if added == 0:
            lp_bound = out.objective
            break
        if time.monotonic() - t0 > time_budget:
            say("pricing stopped by the time budget")
            break
        arcs = _arcs_from(problem, chosen)
    else:
        lp_x = None
    if lp_bound is None:
        lp_x = None  # the last LP was on fewer arcs; its x does not fit `arcs`
    return arcs, lp_bound, lp_x


def _arcs_from(problem: CoreProblem, chosen: list[set[int]]) -> Arcs:
    items = np.concatenate(
        [np.full(len(c), j, dtype=np.int64) for j, c in enumerate(chosen)]
        or [np.zeros(0, np.int64)]
    )
    agents = np.concatenate(
        [np.fromiter(sorted(c), dtype=np.int64, count=len(c)) for c in chosen]
        or [np.zeros(0, np.int64)]
    )
    return make_arcs(problem, items, agents)


def _price(
    problem: CoreProblem,
    model: MipModel,
    y: FloatArray,
    chosen: list[set[int]],
    feasible_by_row: dict[int, IntArray],
    optimism: FloatArray,
    k_add: int,
) -> int:
    n, m, nr = problem.n_items, problem.n_agents, problem.n_resources
    ycap = np.zeros((m, nr))
    for (a, r), row in model.cap_row.items():
        ycap[a, r] = y[row]
    ykey = np.zeros(m)
    yp = 0.0
    if model.key_rows is not None:
        ykey = y[model.key_rows]
        yp = float(y[model.p_row])
    y_item = np.zeros(n)
    has = model.item_row >= 0
    y_item[has] = y[model.item_row[has]]
    added = 0
    groups: dict[tuple[int, float], list[int]] = {}
    for j in range(n):
        groups.setdefault((int(problem.item_row[j]), float(problem.item_persons[j])), []).append(j)
    eps = 1e-7
    for (t, persons), members in groups.items():
        agents = feasible_by_row[t]
        if agents.shape[0] == 0:
            continue
        use_t = problem.use[t, 0] if problem.use.shape[1] == 1 else problem.use[t][agents]
        cap_cost = (
            ycap[agents] @ use_t if use_t.ndim == 1 else np.einsum("ar,ar->a", ycap[agents], use_t)
        )
        base = problem.rows[t, agents] - cap_cost - persons * (yp + ykey[agents])
        order = np.argsort(-base)
        limit = min(agents.shape[0], k_add + max(len(chosen[j]) for j in members))
        top = order[:limit]
        for j in members:
            scalar = problem.item_const[j] + problem.item_penalty[j] - y_item[j] + optimism[j]
            new = 0
            for pos in top.tolist():
                if base[pos] + scalar <= eps:
                    break
                a = int(agents[pos])
                if a not in chosen[j]:
                    chosen[j].add(a)
                    new += 1
                    if new >= k_add:
                        break
            bonus = problem.item_bonus[j]
            if bonus:
                idx = np.searchsorted(agents, np.fromiter(bonus, dtype=np.int64))
                for a, pos in zip(bonus, idx.tolist(), strict=True):
                    if (
                        pos < agents.shape[0]
                        and agents[pos] == a
                        and a not in chosen[j]
                        and base[pos] + scalar + bonus[a] > eps
                    ):
                        chosen[j].add(a)
                        new += 1
            added += new
    return added
