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

from . import gap_search
from .backends import MipOutcome, solve_cpsat, solve_highs
from .colgen import price_columns_warm
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
from .lns import improve, improve_general
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
    search_share: float = 0.0,
    progress: Progress | None = None,
) -> CoreOutcome:
    t0 = time.monotonic()
    say = progress or (lambda _msg: None)
    notes: list[str] = []
    n_arcs = problem.count_feasible_arcs()
    lp_bound: float | None = None
    lp_x: FloatArray | None = None
    reduced: FloatArray | None = None
    dived: IntArray | None = None
    if n_arcs <= dense_arc_limit:
        arcs = all_arcs(problem)
        say(f"model: {problem.n_items} items, {problem.n_agents} agents, {arcs.size} arcs")
    else:
        say(f"{n_arcs} feasible arcs: growing candidate lists by LP pricing")
        full_greedy = None
        if n_arcs <= GREEDY_ARC_LIMIT:
            full_greedy = greedy(problem, all_arcs(problem), seed=seed)
            say(f"greedy on all arcs: {core_objective(problem, full_greedy):.3f}")
        seed_arcs = None
        if full_greedy is not None:
            nz = np.flatnonzero(full_greedy.x)
            seed_arcs = (full_greedy.arcs.item[nz], full_greedy.arcs.agent[nz])
        cg = price_columns_warm(
            problem,
            time_budget=0.4 * time_limit - (time.monotonic() - t0),
            dive_budget=0.1 * time_limit,
            finish_budget=0.1 * time_limit,
            seed=seed,
            threads=threads,
            progress=say,
            seed_solution=seed_arcs,
        )
        arcs, lp_bound, lp_x, reduced = cg.arcs, cg.bound, cg.x, cg.reduced
        dived = cg.dived
        notes.append(f"candidate arcs: {arcs.size} of {n_arcs} (LP column generation)")
        if lp_bound is None:
            notes.append("no LP of the column generation was solved in time: no bound")
        elif cg.reduced is None:
            notes.append("column generation stopped early: bound = LP value + Lagrangian slack")
    start = greedy(problem, arcs, seed=seed)
    if dived is not None:
        completed = greedy(problem, arcs, seed=seed, initial_x=dived)
        if core_objective(problem, completed) >= core_objective(problem, start):
            start = completed
            notes.append("start: LP diving, completed greedily")
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
    if reduced is not None and lp_bound is not None and start_ok:
        # reduced-cost filter: an arc whose LP reduced cost is below -(bound - start) cannot be
        # in a solution better than the start (LP value + reduced costs bound any solution)
        slack = lp_bound - best_obj
        keep = (reduced >= -slack - 1e-6) | (start.x > 0)
        if not keep.all():
            sub = make_arcs(problem, arcs.item[keep], arcs.agent[keep])
            start = CoreSolution(sub, start.x[keep])
            arcs = sub
            best = start
            notes.append(f"MIP on {arcs.size} arcs after reduced-cost filtering")
            say(f"reduced-cost filter: {arcs.size} arcs left (slack {slack:.3f})")
    if n_arcs > dense_arc_limit and dived is not None:
        # measured at alliance scale: HiGHS' MIP over ~40,000 candidate arcs neither improved
        # the dived start nor kept its time limit; small neighbourhood MIPs do (ADR 0023)
        left = time_limit - (time.monotonic() - t0)
        if best is not None and left > 0.2:
            say(f"start {best_obj:.3f}; neighbourhood search for {left:.1f} s")
            found = improve_general(
                problem, best, time_limit=left, seed=seed, threads=threads, progress=say
            )
            found_obj = core_objective(problem, found)
            if is_feasible(problem, found) and found_obj > best_obj + 1e-9:
                best, best_obj = found, found_obj
                notes.append("improved by neighbourhood search (small MIPs over a few agents)")
        return _finish(problem, best, best_obj, lp_bound, notes, arcs)
    model = build(problem, arcs)
    remaining = time_limit - (time.monotonic() - t0)
    start_cols = model.full_start(problem, arcs, start.x) if start_ok else None
    lns_ok = lns_share > 0 and lp_x is None and not problem.pairs
    lns_ok = lns_ok and (problem.share is None or problem.key_weight == 0)
    mip_time = remaining * (1 - lns_share) if lns_ok else remaining
    search_ok = search_share > 0 and n_arcs <= dense_arc_limit and gap_search.applicable(problem)
    if search_ok:
        mip_time = remaining * (1 - search_share)
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
    if best is not None and search_ok and out.status not in ("optimal", "infeasible"):
        left = time_limit - (time.monotonic() - t0)
        say(f"MIP stopped at {best_obj:.3f}; tabu search for {left:.1f} s")
        found = gap_search.tabu_search(problem, best, time_limit=left, seed=seed)
        found_obj = core_objective(problem, found)
        if found_obj > best_obj + 1e-9:
            best, best_obj = found, found_obj
            notes.append("improved by tabu search after the MIP")
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


def _finish(
    problem: CoreProblem,
    best: CoreSolution | None,
    best_obj: float,
    bound: float | None,
    notes: list[str],
    arcs: Arcs,
) -> CoreOutcome:
    if best is None:
        return CoreOutcome(
            CoreSolution(arcs, np.zeros(arcs.size, dtype=np.int64)),
            float("-inf"),
            bound,
            "no_solution",
            notes,
        )
    if bound is not None:
        bound = max(bound, best_obj)
    close = bound is not None and bound - best_obj <= 1e-6 * max(1.0, abs(bound))
    return CoreOutcome(best, best_obj, bound, "optimal" if close else "feasible", notes)
