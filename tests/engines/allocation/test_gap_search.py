"""Tabu search with ejection chains after the MIP on GAP-shaped problems: feasible, never worse
than its start, deterministic for a seed, and its move evaluation is exact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hafennetz.engines.allocation import gap_search
from hafennetz.engines.allocation.control import Budget, Control, null_control
from hafennetz.engines.allocation.core import (
    CoreProblem,
    CoreSolution,
    core_objective,
    is_feasible,
    make_arcs,
)
from hafennetz.engines.allocation.gap_io import GapInstance, gap_to_core
from hafennetz.engines.allocation.gap_search import SearchParams, applicable, tabu_search
from hafennetz.engines.allocation.optimal import solve_optimal


def random_gap(seed: int, m: int = 3, n: int = 12) -> GapInstance:
    rng = np.random.default_rng(seed)
    use = rng.integers(5, 25, size=(m, n)).astype(float)
    cost = rng.integers(10, 50, size=(m, n)).astype(float)
    capacity = np.floor(0.8 * use.sum(axis=1) / m)
    return GapInstance("random", cost, use, capacity)


@st.composite
def planted(draw: st.DrawFn) -> tuple[CoreProblem, CoreSolution]:
    """A GAP instance (types C/D/E-like or uncorrelated) with a planted feasible assignment as
    the start; the slack over the planted loads goes down to zero (tight capacities)."""
    m = draw(st.integers(2, 6))
    n = draw(st.integers(2, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["uncorrelated", "d", "e"]))
    use = rng.integers(1, 100, size=(m, n)).astype(float)
    if kind == "d":
        cost = 111 - use + rng.integers(-10, 11, size=(m, n))
    elif kind == "e":
        use = np.ceil(1 - 10 * np.log(rng.uniform(1e-6, 1, size=(m, n))))
        cost = np.ceil(1000 / use - 10 * rng.uniform(0, 1, size=(m, n)))
    else:
        cost = rng.integers(10, 50, size=(m, n)).astype(float)
    assign = rng.integers(0, m, size=n)
    load = np.bincount(assign, weights=use[assign, np.arange(n)], minlength=m)
    slack = draw(st.integers(0, 30))
    capacity = load + rng.integers(0, slack + 1, size=m)
    problem = gap_to_core(GapInstance("planted", cost, use, capacity))
    start = CoreSolution(
        make_arcs(problem, np.arange(n, dtype=np.int64), assign.astype(np.int64)),
        np.ones(n, dtype=np.int64),
    )
    return problem, start


PARAMS = st.sampled_from(
    [
        SearchParams(),
        SearchParams(chain_items=2, episode_stall=20),  # shifts, swaps, short chains only
        SearchParams(max_rows=5, episode_stall=30),  # chains among sampled items
        SearchParams(chain_items=8, weight_up=0.5, weight_down=0.3, alpha_start=0.1),
    ]
)


@settings(max_examples=60, deadline=None)
@given(planted(), st.integers(0, 1000), st.integers(1, 400), PARAMS)
def test_search_is_feasible_and_never_worse_than_its_start(
    case: tuple[CoreProblem, CoreSolution], seed: int, iters: int, params: SearchParams
) -> None:
    problem, start = case
    assert applicable(problem)
    assert is_feasible(problem, start)
    found = tabu_search(
        problem, start, control=null_control(), moves=iters, seed=seed, params=params
    )
    assert is_feasible(problem, found)
    assert core_objective(problem, found) >= core_objective(problem, start) - 1e-9


@settings(max_examples=30, deadline=None)
@given(planted(), st.integers(0, 1000), st.integers(1, 300), PARAMS)
def test_search_is_deterministic_for_a_seed(
    case: tuple[CoreProblem, CoreSolution], seed: int, iters: int, params: SearchParams
) -> None:
    problem, start = case
    runs = [
        tabu_search(problem, start, control=null_control(), moves=iters, seed=seed, params=params)
        for _ in range(2)
    ]
    assert np.array_equal(runs[0].arcs.item, runs[1].arcs.item)
    assert np.array_equal(runs[0].arcs.agent, runs[1].arcs.agent)
    assert np.array_equal(runs[0].x, runs[1].x)


@settings(max_examples=40, deadline=None)
@given(planted(), st.integers(0, 1000), PARAMS)
def test_every_move_changes_the_penalised_cost_by_its_evaluated_delta(
    case: tuple[CoreProblem, CoreSolution], seed: int, params: SearchParams
) -> None:
    """Shift, ejection chain and cyclic exchange deltas (numpy, all candidates at once) equal
    the recomputed change of cost + sum alpha_i * excess_i, including infeasible states."""
    problem, start = case
    d = gap_search._data(problem)
    ts = gap_search._Tabu(d, np.random.default_rng(seed), params)
    ts.set(gap_search._assignment(problem, start))

    def penalised(alpha: np.ndarray) -> float:
        return ts.cost() + float((alpha * np.maximum(ts.load - d.cap, 0.0)).sum())

    for _ in range(60):
        alpha = ts.alpha.copy()
        before = penalised(alpha)
        moved = ts.it
        ts.step()
        assert ts.it == moved + 1
        assert abs(penalised(alpha) - before - ts.last_delta) <= 1e-6 * max(1.0, abs(before))
        assert np.allclose(
            ts.load,
            np.bincount(ts.assign, weights=d.use[ts.rows, ts.assign], minlength=ts.m),
        )


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_tabu_search_after_the_mip_is_feasible_and_not_above_the_optimum(seed: int) -> None:
    problem = gap_to_core(random_gap(seed))
    assert applicable(problem)
    start = solve_optimal(problem, control=Control(Budget(work=0.05)))
    if start.status in ("infeasible", "no_solution"):
        return
    a = tabu_search(problem, start.solution, control=null_control(), moves=200, seed=3)
    assert is_feasible(problem, a)
    assert core_objective(problem, a) >= start.objective - 1e-9
    exact = solve_optimal(problem, control=null_control())
    if exact.status == "optimal":
        assert core_objective(problem, a) <= exact.objective + 1e-9


def test_search_improves_a_poor_start_on_a_tight_instance() -> None:
    """Type-D-like instance, 8 agents x 40 items, capacities at 0.8 of the average demand,
    started from the MIP's incumbent after 0.3 s (measured: 2671, bound 2481): the search gets
    within 1 % of that bound (measured: 2500 in 3,000 moves; the MIP needs ~20 s for 2500)."""
    rng = np.random.default_rng(7)
    m, n = 8, 40
    use = rng.integers(1, 100, size=(m, n)).astype(float)
    cost = 111 - use + rng.integers(-10, 11, size=(m, n))
    capacity = np.floor(0.8 * use.sum(axis=1) / m)
    problem = gap_to_core(GapInstance("d-like", cost, use, capacity))
    start = solve_optimal(problem, control=Control(Budget(work=0.3)))
    if start.status not in ("feasible", "optimal"):
        pytest.skip("no MIP incumbent within 0.3 s (loaded machine)")
    found = tabu_search(problem, start.solution, control=null_control(), moves=3000, seed=1)
    assert is_feasible(problem, found)
    assert core_objective(problem, found) >= start.objective - 1e-9
    assert start.bound is not None
    # within 1 % of the MIP bound after 0.3 s
    assert -core_objective(problem, found) <= 1.01 * -start.bound
