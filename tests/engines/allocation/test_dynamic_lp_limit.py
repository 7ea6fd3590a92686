"""Dynamic mode: the look-ahead LP of `reoptimize` and the hindsight LP are limited by simplex
iterations derived from the budget. Where the limit does not bind, nothing changes (the same
result as with no limit at all, i.e. as before the limit existed); where it binds, the batch is
placed alone (myopic) and the result says so, stays feasible and is reproducible."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hafennetz.engines.allocation import dynamic
from hafennetz.engines.allocation.checker import check
from hafennetz.engines.allocation.control import Budget
from hafennetz.engines.allocation.dynamic import DynamicResult, allocate_dynamic
from hafennetz.engines.allocation.large import ITER_RATE, MIN_ITERATIONS_PER_ROW, UNLIMITED
from hafennetz.engines.allocation.model import Instance

from .strategies import instances
from .test_dynamic import _instance, _Myopic


def _batches(instance: Instance, size: int) -> list[list[str]]:
    ids = [h.case_id for h in instance.households]
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _stored(result: DynamicResult) -> str:
    return json.dumps(result.to_dict(timing=False), sort_keys=True, allow_nan=False)


def test_iterations_from_the_budget() -> None:
    share = dynamic.LOOK_AHEAD_LP_SHARE
    assert dynamic.lp_iterations_for(Budget(work=10), share, 2_000) == int(
        share * 10 * ITER_RATE / 2_000
    )
    # more work buys more, more rows fewer; never below the minimum per row
    assert dynamic.lp_iterations_for(Budget(work=20), share, 2_000) > (
        dynamic.lp_iterations_for(Budget(work=10), share, 2_000)
    )
    assert dynamic.lp_iterations_for(Budget(work=1e-6), share, 300) == 300 * (
        MIN_ITERATIONS_PER_ROW
    )
    assert dynamic.lp_iterations_for(Budget(work=10, lp_iterations=7), share, 2_000) == 7
    wall = Budget(work=10, time_cap=5, wall_clock=True)
    assert dynamic.lp_iterations_for(wall, share, 2_000) == UNLIMITED


def test_no_binding_limit_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Budgets whose limits do not bind give exactly the result of the code without limits
    (the LPs solved with no iteration limit, as before): the change alters no decision."""
    instance, forecast = _instance(3, 24)
    batches = _batches(instance, 4)

    def run() -> DynamicResult:
        return allocate_dynamic(
            instance,
            batches,
            forecast=forecast,
            seed=5,
            batch_budget=Budget(work=5),
            hindsight_budget=Budget(work=5),
        )

    limited = run()
    assert limited.lp_limited == 0 and limited.notes == () and limited.fallbacks == 0
    monkeypatch.setattr(dynamic, "lp_iterations_for", lambda *args: None)  # no limit at all
    unlimited = run()
    assert _stored(limited) == _stored(unlimited)


def test_binding_limit_places_the_batch_alone() -> None:
    """One simplex iteration solves no look-ahead LP here: every batch with a forecast is
    placed alone, which is exactly the myopic policy; the hindsight figure is `optimal`'s."""
    instance, forecast = _instance(3, 24)
    batches = _batches(instance, 4)
    tight = Budget(work=5, lp_iterations=1)

    def run() -> DynamicResult:
        return allocate_dynamic(
            instance,
            batches,
            forecast=forecast,
            seed=5,
            batch_budget=tight,
            hindsight_budget=tight,
        )

    result = run()
    assert check(instance, result.assignment).feasible
    # the last batch has no forecast left: it is placed alone anyway, without an LP
    assert result.lp_limited == result.fallbacks == len(batches) - 1
    assert result.reproducible
    batch_notes = [n for n in result.notes if n.startswith("batch ")]
    assert len(batch_notes) == result.lp_limited
    assert all("not solved within 1 simplex iteration" in n for n in batch_notes)
    assert any(n.startswith("hindsight: LP not solved") for n in result.notes)
    assert result.hindsight_score is not None and result.hindsight_bound is not None
    assert result.score.total <= result.hindsight_bound + 1e-6
    myopic = allocate_dynamic(
        instance,
        batches,
        forecast=forecast,
        policy=_Myopic(),
        seed=5,
        batch_budget=tight,
        hindsight=False,
    )
    assert result.assignment == myopic.assignment
    assert _stored(run()) == _stored(result)  # reproducible
    assert DynamicResult.from_dict(json.loads(_stored(result))) == replace(result, runtime_s=0.0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    instances(max_households=8, max_municipalities=3),
    instances(max_households=6, max_municipalities=2),
    st.integers(1, 4),
    st.sampled_from([1, 3, 10, None]),
)
def test_any_limit_feasible_and_deterministic(
    instance: Instance, other: Instance, size: int, lp_iterations: int | None
) -> None:
    """Whatever the limit, every batch's placement is feasible when it is made, the run is
    deterministic, and each LP hit is a fallback with its note."""
    forecast = [replace(h, case_id=f"F{h.case_id}") for h in other.households]
    batches = _batches(instance, size)
    budget = Budget(work=5, lp_iterations=lp_iterations)
    runs = [
        allocate_dynamic(
            instance,
            batches,
            forecast=forecast,
            seed=3,
            batch_budget=budget,
            hindsight_budget=budget,
        )
        for _ in range(2)
    ]
    result = runs[0]
    assert _stored(result) == _stored(runs[1])
    assert result.lp_limited <= result.fallbacks
    assert sum(n.startswith("batch ") for n in result.notes) == result.lp_limited
    placed: dict[str, str | None] = {}
    for batch in result.placed_batches:
        for c in batch:
            placed[c] = result.assignment[c]
        assert check(instance, placed).feasible
    if result.hindsight_bound is not None:
        assert result.score.total <= result.hindsight_bound + 1e-6
