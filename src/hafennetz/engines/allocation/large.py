"""The `optimal` method for problems with too many arcs for one MIP (ADR 0022, 0023).

1. A start: column generation of the LP relaxation on one warm-started HiGHS model, LP diving
   and a finishing MIP (up to `GREEDY_ARC_LIMIT` feasible arcs, seeded by a greedy over all of
   them); beyond that, a greedy over candidate arcs (each item's best and capacity-weighted
   random agents).
2. A bound: the column-generation bound (LP value + Lagrangian slack), and where agents fall
   into few classes of interchangeable agents, the LP bound of the pooled relaxation
   (`bound.pooled`), whichever is lower.
3. Neighbourhood search with small exact MIPs over a few agents (`lns.improve_general`) for the
   rest of the budget.

All phases are limited by counted work (simplex iterations, rounds, nodes, moves) derived from
`Budget.work` and the problem's size, so results are reproducible (ADR 0024).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bound import pooled
from .colgen import price_columns_warm
from .control import Budget, Control
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

#: up to this many feasible arcs a greedy over all of them seeds the candidate lists and the LP
#: of all items is grown by column generation
GREEDY_ARC_LIMIT = 3_000_000
#: up to this many feasible arcs LP diving ends with a MIP over the items still fractional
FINISH_ARC_LIMIT = 500_000

#: calibration on the reference machine (ADR 0024): simplex iterations per CPU second of the
#: warm-started column-generation LP ~ ITER_RATE / rows (alliance, 2,700 rows: ~2,600 in about
#: 1 s of CPU); neighbourhood-search moves per CPU second (alliance: ~0.6 s per move)
ITER_RATE = 6.0e6
MOVE_RATE = 2.0
#: column generation gets at least this many simplex iterations per LP row, so that its first
#: LP can be solved (else no bound, no prices, no diving)
MIN_ITERATIONS_PER_ROW = 5
NODE_RATE = 5.0e4
UNLIMITED = 2**62


@dataclass(frozen=True)
class LargePlan:
    """Size thresholds of the large-instance path (tests lower them to run every branch)."""

    greedy_arc_limit: int = GREEDY_ARC_LIMIT
    finish_arc_limit: int = FINISH_ARC_LIMIT
    pool_factor: int = 4  # pooled bound only where pooling cuts the agents this many times


def _count(explicit: int | None, derived: float, budget: Budget, minimum: int) -> int:
    if explicit is not None:
        return int(explicit)
    if budget.wall_clock:
        return UNLIMITED
    return max(int(derived), minimum)


def _lp_rows(problem: CoreProblem) -> int:
    return problem.n_items + problem.n_agents * problem.n_resources + 1


def solve_large(
    problem: CoreProblem,
    *,
    n_arcs: int,
    control: Control,
    seed: int,
    plan: LargePlan | None = None,
) -> tuple[CoreSolution | None, float | None, list[str], dict[str, int]]:
    """(best solution or None, bound or None, notes, work counts used as limits)."""
    plan = plan or LargePlan()
    budget = control.budget
    work = budget.work
    notes: list[str] = []
    bound: float | None = None
    counts: dict[str, int] = {}

    # a bound from the pooled relaxation first (state scale: a few seconds, national scale
    # under a minute); its capacity duals are prices for the greedy
    relaxed = pooled(problem, min_factor=plan.pool_factor)
    prices: FloatArray | None = None  # (m, R) value of a unit of capacity, from the pooled LP
    if relaxed is not None:
        q = relaxed.problem
        control.begin("pooled_lp", 0.0, 0.25, time_share=0.25)
        q_rows = _lp_rows(q)
        its = _count(
            budget.lp_iterations,
            0.25 * work * ITER_RATE / q_rows,
            budget,
            MIN_ITERATIONS_PER_ROW * q_rows,
        )
        counts["pooled_lp_iterations"] = its
        control.say(f"pooled relaxation: {q.n_items} items, {q.n_agents} agent classes")
        cg_q = price_columns_warm(q, control=control, lp_iterations=its, seed=seed)
        if cg_q.bound is not None:
            bound = cg_q.bound
            control.update(bound=bound)
            exact = "converged" if cg_q.reduced is not None else "not converged"
            notes.append(f"bound from the pooled relaxation ({exact}): {bound:.3f}")
        if cg_q.prices is not None:
            prices = cg_q.prices[relaxed.agent_class]
    best: CoreSolution | None = None
    best_obj = -np.inf
    have_pooled = bound is not None and relaxed is not None and prices is not None
    at = 0.25 if relaxed is not None else 0.0
    if n_arcs <= plan.greedy_arc_limit and have_pooled and n_arcs > plan.finish_arc_limit:
        # measured at state scale: the LP of all items does not converge in a minute, while
        # the pooled LP gives a bound and prices in seconds; its time goes to the search
        control.begin("greedy", at, at + 0.05, time_share=0.05)
        arcs = all_arcs(problem)
        best = _best_greedy(problem, arcs, prices, seed, control)
        best_obj = core_objective(problem, best)
        start_note = "start: greedy (with capacity prices from the pooled LP if better)"
        at += 0.05
    elif n_arcs <= plan.greedy_arc_limit:
        control.begin("greedy", at, at + 0.05, time_share=0.05)
        arcs = all_arcs(problem)
        full_greedy = _best_greedy(problem, arcs, prices, seed, control)
        best, best_obj = full_greedy, core_objective(problem, full_greedy)
        control.update(best=best_obj)
        start_note = "start: greedy over all arcs"
        nz = np.flatnonzero(full_greedy.x)
        # the bound needs the LP to converge (alliance scale: 5-8 rounds): with a small budget
        # it gets most of the work, otherwise 40 %
        share = 0.7 if work < 20 else 0.4
        rows = _lp_rows(problem)
        its = _count(
            budget.lp_iterations,
            share * work * ITER_RATE / rows,
            budget,
            MIN_ITERATIONS_PER_ROW * rows,
        )
        dive_its = _count(
            None if budget.lp_iterations is None else budget.lp_iterations // 4,
            0.1 * work * ITER_RATE / rows,
            budget,
            100,
        )
        finish = 0
        if n_arcs <= plan.finish_arc_limit:
            # the finishing MIP runs on the whole LP model: measured to overrun its deadline
            # at state scale, so only where that model is small
            finish = _count(budget.mip_nodes, 0.1 * work * NODE_RATE / rows, budget, 20)
        counts.update(lp_iterations=its, dive_iterations=dive_its, finish_nodes=finish)
        lo = at + 0.05
        control.begin("column_generation", lo, lo + 0.4, time_share=share)
        cg = price_columns_warm(
            problem,
            control=control,
            lp_iterations=its,
            dive_iterations=dive_its,
            dive_phase=(lo + 0.4, lo + 0.5, 0.25),
            finish_nodes=finish,
            seed=seed,
            seed_solution=(full_greedy.arcs.item[nz], full_greedy.arcs.agent[nz]),
        )
        at = lo + 0.5
        notes.append(f"LP column generation: {cg.arcs.size} of {n_arcs} arcs")
        if cg.bound is not None and (bound is None or cg.bound < bound):
            bound = cg.bound
            control.update(bound=bound)
            kind = "LP bound" if cg.reduced is not None else "LP value + Lagrangian slack"
            notes.append(f"bound from the column generation ({kind}): {bound:.3f}")
        if cg.prices is not None:
            priced = _best_greedy(problem, arcs, cg.prices, seed, control, plain=full_greedy)
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
        control.begin("greedy", at, at + 0.05, time_share=0.05)
        best = dense_greedy(problem, seed=seed)
        best_obj = core_objective(problem, best)
        control.say(f"greedy over all agents: {best_obj:.3f}")
        start_note = "start: greedy over all agents"
        if prices is not None:
            priced = dense_greedy(problem, prices=prices, seed=seed)
            obj = core_objective(problem, priced)
            control.say(f"greedy with capacity prices: {obj:.3f}")
            if obj > best_obj:
                best, best_obj = priced, obj
                start_note = "start: greedy over all agents with capacity prices from the pooled LP"
        at += 0.05
    notes.append(start_note)
    if best is not None and not is_feasible(problem, best):
        best, best_obj = None, -np.inf
    if best is not None:
        control.update(best=best_obj)
    moves = _count(budget.search_moves, (1.0 - at) * work * MOVE_RATE, budget, 10)
    counts["search_moves"] = moves
    if best is not None and not control.halted():
        control.begin("neighbourhood_search", at, 0.99, time_share=0.98)
        control.say(f"start {best_obj:.3f}; neighbourhood search, {moves} moves")
        found = improve_general(problem, best, control=control, moves=moves, seed=seed)
        found_obj = core_objective(problem, found)
        if is_feasible(problem, found) and found_obj > best_obj + 1e-9:
            best, best_obj = found, found_obj
            control.update(best=best_obj)
            notes.append("improved by neighbourhood search (small MIPs over a few agents)")
    if best is not None:
        # place what still fits and raises the score
        control.begin("final_fill", 0.99, 1.0)
        filled = dense_greedy(problem, seed=seed, initial=best)
        filled_obj = core_objective(problem, filled)
        if is_feasible(problem, filled) and filled_obj > best_obj + 1e-9:
            control.say(f"final fill: {filled_obj:.3f}")
            best, best_obj = filled, filled_obj
            notes.append("households that still fit placed after the search")
    return best, bound, notes, counts


def _best_greedy(
    problem: CoreProblem,
    arcs: Arcs,
    prices: FloatArray | None,
    seed: int,
    control: Control,
    plain: CoreSolution | None = None,
) -> CoreSolution:
    """Plain greedy, and with capacity prices (a Lagrangian heuristic): units first placed by
    their value less the priced use of scarce places, then completed by the plain greedy."""
    if plain is None:
        plain = greedy(problem, arcs, seed=seed)
        control.say(f"greedy on {arcs.size} arcs: {core_objective(problem, plain):.3f}")
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
    control.say(f"greedy with capacity prices: {priced_obj:.3f}")
    return priced if priced_obj > plain_obj else plain
