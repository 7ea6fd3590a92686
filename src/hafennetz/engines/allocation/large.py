"""The `optimal` method for problems with too many arcs for one MIP (ADR 0022, 0023).

1. A start: column generation of the LP relaxation on one warm-started HiGHS model, LP diving
   and a finishing MIP (up to `GREEDY_ARC_LIMIT` feasible arcs, seeded by a greedy over all of
   them); beyond that, a greedy over candidate arcs (each item's best and capacity-weighted
   random agents).
2. A bound: the column-generation bound (LP value + Lagrangian slack), and where agents fall
   into few classes of interchangeable agents, the LP bound of the pooled relaxation
   (`bound.pooled`), whichever is lower.
3. Neighbourhood search with small exact MIPs over a few agents (`lns.improve_general`) for the
   rest of the time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .bound import pooled
from .colgen import price_columns_warm
from .core import (
    Arcs,
    CoreProblem,
    CoreSolution,
    FloatArray,
    all_arcs,
    core_objective,
    is_feasible,
)
from .greedy import dense_greedy, greedy
from .lns import improve_general

Progress = Callable[[str], None]

#: up to this many feasible arcs a greedy over all of them seeds the candidate lists and the LP
#: of all items is grown by column generation
GREEDY_ARC_LIMIT = 3_000_000
#: up to this many feasible arcs LP diving ends with a MIP over the items still fractional
FINISH_ARC_LIMIT = 500_000


def solve_large(
    problem: CoreProblem,
    *,
    n_arcs: int,
    time_limit: float,
    seed: int,
    threads: int,
    progress: Progress | None = None,
) -> tuple[CoreSolution | None, float | None, list[str]]:
    """(best solution or None, bound or None, notes)."""
    t0 = time.monotonic()
    say = progress or (lambda _msg: None)
    notes: list[str] = []
    bound: float | None = None

    def left() -> float:
        return time_limit - (time.monotonic() - t0)

    # a bound from the pooled relaxation first: its time is hard to predict, so it gets a fixed
    # share (at state scale it converges in a few seconds, at national scale in under a minute)
    relaxed = pooled(problem)
    prices: FloatArray | None = None  # (m, R) value of a unit of capacity, from the pooled LP
    if relaxed is not None:
        q = relaxed.problem
        say(f"pooled relaxation: {q.n_items} items, {q.n_agents} agent classes")
        cg_q = price_columns_warm(
            q, time_budget=0.25 * time_limit, seed=seed, threads=threads, progress=say
        )
        if cg_q.bound is not None:
            bound = cg_q.bound
            exact = "converged" if cg_q.reduced is not None else "not converged"
            notes.append(f"bound from the pooled relaxation ({exact}): {bound:.3f}")
        if cg_q.prices is not None:
            prices = cg_q.prices[relaxed.agent_class]
    best: CoreSolution | None = None
    best_obj = -np.inf
    have_pooled = bound is not None and relaxed is not None and prices is not None
    if n_arcs <= GREEDY_ARC_LIMIT and have_pooled and n_arcs > FINISH_ARC_LIMIT:
        # measured at state scale: the LP of all items does not converge in a minute, while
        # the pooled LP gives a bound and prices in seconds; its time goes to the search
        arcs = all_arcs(problem)
        best = _best_greedy(problem, arcs, prices, seed, say)
        best_obj = core_objective(problem, best)
        start_note = "start: greedy (with capacity prices from the pooled LP if better)"
    elif n_arcs <= GREEDY_ARC_LIMIT:
        arcs = all_arcs(problem)
        full_greedy = _best_greedy(problem, arcs, prices, seed, say)
        best, best_obj = full_greedy, core_objective(problem, full_greedy)
        start_note = "start: greedy over all arcs"
        nz = np.flatnonzero(full_greedy.x)
        # the bound needs the LP to converge (alliance scale: 5-8 rounds, 6-25 s): with short
        # limits it gets most of the time, otherwise 40 %
        share = 0.7 if time_limit < 20 else 0.4
        budget = max(share * time_limit - (time.monotonic() - t0), 0.1 * time_limit)
        cg = price_columns_warm(
            problem,
            time_budget=budget,
            dive_budget=0.1 * time_limit,
            # the finishing MIP runs on the whole LP model: measured to overrun its deadline
            # at state scale, so only where that model is small
            finish_budget=0.1 * time_limit if n_arcs <= FINISH_ARC_LIMIT else 0.0,
            seed=seed,
            threads=threads,
            progress=say,
            seed_solution=(full_greedy.arcs.item[nz], full_greedy.arcs.agent[nz]),
        )
        notes.append(f"LP column generation: {cg.arcs.size} of {n_arcs} arcs")
        if cg.bound is not None and (bound is None or cg.bound < bound):
            bound = cg.bound
            kind = "LP bound" if cg.reduced is not None else "LP value + Lagrangian slack"
            notes.append(f"bound from the column generation ({kind}): {bound:.3f}")
        if cg.prices is not None:
            priced = _best_greedy(problem, arcs, cg.prices, seed, say, plain=full_greedy)
            obj = core_objective(problem, priced)
            if obj > best_obj:
                best, best_obj = priced, obj
                start_note = "start: greedy with capacity prices from the LP"
        if cg.dived is not None:
            completed = greedy(problem, cg.arcs, seed=seed, initial_x=cg.dived)
            obj = core_objective(problem, completed)
            if is_feasible(problem, completed) and obj > best_obj:
                best, best_obj = completed, obj
                start_note = "start: LP diving, completed greedily"
        if cg.x is not None:
            floor = np.floor(cg.x + 1e-6).astype(np.int64)
            rounded = greedy(problem, cg.arcs, seed=seed, initial_x=floor)
            obj = core_objective(problem, rounded)
            if is_feasible(problem, rounded) and obj > best_obj:
                best, best_obj = rounded, obj
                start_note = "start: LP solution rounded down, completed greedily"
    else:
        # too many arcs to list: greedy over all agents on the value matrix itself
        best = dense_greedy(problem, seed=seed)
        best_obj = core_objective(problem, best)
        say(f"greedy over all agents: {best_obj:.3f}")
        start_note = "start: greedy over all agents"
        if prices is not None:
            priced = dense_greedy(problem, prices=prices, seed=seed)
            obj = core_objective(problem, priced)
            say(f"greedy with capacity prices: {obj:.3f}")
            if obj > best_obj:
                best, best_obj = priced, obj
                start_note = "start: greedy over all agents with capacity prices from the pooled LP"
    notes.append(start_note)
    if best is not None and not is_feasible(problem, best):
        best, best_obj = None, -np.inf
    reserve = 0.02 * time_limit  # for the final fill
    if best is not None and left() - reserve > 0.2:
        say(f"start {best_obj:.3f}; neighbourhood search for {left() - reserve:.1f} s")
        found = improve_general(
            problem, best, time_limit=left() - reserve, seed=seed, threads=threads, progress=say
        )
        found_obj = core_objective(problem, found)
        if is_feasible(problem, found) and found_obj > best_obj + 1e-9:
            best, best_obj = found, found_obj
            notes.append("improved by neighbourhood search (small MIPs over a few agents)")
    if best is not None:
        # the search stops at the time limit: place what still fits and raises the score
        filled = dense_greedy(problem, seed=seed, initial=best)
        filled_obj = core_objective(problem, filled)
        if is_feasible(problem, filled) and filled_obj > best_obj + 1e-9:
            say(f"final fill: {filled_obj:.3f}")
            best, best_obj = filled, filled_obj
            notes.append("households that still fit placed after the search")
    return best, bound, notes


def _best_greedy(
    problem: CoreProblem,
    arcs: Arcs,
    prices: FloatArray | None,
    seed: int,
    say: Progress,
    plain: CoreSolution | None = None,
) -> CoreSolution:
    """Plain greedy, and with capacity prices (a Lagrangian heuristic): units first placed by
    their value less the priced use of scarce places, then completed by the plain greedy."""
    if plain is None:
        plain = greedy(problem, arcs, seed=seed)
        say(f"greedy on {arcs.size} arcs: {core_objective(problem, plain):.3f}")
    plain_obj = core_objective(problem, plain)
    if prices is None:
        return plain
    priced_arcs = Arcs(
        arcs.item,
        arcs.agent,
        arcs.value - np.einsum("kr,kr->k", arcs.use, prices[arcs.agent]),
        arcs.use,
    )
    first = greedy(problem, priced_arcs, seed=seed)
    priced = greedy(problem, arcs, seed=seed, initial_x=first.x)
    priced_obj = core_objective(problem, priced)
    say(f"greedy with capacity prices: {priced_obj:.3f}")
    return priced if priced_obj > plain_obj else plain
