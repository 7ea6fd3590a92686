"""Property-based tests: feasibility, no splits, hard requirements, optimal >= greedy,
re-scoring, determinism, and optimality against brute force on tiny instances."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings

from hafennetz.engines.allocation.checker import check
from hafennetz.engines.allocation.engine import allocate
from hafennetz.engines.allocation.model import Instance
from hafennetz.engines.allocation.scoring import evaluate

from .strategies import instances

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(instances())
def test_optimal_and_greedy_are_feasible_and_rescore_exactly(instance: Instance) -> None:
    for method in ("optimal", "greedy"):
        result = allocate(instance, method=method, seed=1)
        assert set(result.assignment) == {h.case_id for h in instance.households}
        report = check(instance, result.assignment, rows=list(result.assignment.items()))
        assert report.violations == ()
        assert report.unmet_hard_flags == ()
        assert result.objective == pytest.approx(result.score.total, abs=1e-6)
        assert evaluate(instance, result.assignment).total == pytest.approx(result.score.total)


@SETTINGS
@given(instances())
def test_optimal_is_never_worse_than_greedy(instance: Instance) -> None:
    best = allocate(instance, method="optimal", seed=2, explanations=False)
    greedy = allocate(instance, method="greedy", seed=2, explanations=False)
    assert best.score.total >= greedy.score.total - 1e-6
    if best.bound is not None:
        assert best.bound >= best.score.total - 1e-6


@SETTINGS
@given(instances())
def test_baselines_keep_capacities_and_links(instance: Instance) -> None:
    for method in ("quota", "random"):
        result = allocate(instance, method=method, seed=3, explanations=False)
        assert check(instance, result.assignment).violations == ()


@settings(max_examples=10, deadline=None)
@given(instances())
def test_same_seed_same_result(instance: Instance) -> None:
    for method in ("optimal", "greedy", "quota", "random"):
        a = allocate(instance, method=method, seed=7)
        b = allocate(instance, method=method, seed=7)
        assert a.assignment == b.assignment
        assert a.households == b.households


def brute_force(instance: Instance) -> float:
    options: list[str | None] = [None, *(m.ags for m in instance.municipalities)]
    ids = [h.case_id for h in instance.households]
    best = float("-inf")
    for combo in itertools.product(options, repeat=len(ids)):
        assignment = dict(zip(ids, combo, strict=True))
        if check(instance, assignment).feasible:
            best = max(best, evaluate(instance, assignment).total)
    return best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_households=5, max_municipalities=3))
def test_optimal_matches_brute_force(instance: Instance) -> None:
    result = allocate(instance, method="optimal", seed=0, explanations=False)
    assert result.status == "optimal"
    assert result.score.total == pytest.approx(brute_force(instance), abs=1e-6)
