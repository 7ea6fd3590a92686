"""The `optimal` method on a core problem: one product path, chosen by the problem's shape.

* GAP-shaped problems (every item one unit that must be placed, one resource, no key, no pair
  links - the published GAP instances), any size: greedy; the LP relaxation (bound, reduced
  costs, rounded start); the tabu search with ejection chains and path relinking
  (`gap_search`, capacity excess penalised, so it also repairs an infeasible start); a MIP
  over the LP-guided core (the arcs with the smallest reduced costs, the LP support and the
  incumbent; node budget; exact by reduced-cost fixing when every arc left out costs more
  than the bound's lead), then the tabu search again. Small models (<= 1,000 columns) get
  the MIP over all arcs first; cores above 3,500 columns skip the MIP.
* Other problems up to `dense_arc_limit` feasible arcs: greedy start, MIP over all arcs.
* Larger problems: `large.solve_large` (column generation, pooled bound, LP-guided neighbourhood
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
#: (CPU time per move, measured 2026-11-30 on the 2 shared cores at load 11-18: 0.23 ms at
#: 15 x 5, 0.8 ms at 100 x 5-20, 2.2 ms at 200 x 20, 3.9 ms at 400 x 20, 4.0 ms at 800 x 40,
#: 5.4 ms at 1,600 x 80; the earlier constants, from wall time, were about twice as high
#: and left half the budget unused)
TABU_BASE, TABU_CHAIN, TABU_SHIFT = 2.5e-4, 4.5e-8, 1e-8
#: GAP-shaped problems: shares of the work of the tabu search before the core MIP, the MIP over
#: the LP-guided core, and the tabu search after it
GAP_SHARES = (0.25, 0.5, 0.25)
#: the core: this many arcs per item (smallest LP reduced costs), plus the LP support and the
#: incumbent (generated D 20 x 400, 20 s, 1 thread: 2-4 arcs per item give 24,659-24,687
#: against 24,696 for the full model with 2 threads in 60 s; the full model's root node alone
#: takes > 25 s at 8,000 columns)
GAP_CORE_ARCS = 3.0
#: core MIP nodes per reference second ~ CORE_NODE_RATE / (columns + rows) (measured on
#: quiet cores: 37-76 nodes/s at 1,200-3,200 columns + rows, i.e. 6e4-1.2e5)
CORE_NODE_RATE = 1.0e5
#: larger cores skip the MIP (its share goes to the tabu search): on a generated D 80 x 1,600
#: the root of the 5,076-column core ran its cut loop for > 280 s without a node (the LP
#: bound is massively degenerate there), and HiGHS has no deterministic limit on root work
GAP_CORE_MAX_COLS = 3_500
#: models up to this many columns get the MIP over all arcs first (it often proves optimality
#: at once: the OR-Library gap1-12 instances), then the tabu search for the rest
GAP_SMALL_COLS = 1_000
#: without LP reduced costs (the LP hit its iteration limit) the MIP runs over all arcs only
#: up to this many columns
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


def _tabu(
    problem: CoreProblem,
    best: CoreSolution | None,
    best_obj: float,
    start_assign: IntArray | None,
    *,
    control: Control,
    moves: int,
    seed: int,
    notes: list[str],
) -> tuple[CoreSolution | None, float]:
    """One tabu phase; returns the better of `best` and what it found."""
    if moves <= 0 or (best is None and start_assign is None) or control.halted():
        return best, best_obj
    found = gap_search.tabu_search(
        problem, best, control=control, moves=moves, seed=seed, start_assign=start_assign
    )
    if found is not None:
        obj = core_objective(problem, found)
        if best is None or obj > best_obj + 1e-9:
            note = "improved by tabu search" if best is not None else "found by tabu search"
            if note not in notes:
                notes.append(note)
            return found, obj
    return best, best_obj


def _core_arcs(
    arcs: Arcs,
    penalty: FloatArray,
    support: IntArray,
    incumbent: IntArray | None,
    n_items: int,
) -> IntArray:
    """Indices (into `arcs`, ascending) of the core: the `GAP_CORE_ARCS` x n arcs with the
    smallest LP reduced-cost penalty (ties: arc order), the LP support and the incumbent."""
    keep = np.zeros(arcs.size, dtype=bool)
    k = min(arcs.size, int(GAP_CORE_ARCS * n_items))
    keep[np.argsort(penalty, kind="stable")[:k]] = True
    keep[support] = True
    if incumbent is not None:
        keep[incumbent] = True
    return np.flatnonzero(keep)


def _solve_gap(problem: CoreProblem, *, control: Control, seed: int) -> CoreOutcome:
    """GAP-shaped problems (ADR 0024, methods.md): greedy; LP relaxation (bound, reduced
    costs); tabu search from the LP solution rounded; a MIP over the LP-guided core (the arcs
    with the smallest reduced costs, the LP support and the incumbent; node budget) started
    from the incumbent; tabu search again from the best. Every phase is counted work."""
    budget = control.budget
    work = budget.work
    n, m = problem.n_items, problem.n_agents
    notes: list[str] = []
    control.begin("greedy", 0.0, 0.02)
    arcs = all_arcs(problem)
    control.say(f"GAP-shaped problem: {n} items, {m} agents, {arcs.size} arcs")
    model = build(problem, arcs)
    s_tabu1, s_core, s_tabu2 = GAP_SHARES
    # the core MIP runs only where its root is cheap: else its share goes to the tabu search
    core_cols = min(arcs.size, int(GAP_CORE_ARCS * n) + n)
    use_core = core_cols <= GAP_CORE_MAX_COLS
    mip_first = model.n_cols <= GAP_SMALL_COLS
    if not use_core:
        s_tabu1, s_core, s_tabu2 = s_tabu1 + s_core / 2, 0.0, s_tabu2 + s_core / 2
    total_moves = tabu_moves_for(budget, (s_tabu1 + s_tabu2) * work, n, m)
    moves1 = 0 if mip_first else int(total_moves * s_tabu1 / (s_tabu1 + s_tabu2))
    moves2 = total_moves - moves1
    core_nodes = _count(
        budget.mip_nodes,
        s_core * work * CORE_NODE_RATE / (core_cols + n + m),
        budget.wall_clock,
        20,
    )
    counts = {
        "lp_iterations": _count(budget.lp_iterations, 50 * model.n_rows, False, 1000),
        "tabu_moves": total_moves,
    }
    if use_core:
        counts["mip_nodes"] = core_nodes
    start = greedy(problem, arcs, seed=seed)
    best: CoreSolution | None = None
    best_obj = -np.inf
    if is_feasible(problem, start):
        best = CoreSolution(arcs, start.x if start.arcs is arcs else _on_arcs(start, arcs))
        best_obj = core_objective(problem, best)
    control.update(best=best_obj if best is not None else None)
    bound: float | None = None
    penalty: FloatArray | None = None
    support = np.zeros(0, dtype=np.int64)
    lp_assign: IntArray | None = None
    # the LP relaxation: bound, reduced costs, rounded start (iteration limit: deterministic)
    control.begin("lp_bound", 0.02, 0.1, time_share=0.05)
    if not control.halted():
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
            bound = lp_out.bound
            control.update(bound=bound)
        if lp_out.columns is not None:
            x_lp = lp_out.columns[: model.n_x]
            # each item to its largest LP share (at most m items are split): near the bound,
            # nearly feasible - the tabu search starts here
            lp_assign = _rounded(arcs, x_lp, n)
            support = np.flatnonzero(x_lp > 1e-9)
            if lp_out.col_dual is not None and lp_out.bound is not None:
                penalty = np.maximum(-lp_out.col_dual[: model.n_x], 0.0)
    # tabu search, first part
    control.begin("tabu", 0.1, 0.3 if use_core else 0.55, time_share=s_tabu1)
    start_assign = lp_assign
    if best is None and start_assign is None:
        # no feasible start and no LP solution: repair from the greedy's placements and every
        # other item on its cheapest agent, capacity excess penalised
        start_assign = gap_search.cheapest_assignment(problem)
        if start_assign is not None:
            nz = np.flatnonzero(start.x)
            start_assign[start.arcs.item[nz]] = start.arcs.agent[nz]
    if moves1:
        control.say(f"tabu search with ejection chains: {moves1} moves")
    best, best_obj = _tabu(
        problem,
        best,
        best_obj,
        start_assign,
        control=control,
        moves=moves1,
        seed=seed,
        notes=notes,
    )
    if best is not None and best.arcs is not arcs:
        best = CoreSolution(arcs, _on_arcs(best, arcs))
    # MIP over the LP-guided core, started from the incumbent
    proven = False
    control.begin("mip", 0.3, 0.75, time_share=s_core / (s_core + s_tabu2))
    if use_core and not control.halted() and (penalty is not None or model.n_cols <= GAP_MIP_COLS):
        if penalty is not None and not mip_first:
            inc = np.flatnonzero(best.x) if best is not None else None
            keep = _core_arcs(arcs, penalty, support, inc, n)
        else:
            keep = np.arange(arcs.size)
        # exact when every arc left out costs more (reduced cost) than the LP bound's lead
        # over the incumbent: no better solution can use it (reduced-cost fixing)
        exact = keep.size == arcs.size
        if not exact and penalty is not None and bound is not None and best is not None:
            out_mask = np.ones(arcs.size, dtype=bool)
            out_mask[keep] = False
            lead = bound - best_obj
            exact = bool(np.all(penalty[out_mask] > lead + 1e-6 * max(1.0, abs(bound))))
        core = make_arcs(problem, arcs.item[keep], arcs.agent[keep])
        core_model = build(problem, core)
        nodes = _count(
            budget.mip_nodes,
            s_core * work * CORE_NODE_RATE / max(core_model.n_cols + core_model.n_rows, 1),
            budget.wall_clock,
            20,
        )
        counts["mip_nodes"] = nodes
        control.say(
            f"MIP over the LP-guided core: {core_model.n_cols} of {arcs.size} arcs, "
            f"up to {nodes} nodes" + (" (exact: reduced-cost fixing)" if exact else "")
        )
        start_cols = None
        if best is not None:
            start_cols = core_model.full_start(problem, core, best.x[keep])
        out = solve_highs(
            core_model,
            control=control,
            node_limit=nodes,
            seed=seed,
            start=start_cols,
            report=exact,
        )
        x = _x_of(core_model, out)
        if x is not None:
            full_x = np.zeros(arcs.size, dtype=np.int64)
            full_x[keep] = x
            sol = CoreSolution(arcs, full_x)
            if is_feasible(problem, sol):
                obj = core_objective(problem, sol)
                if best is None or obj > best_obj + 1e-9:
                    best, best_obj = sol, obj
                    notes.append("improved by the MIP over the LP-guided core")
        if exact and keep.size == arcs.size and out.status == "infeasible" and best is None:
            notes.append("HiGHS proved that no assignment keeps every capacity")
            empty_x = np.zeros(arcs.size, dtype=np.int64)
            return CoreOutcome(
                CoreSolution(arcs, empty_x), -np.inf, None, Status.INFEASIBLE, notes, counts
            )
        if exact and best is not None:
            if out.status == "optimal":
                bound, proven = best_obj, True
            elif out.bound is not None:
                core_bound = max(out.bound, best_obj)
                bound = core_bound if bound is None else min(bound, core_bound)
    # tabu search, second part, from the best
    control.begin("tabu", 0.75 if use_core else 0.55, 1.0)
    if not proven:
        control.say(f"tabu search with ejection chains: {moves2} moves")
        best, best_obj = _tabu(
            problem,
            best,
            best_obj,
            None,
            control=control,
            moves=moves2,
            seed=seed + 1,
            notes=notes,
        )
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
