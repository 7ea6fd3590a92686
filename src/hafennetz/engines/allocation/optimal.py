"""The `optimal` method on a core problem: one product path, chosen by the problem's shape.

* GAP-shaped problems (every item one unit that must be placed, one resource, no key, no pair
  links - the published GAP instances), any size: greedy start; if it is infeasible, a tabu
  search that penalises capacity excess repairs it; a MIP over all arcs (node budget) for a
  better incumbent and a bound; then the tabu search with ejection chains and path relinking
  (`gap_search`) for the rest of the budget, counted in moves.
* Other problems up to `dense_arc_limit` feasible arcs: greedy start, MIP over all arcs.
* Larger problems: `large.solve_large` (column generation, diving, pooled bound, neighbourhood
  search).

Every phase is limited by counted work derived from `Budget.work` and the problem's size
(`plan`), so the result is reproducible (ADR 0024). "No solution" only after the whole budget,
or with HiGHS' proof of infeasibility.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import gap_search
from .backends import MipOutcome, solve_highs
from .control import Budget, Control, Status
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
from .large import LargePlan, solve_large
from .mip_model import MipModel, build

#: above this many feasible arcs the large-instance path (large.py) is used (not for GAP shapes)
DENSE_ARC_LIMIT = 60_000

#: calibration on the reference machine (2 shared cores, ADR 0024): branch-and-bound nodes per
#: CPU second ~ NODE_RATE / (columns + rows) (chu1997 d10100, 1,110: ~48 nodes/s with 2
#: threads; a generated D 10 x 120, 1,330: 20 nodes in 1.6 s without RENS/RINS, 3.5 s with)
NODE_RATE = 2.0e4
#: tabu move time ~ TABU_BASE + TABU_CHAIN * r^2 + TABU_SHIFT * n * m seconds, r = min(n, 300)
#: (measured: 0.8 ms at 100 x 10, 10.3 ms at 400 x 20 and at 1,600 x 80)
TABU_BASE, TABU_CHAIN, TABU_SHIFT = 1e-4, 1.1e-7, 2e-9
#: share of the work the MIP gets on GAP-shaped problems (the tabu search gets the rest)
GAP_MIP_SHARE = 0.3
#: GAP-shaped problems with more columns skip the MIP: under load its root node alone took
#: > 25 s at 20 x 400 (8,000 columns) and > 40 s at 80 x 1,600, and HiGHS polls its interrupt
#: callback only every 2-5 s there; the LP relaxation gives the bound, the tabu search gets
#: the whole budget
GAP_MIP_COLS = 4_000
#: unlimited, for wall-clock mode (the phase's time ends it)
UNLIMITED = 2**62


@dataclass
class CoreOutcome:
    solution: CoreSolution
    objective: float
    bound: float | None
    status: Status
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # the work limits used (resolved budget)


def _x_of(model: MipModel, out: MipOutcome) -> IntArray | None:
    if out.columns is None:
        return None
    return np.rint(out.columns[: model.n_x]).astype(np.int64)


def _count(explicit: int | None, derived: float, wall_clock: bool, minimum: int = 1) -> int:
    if explicit is not None:
        return int(explicit)
    if wall_clock:
        return UNLIMITED
    return max(int(derived), minimum)


def mip_nodes_for(budget: Budget, work: float, n_cols: int, n_rows: int) -> int:
    return _count(
        budget.mip_nodes, work * NODE_RATE / max(n_cols + n_rows, 1), budget.wall_clock, 20
    )


def tabu_moves_for(budget: Budget, work: float, n: int, m: int) -> int:
    r = min(n, gap_search.SearchParams().max_rows)
    per_move = TABU_BASE + TABU_CHAIN * r * r + TABU_SHIFT * n * m
    return _count(budget.tabu_moves, work / per_move, budget.wall_clock, 100)


def solve_optimal(
    problem: CoreProblem,
    *,
    control: Control,
    seed: int = 0,
    dense_arc_limit: int = DENSE_ARC_LIMIT,
    large_plan: LargePlan | None = None,
) -> CoreOutcome:
    budget = control.budget
    if gap_search.applicable(problem) and problem.n_agents >= 2:
        return _solve_gap(problem, control=control, seed=seed)
    n_arcs = problem.count_feasible_arcs()
    if n_arcs > dense_arc_limit:
        control.say(f"{n_arcs} feasible arcs: large-instance path")
        large, large_bound, large_notes, counts = solve_large(
            problem, n_arcs=n_arcs, control=control, seed=seed, plan=large_plan
        )
        empty = make_arcs(problem, np.zeros(0, np.int64), np.zeros(0, np.int64))
        obj = core_objective(problem, large) if large is not None else -np.inf
        out = _finish(problem, large, obj, large_bound, large_notes, empty, control)
        out.counts = counts
        return out
    control.begin("greedy", 0.0, 0.05)
    arcs = all_arcs(problem)
    control.say(f"model: {problem.n_items} items, {problem.n_agents} agents, {arcs.size} arcs")
    start = greedy(problem, arcs, seed=seed)
    start_ok = is_feasible(problem, start)
    best = start if start_ok else None
    best_obj = core_objective(problem, start) if start_ok else -np.inf
    control.update(1.0, best=best_obj if start_ok else None)
    model = build(problem, arcs)
    nodes = mip_nodes_for(budget, budget.work, model.n_cols, model.n_rows)
    counts = {"mip_nodes": nodes}
    control.begin("mip", 0.05, 1.0)
    control.say(f"MIP: {model.n_cols} columns, {model.n_rows} rows, up to {nodes} nodes")
    start_cols = model.full_start(problem, arcs, start.x) if start_ok else None
    mip = solve_highs(
        model, control=control, node_limit=nodes, seed=seed, start=start_cols, report=True
    )
    x = _x_of(model, mip)
    if x is not None:
        sol = CoreSolution(arcs, x)
        if is_feasible(problem, sol):
            obj = core_objective(problem, sol)
            if obj > best_obj + 1e-9 or best is None:
                best, best_obj = sol, obj
    notes: list[str] = []
    if best is None:
        status = Status.INFEASIBLE if mip.status == "infeasible" else Status.NO_SOLUTION
        if status is Status.NO_SOLUTION:
            notes.append(f"no feasible assignment found within {nodes} nodes")
        empty_x = np.zeros(arcs.size, dtype=np.int64)
        return CoreOutcome(CoreSolution(arcs, empty_x), -np.inf, mip.bound, status, notes, counts)
    result = _finish(problem, best, best_obj, mip.bound, notes, arcs, control)
    result.counts = counts
    return result


def _solve_gap(problem: CoreProblem, *, control: Control, seed: int) -> CoreOutcome:
    """GAP-shaped problems: greedy, repair, node-limited MIP, tabu search (moves counted)."""
    budget = control.budget
    n, m = problem.n_items, problem.n_agents
    notes: list[str] = []
    control.begin("greedy", 0.0, 0.02)
    arcs = all_arcs(problem)
    control.say(f"GAP-shaped problem: {n} items, {m} agents, {arcs.size} arcs")
    model = build(problem, arcs)
    use_mip = model.n_cols <= GAP_MIP_COLS
    mip_share = GAP_MIP_SHARE if use_mip else 0.0
    mip_nodes = mip_nodes_for(budget, mip_share * budget.work, model.n_cols, model.n_rows)
    moves = tabu_moves_for(budget, (1 - mip_share) * budget.work, n, m)
    counts = {"tabu_moves": moves}
    if use_mip:
        counts["mip_nodes"] = mip_nodes
    else:
        counts["lp_iterations"] = _count(budget.lp_iterations, 50 * model.n_rows, False, 1000)
    start = greedy(problem, arcs, seed=seed)
    best: CoreSolution | None = start if is_feasible(problem, start) else None
    best_obj = core_objective(problem, best) if best is not None else -np.inf
    control.update(best=best_obj if best is not None else None)
    out: MipOutcome | None = None
    lp_assign: IntArray | None = None
    if not use_mip and not control.halted():
        # the bound from the LP relaxation (deterministic: iteration limit)
        control.begin("lp_bound", 0.15, 0.2, time_share=0.05)
        lp_out = solve_highs(
            model, control=control, relax=True, iteration_limit=counts["lp_iterations"], seed=seed
        )
        if lp_out.status == "infeasible" and best is None:
            notes.append("HiGHS proved that even the LP relaxation has no solution")
            empty_x = np.zeros(arcs.size, dtype=np.int64)
            return CoreOutcome(
                CoreSolution(arcs, empty_x), -np.inf, None, Status.INFEASIBLE, notes, counts
            )
        if lp_out.bound is not None:
            control.update(bound=lp_out.bound)
            out = MipOutcome(None, None, lp_out.bound, "feasible")
        if lp_out.columns is not None:
            # the LP solution rounded (each job to its largest LP share; at most m jobs are
            # split) starts the tabu search: near the bound, nearly feasible (measured on a
            # generated D 20 x 400: far better than the greedy's or the cheapest agents)
            lp_assign = _rounded(arcs, lp_out.columns[: model.n_x], n)
    control.begin("mip", 0.15, 0.45, time_share=GAP_MIP_SHARE / (1 - 0.02))
    if use_mip and not control.halted():
        control.say(f"MIP: {model.n_cols} columns, {model.n_rows} rows, up to {mip_nodes} nodes")
        start_cols = None
        if best is not None:
            x0 = best.x if best.arcs is arcs else _on_arcs(best, arcs)
            start_cols = model.full_start(problem, arcs, x0)
        out = solve_highs(
            model,
            control=control,
            node_limit=mip_nodes,
            seed=seed,
            start=start_cols,
            report=True,
            sub_mip_heuristics=False,
        )
        x = _x_of(model, out)
        if x is not None:
            sol = CoreSolution(arcs, x)
            if is_feasible(problem, sol):
                obj = core_objective(problem, sol)
                if best is None or obj > best_obj + 1e-9:
                    best, best_obj = sol, obj
        if out.status == "infeasible" and best is None:
            notes.append("HiGHS proved that no assignment keeps every capacity")
            empty_x = np.zeros(arcs.size, dtype=np.int64)
            return CoreOutcome(
                CoreSolution(arcs, empty_x), -np.inf, None, Status.INFEASIBLE, notes, counts
            )
    bound = out.bound if out is not None else None
    proven = out is not None and out.status == "optimal"
    if not proven and moves > 0 and not control.halted():
        control.begin("tabu", 0.45, 1.0)
        start_assign = lp_assign
        if best is None and start_assign is None:
            # no feasible start (the greedy left items unplaced, the MIP found none): the tabu
            # search repairs, from the greedy's placements and every other item on its
            # cheapest agent, with capacity excess penalised - then goes on improving
            start_assign = gap_search.cheapest_assignment(problem)
            if start_assign is not None:
                nz = np.flatnonzero(start.x)
                start_assign[start.arcs.item[nz]] = start.arcs.agent[nz]
            control.say(f"no feasible start: tabu search repairs and improves, {moves} moves")
        elif best is None:
            control.say(f"no feasible start: tabu search from the LP rounded, {moves} moves")
        else:
            control.say(f"tabu search with ejection chains: {moves} moves")
        if best is not None or start_assign is not None:
            found = gap_search.tabu_search(
                problem, best, control=control, moves=moves, seed=seed, start_assign=start_assign
            )
            if found is not None:
                obj = core_objective(problem, found)
                if best is None or obj > best_obj + 1e-9:
                    notes.append(
                        "improved by tabu search" if best is not None else "found by tabu search"
                    )
                    best, best_obj = found, obj
    if best is None:
        notes.append(
            "no assignment placing every item within capacity was found within the budget "
            "(not proven infeasible)"
        )
        empty_x = np.zeros(arcs.size, dtype=np.int64)
        return CoreOutcome(
            CoreSolution(arcs, empty_x), -np.inf, bound, Status.NO_SOLUTION, notes, counts
        )
    result = _finish(problem, best, best_obj, bound, notes, arcs, control)
    result.counts = counts
    return result


def _rounded(arcs: Arcs, x: FloatArray, n_items: int) -> IntArray:
    """Each item's agent with its largest LP value (arcs sorted by item; ties: lowest agent)."""
    order = np.lexsort((arcs.agent, -x, arcs.item))
    first = np.searchsorted(arcs.item[order], np.arange(n_items))
    rounded: IntArray = arcs.agent[order][first].astype(np.int64)
    return rounded


