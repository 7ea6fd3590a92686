"""The `optimal` method on a core problem: one MIP over all arcs, or the large-instance path.

Small and medium problems: all feasible arcs, greedy start, MIP (HiGHS by default), bound and
gap from the MIP, optionally a search after it. Problems with more than `DENSE_ARC_LIMIT`
feasible arcs go to `large.solve_large` (LP column generation, diving, pooled bound,
neighbourhood search).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import gap_search
from .backends import MipOutcome, solve_cpsat, solve_highs
from .core import (
    Arcs,
    CoreProblem,
    CoreSolution,
    IntArray,
    all_arcs,
    core_objective,
    is_feasible,
    make_arcs,
)
from .greedy import greedy
from .large import solve_large
from .mip_model import MipModel, build

Progress = Callable[[str], None]

#: above this many feasible arcs the large-instance path (large.py) is used
DENSE_ARC_LIMIT = 60_000


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
    search_share: float = 0.0,
    progress: Progress | None = None,
) -> CoreOutcome:
    t0 = time.monotonic()
    say = progress or (lambda _msg: None)
    notes: list[str] = []
    n_arcs = problem.count_feasible_arcs()
    if n_arcs > dense_arc_limit:
        say(f"{n_arcs} feasible arcs: large-instance path")
        large, large_bound, large_notes = solve_large(
            problem,
            n_arcs=n_arcs,
            time_limit=time_limit - (time.monotonic() - t0),
            seed=seed,
            threads=threads,
            progress=say,
        )
        notes.extend(large_notes)
        empty = CoreSolution(make_arcs(problem, np.zeros(0, np.int64), np.zeros(0, np.int64)),
                             np.zeros(0, dtype=np.int64))  # fmt: skip
        obj = core_objective(problem, large) if large is not None else -np.inf
        return _finish(problem, large, obj, large_bound, notes, empty.arcs)
    arcs = all_arcs(problem)
    say(f"model: {problem.n_items} items, {problem.n_agents} agents, {arcs.size} arcs")
    start = greedy(problem, arcs, seed=seed)
    start_ok = is_feasible(problem, start)
    best = start if start_ok else None
    best_obj = core_objective(problem, start) if start_ok else -np.inf
    say(f"start solution: {f'{best_obj:.3f}' if start_ok else 'none'}")
    model = build(problem, arcs)
    remaining = time_limit - (time.monotonic() - t0)
    start_cols = model.full_start(problem, arcs, start.x) if start_ok else None
    mip_time = remaining
    search_ok = search_share > 0 and gap_search.applicable(problem)
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
    if best is None:
        return CoreOutcome(
            CoreSolution(arcs, np.zeros(arcs.size, dtype=np.int64)),
            float("-inf"),
            out.bound,
            out.status if out.status == "infeasible" else "no_solution",
            notes,
        )
    bound = out.bound
    if bound is not None:
        bound = max(bound, best_obj)
    proven = out.status == "optimal"
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
