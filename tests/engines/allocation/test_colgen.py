"""The large-instance path (LP column generation on one warm-started HiGHS model, LP diving)
on small instances, where the full LP and the exact optimum can be computed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from hafennetz.engines.allocation.backends import solve_highs
from hafennetz.engines.allocation.colgen import price_columns_warm
from hafennetz.engines.allocation.compile import compile_instance
from hafennetz.engines.allocation.control import Budget, Control, null_control
from hafennetz.engines.allocation.core import all_arcs, core_objective, is_feasible
from hafennetz.engines.allocation.mip_model import build
from hafennetz.engines.allocation.model import Instance
from hafennetz.engines.allocation.optimal import solve_optimal

from .strategies import instances

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(instances(max_households=8, max_municipalities=4))
def test_column_generation_bound_is_at_least_the_full_lp(instance: Instance) -> None:
    problem = compile_instance(instance).problem
    model = build(problem, all_arcs(problem))
    full = solve_highs(model, control=null_control(), relax=True)
    assert full.objective is not None
    cg = price_columns_warm(
        problem, control=null_control(), lp_iterations=100_000, k_init=1, k_add=1
    )
    assert cg.bound is not None
    assert cg.bound >= full.objective - 1e-6
    assert cg.bound <= full.objective + 1e-3 * max(1.0, abs(full.objective))


@SETTINGS
@given(instances(max_households=8, max_municipalities=4))
def test_large_path_is_feasible_and_bounded(instance: Instance) -> None:
    problem = compile_instance(instance).problem
    exact = solve_optimal(problem, control=null_control())
    out = solve_optimal(problem, control=Control(Budget(work=3)), dense_arc_limit=0)
    assert is_feasible(problem, out.solution)
    assert out.objective == pytest.approx(core_objective(problem, out.solution))
    assert out.bound is not None
    assert out.bound >= exact.objective - 1e-6
    assert out.objective <= exact.objective + 1e-6
