"""The `optimal` method for problems with too many arcs for one MIP (ADR 0022, 0023).

1. A start: column generation of the LP relaxation on one warm-started HiGHS model (up to
   `LP_ARC_LIMIT` feasible arcs, seeded by a greedy over all of them), its integer part
   completed greedily; a greedy with the LP's capacity prices; beyond `LP_ARC_LIMIT` (where
   a pooled bound exists) a greedy over all arcs, beyond `GREEDY_ARC_LIMIT` a greedy over all
   agents on the value matrix itself.
2. A bound: the column-generation bound (LP value + Lagrangian slack), and where agents fall
   into few classes of interchangeable agents, the LP bound of the pooled relaxation
   (`bound.pooled`), whichever is lower.
3. Neighbourhood search with small exact MIPs over a few agents (`lns.improve_general`) for the
   rest of the budget, first in LP-guided sweeps where the LP of all items was solved.

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
#: up to this many feasible arcs the LP of all items is grown by column generation and guides
#: the search (alliance: 211,730); above, where a pooled bound exists, the pooled LP's prices
#: only (state scale: the LP of all items does not converge in a minute)
LP_ARC_LIMIT = 500_000

#: calibration on the reference machine (ADR 0024; 2 vCPU AMD EPYC, quiet, 2026-11-30 - the
#: earlier figures were taken at load 11-18 and bought 2.5-4 x less work than a reference second
#: means): simplex iterations per CPU second of the warm-started column-generation LP ~
#: ITER_RATE / rows (alliance, 2,711 rows: 31,698 iterations in 5.0 s); neighbourhood-search
#: moves per CPU second, LP-guided (alliance: 420 moves, most of them sweeps over 1-3 agents, in
#: 12.7 s) and random (state: 84 moves in about 17 s; 2.1's rate of 2 left 60 reference seconds
#: at 23-28 s of CPU)
#: After the sweeps, random moves on the LP path cost about five sweep moves (alliance, 60
#: reference seconds, one sweep move per budget unit: 1,558 moves took 189 s of CPU)
ITER_RATE = 1.7e7
GUIDED_MOVE_RATE = 30.0
GUIDED_RANDOM_RATE = 6.0
MOVE_RATE = 4.5
#: share of the work for the column generation where the LP of all items is solved; what it
#: does not use goes to the search. Alliance seed 0, 10 reference seconds: with 19,000 simplex
#: iterations (LP not converged, its solution still a good guide) and 300 moves 1,811; with
#: 31,000 iterations (converged) and 150 moves 1,717
LP_SHARE = 0.3
#: column generation gets at least this many simplex iterations per LP row, so that its first
#: LP can be solved (else no bound, no prices, no LP guide)
MIN_ITERATIONS_PER_ROW = 5
UNLIMITED = 2**62


@dataclass(frozen=True)
class LargePlan:
    """Size thresholds of the large-instance path (tests lower them to run every branch)."""

    greedy_arc_limit: int = GREEDY_ARC_LIMIT
    lp_arc_limit: int = LP_ARC_LIMIT
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
    at = 0.0  # share of the work used so far
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
        its_before = control.used.get("simplex_iterations", 0)
        cg_q = price_columns_warm(q, control=control, lp_iterations=its, seed=seed)
        # what the pooled LP leaves of its share goes to the search (state: it converges in
        # about a third of it)
        its_spent = control.used.get("simplex_iterations", 0) - its_before
        at = 0.25 * min(its_spent / max(its, 1), 1.0)
        if cg_q.bound is not None:
            bound = cg_q.bound
            control.update(bound=bound)
            exact = "converged" if cg_q.reduced is not None else "not converged"
            notes.append(f"bound from the pooled relaxation ({exact}): {bound:.3f}")
        if cg_q.prices is not None:
            prices = cg_q.prices[relaxed.agent_class]
    best: CoreSolution | None = None
    best_obj = -np.inf
    search_start: CoreSolution | None = None  # where the search starts, if not from `best`
    guide: tuple[Arcs, FloatArray] | None = None  # an LP solution guiding the search
    have_pooled = bound is not None and relaxed is not None and prices is not None
    if n_arcs <= plan.greedy_arc_limit and have_pooled and n_arcs > plan.lp_arc_limit:
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
        # the LP (alliance: converged after 6 rounds, ~32,000 simplex iterations) gives the
        # bound and guides the search; it gets at most LP_SHARE of the work
        rows = _lp_rows(problem)
        its = _count(
            budget.lp_iterations,
            LP_SHARE * work * ITER_RATE / rows,
            budget,
            MIN_ITERATIONS_PER_ROW * rows,
        )
        counts.update(lp_iterations=its)
        lo = at + 0.05
        control.begin("column_generation", lo, lo + LP_SHARE, time_share=LP_SHARE)
        its_before = control.used.get("simplex_iterations", 0)
        cg = price_columns_warm(
            problem,
            control=control,
            lp_iterations=its,
            seed=seed,
            seed_solution=(full_greedy.arcs.item[nz], full_greedy.arcs.agent[nz]),
        )
        # what the LP left of its share goes to the search (counted, so still reproducible)
        its_spent = control.used.get("simplex_iterations", 0) - its_before
        at = lo + LP_SHARE * min(its_spent / max(its, 1), 1.0)
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
        if cg.x is not None:
            # the search starts from the LP's integer part completed greedily, even when a
            # greedy is better: the LP-guided sweeps gain more from it (alliance seed 0, 420
            # moves: 1,894 from there, 1,828 from the priced greedy)
            floor = np.floor(cg.x + 1e-6).astype(np.int64)
            rounded = greedy(problem, cg.arcs, seed=seed, initial_x=floor)
            if is_feasible(problem, rounded):
                search_start = rounded
                guide = (cg.arcs, cg.x)
                start_note = "search start: the LP solution rounded down, completed greedily"
                control.say(
                    f"LP solution rounded down, completed greedily: "
                    f"{core_objective(problem, rounded):.3f}"
                )
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
    rate = GUIDED_MOVE_RATE if guide is not None else MOVE_RATE
    # with an LP guide the budget is in sweep moves; a random move costs several of them
    random_cost = round(GUIDED_MOVE_RATE / GUIDED_RANDOM_RATE) if guide is not None else 1
    moves = _count(budget.search_moves, (1.0 - at) * work * rate, budget, 10)
    counts["search_moves"] = moves
    if best is not None and not control.halted():
        control.begin("neighbourhood_search", at, 0.99, time_share=0.98)
        start = search_start if search_start is not None else best
        start_obj = core_objective(problem, start)
        control.say(f"start {start_obj:.3f}; neighbourhood search, {moves} moves")
        found = improve_general(
            problem,
            start,
            control=control,
            moves=moves,
            seed=seed,
            lp=guide,
            random_cost=random_cost,
        )
        found_obj = core_objective(problem, found)
        if is_feasible(problem, found) and found_obj > best_obj + 1e-9:
            best, best_obj = found, found_obj
            control.update(best=best_obj)
            notes.append(
                "improved by neighbourhood search (small MIPs over a few agents"
                + (", LP-guided)" if guide is not None else ")")
            )
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
