"""Tabu search after the MIP on GAP-shaped problems: feasible, never worse, deterministic."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hafennetz.engines.allocation.core import core_objective, is_feasible
from hafennetz.engines.allocation.gap_io import GapInstance, gap_to_core
from hafennetz.engines.allocation.gap_search import applicable, tabu_search
from hafennetz.engines.allocation.optimal import solve_optimal


def random_gap(seed: int, m: int = 3, n: int = 12) -> GapInstance:
    rng = np.random.default_rng(seed)
    use = rng.integers(5, 25, size=(m, n)).astype(float)
    cost = rng.integers(10, 50, size=(m, n)).astype(float)
    capacity = np.floor(0.8 * use.sum(axis=1) / m)
    return GapInstance("random", cost, use, capacity)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_tabu_search_is_feasible_and_never_worse(seed: int) -> None:
    problem = gap_to_core(random_gap(seed))
    assert applicable(problem)
    start = solve_optimal(problem, time_limit=0.05, threads=2)
    if start.status in ("infeasible", "no_solution"):
        return
    a = tabu_search(problem, start.solution, time_limit=0.2, seed=3)
    assert is_feasible(problem, a)
    assert core_objective(problem, a) >= start.objective - 1e-9
    exact = solve_optimal(problem, time_limit=10, threads=2)
    if exact.status == "optimal":
        assert core_objective(problem, a) <= exact.objective + 1e-9