def _on_arcs(sol: CoreSolution, arcs: Arcs) -> IntArray:
    """x of `sol` re-expressed on the full arc list `arcs` (sorted by item, agent)."""
    x = np.zeros(arcs.size, dtype=np.int64)
    key = arcs.item * (int(arcs.agent.max()) + 1 if arcs.size else 1) + arcs.agent
    nz = np.flatnonzero(sol.x)
    want = sol.arcs.item[nz] * (int(arcs.agent.max()) + 1 if arcs.size else 1) + sol.arcs.agent[nz]
    pos = np.searchsorted(key, want)
    x[pos] = sol.x[nz]
    return x


def _finish(
    problem: CoreProblem,
    best: CoreSolution | None,
    best_obj: float,
    bound: float | None,
    notes: list[str],
    arcs: Arcs,
    control: Control,
) -> CoreOutcome:
    if best is None:
        return CoreOutcome(
            CoreSolution(arcs, np.zeros(arcs.size, dtype=np.int64)),
            float("-inf"),
            bound,
            Status.NO_SOLUTION,
            notes,
        )
    if bound is not None:
        bound = max(bound, best_obj)
    close = bound is not None and bound - best_obj <= 1e-6 * max(1.0, abs(bound))
    control.update(1.0, best=best_obj, bound=bound)
    return CoreOutcome(best, best_obj, bound, Status.OPTIMAL if close else Status.FEASIBLE, notes)
