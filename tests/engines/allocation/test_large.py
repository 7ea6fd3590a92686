"""The large-instance parts (ADR 0023) on small instances, where the exact optimum is known:
the pooled relaxation bounds the optimum, the greedy without arcs and the neighbourhood search
return feasible solutions, the search never makes its start worse."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hafennetz.engines.allocation.backends import solve_highs
from hafennetz.engines.allocation.bound import pooled
from hafennetz.engines.allocation.colgen import price_columns_warm
from hafennetz.engines.allocation.compile import compile_instance
from hafennetz.engines.allocation.control import Budget, Control, null_control
from hafennetz.engines.allocation.core import (
    CoreProblem,
    all_arcs,
    core_objective,
    is_feasible,
)
from hafennetz.engines.allocation.greedy import dense_greedy, greedy
from hafennetz.engines.allocation.lns import improve_general
from hafennetz.engines.allocation.mip_model import build
from hafennetz.engines.allocation.model import Instance
from hafennetz.engines.allocation.optimal import solve_optimal

from .strategies import instances

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _exact(problem: CoreProblem) -> float:
    out = solve_optimal(problem, control=null_control())
    assert out.status == "optimal"
    return out.objective


@SETTINGS
@given(instances(max_households=8, max_municipalities=4))
def test_pooled_relaxation_bounds_the_optimum(instance: Instance) -> None:
    problem = compile_instance(instance).problem
    relaxed = pooled(problem, min_factor=1)
    if relaxed is None:
        return
    q = relaxed.problem
    assert q.n_agents <= problem.n_agents
    assert relaxed.agent_class.shape == (problem.n_agents,)
    lp = solve_highs(build(q, all_arcs(q)), control=null_control(), relax=True)
    assert lp.objective is not None
    assert lp.objective >= _exact(problem) - 1e-6


def test_pooling_merges_interchangeable_agents() -> None:
    # four agents, two value columns: pooled into two classes with summed capacities
    problem = CoreProblem(
        capacity=np.array([[2.0], [3.0], [1.0], [4.0]]),
        rows=np.array([[1.0, 1.0, 0.0, 0.0]]),
        use=np.array([[[1.0]]]),
        item_row=np.array([0, 0]),
        item_count=np.array([3, 1]),
        item_persons=np.array([1.0, 1.0]),
        item_penalty=np.array([5.0, 5.0]),
        item_const=np.array([0.0, 0.0]),
        item_bonus=[{}, {}],
    )
    relaxed = pooled(problem, min_factor=2)
    assert relaxed is not None
    assert relaxed.problem.n_agents == 2
    assert sorted(relaxed.problem.capacity[:, 0].tolist()) == [5.0, 5.0]
    # the two identical items become one with multiplicity 4
    assert relaxed.problem.item_count.tolist() == [4]
    assert pooled(problem, min_factor=4) is None


@SETTINGS
@given(
    instances(max_households=8, max_municipalities=4),
    st.floats(0.0, 5.0),
    st.integers(0, 3),
)
def test_dense_greedy_is_feasible_and_not_above_the_optimum(
    instance: Instance, price: float, seed: int
) -> None:
    problem = compile_instance(instance).problem
    prices = np.full(problem.capacity.shape, price)
    for sol in (dense_greedy(problem, seed=seed), dense_greedy(problem, prices=prices, seed=seed)):
        assert is_feasible(problem, sol)
        assert core_objective(problem, sol) <= _exact(problem) + 1e-6


@SETTINGS
@given(instances(max_households=8, max_municipalities=4), st.integers(0, 3))
def test_neighbourhood_search_is_feasible_and_never_worse(instance: Instance, seed: int) -> None:
    problem = compile_instance(instance).problem
    start = greedy(problem, all_arcs(problem), seed=seed)
    found = improve_general(problem, start, control=null_control(), moves=30, seed=seed)
    assert is_feasible(problem, found)
    assert core_objective(problem, found) >= core_objective(problem, start) - 1e-9
    assert core_objective(problem, found) <= _exact(problem) + 1e-6
    # small instances are solved as a whole, so the search ends early and deterministically
    again = improve_general(problem, start, control=null_control(), moves=30, seed=seed)
    assert core_objective(problem, again) == core_objective(problem, found)


@SETTINGS
@given(instances(max_households=10, max_municipalities=5), st.integers(0, 3))
def test_lp_guided_search_is_feasible_never_worse_and_deterministic(
    instance: Instance, seed: int
) -> None:
    problem = compile_instance(instance).problem
    cg = price_columns_warm(problem, control=null_control(), lp_iterations=10_000, seed=seed)
    if cg.x is None:
        return  # nothing the LP could place
    start = greedy(problem, cg.arcs, seed=seed, initial_x=np.floor(cg.x + 1e-6).astype(np.int64))
    assert is_feasible(problem, start)

    def search() -> float:
        found = improve_general(
            problem, start, control=null_control(), moves=12, seed=seed, lp=(cg.arcs, cg.x)
        )
        assert is_feasible(problem, found)
        return core_objective(problem, found)

    value = search()
    assert core_objective(problem, start) - 1e-9 <= value <= _exact(problem) + 1e-6
    assert search() == value


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_households=8, max_municipalities=4))
def test_large_path_reports_a_valid_bound(instance: Instance) -> None:
    problem = compile_instance(instance).problem
    exact = _exact(problem)
    out = solve_optimal(problem, control=Control(Budget(work=3)), dense_arc_limit=0)
    assert is_feasible(problem, out.solution)
    assert out.objective <= exact + 1e-6
    if out.bound is not None:
        assert out.bound >= exact - 1e-6
