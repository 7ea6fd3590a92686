"""Dynamic mode: every batch feasible, capacities never exceeded across the year, results
deterministic for a seed, the score never above the hindsight bound."""

from __future__ import annotations

import random
from dataclasses import replace
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hafennetz.engines.allocation.checker import check
from hafennetz.engines.allocation.control import Budget
from hafennetz.engines.allocation.core import CoreProblem, CoreSolution
from hafennetz.engines.allocation.dynamic import BatchPolicy, LookAhead, allocate_dynamic
from hafennetz.engines.allocation.model import Household, Instance, Municipality

from .strategies import instances


def _instance(seed: int, n: int) -> tuple[Instance, list[Household]]:
    rng = random.Random(seed)
    flags = ["language_support", "job_placement", "barrier_free"]

    def household(i: int, prefix: str) -> Household:
        ages = (rng.randint(0, 1), 0, rng.randint(0, 2), rng.randint(1, 2), 0)
        return Household(f"{prefix}{i}", ages, frozenset(rng.sample(flags, rng.randint(0, 2))))

    munis = tuple(
        Municipality(
            f"0{k}000000",
            population=1000,
            capacities={
                "housing": 12,
                "childcare": 3,
                "school": 6,
                "language_course": 8,
                "barrier_free_housing": 6 * (k % 2),
            },
            offers=frozenset(rng.sample(flags, 2)) | ({"barrier_free"} if k % 2 else set()),
        )
        for k in range(1, 6)
    )
    arrivals = tuple(household(i, "H") for i in range(n))
    forecast = [household(i, "F") for i in range(n)]
    return Instance(arrivals, munis), forecast


class _Myopic:
    """A BatchPolicy through the hook: no look-ahead (the engine then solves the batch alone);
    the comparison policies live in bench/allocation/research/dynamic_policies.py."""

    name = "myopic"

    def __call__(
        self, look: LookAhead | None, problem: CoreProblem, budget: Budget, seed: int
    ) -> tuple[CoreSolution | None, bool, str]:
        return None, False, ""


POLICIES: tuple[str | BatchPolicy, ...] = ("reoptimize", _Myopic())


def test_dynamic_is_feasible_and_at_most_hindsight() -> None:
    instance, forecast = _instance(3, 24)
    ids = [h.case_id for h in instance.households]
    batches = [ids[i : i + 4] for i in range(0, len(ids), 4)]
    for policy in POLICIES:
        result = allocate_dynamic(
            instance, batches, forecast=forecast, policy=policy, batch_budget=Budget(work=5)
        )
        assert check(instance, result.assignment).feasible
        assert result.share_of_hindsight is not None
        assert result.hindsight_score is not None
        assert result.score.total <= result.hindsight_score + 1e-6


def test_required_link_across_batches_is_kept() -> None:
    from hafennetz.engines.allocation.model import Link, LinkKind

    instance, forecast = _instance(5, 16)
    hh = list(instance.households)
    hh[13] = replace(hh[13], links=(Link(hh[1].case_id, LinkKind.SAME_MUNICIPALITY),))
    instance = replace(instance, households=tuple(hh))
    ids = [h.case_id for h in instance.households]
    batches = [ids[i : i + 4] for i in range(0, len(ids), 4)]
    result = allocate_dynamic(
        instance, batches, forecast=forecast, batch_budget=Budget(work=5), hindsight=False
    )
    assert check(instance, result.assignment).feasible
    assert result.assignment[ids[1]] == result.assignment[ids[13]]


# --- property-based: every policy, random small instances and batch splits ---------------


def _split(ids: list[str], cuts: list[int]) -> list[list[str]]:
    points = sorted({c % (len(ids) + 1) for c in cuts} | {0, len(ids)})
    return [ids[a:b] for a, b in pairwise(points)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    instances(max_households=8, max_municipalities=3),
    instances(max_households=6, max_municipalities=2),
    st.lists(st.integers(0, 8), max_size=4),
    st.sampled_from(POLICIES),
    st.booleans(),
)
def test_every_batch_feasible_and_deterministic(
    instance: Instance,
    other: Instance,
    cuts: list[int],
    policy: str | BatchPolicy,
    learn: bool,
) -> None:
    forecast = [replace(h, case_id=f"F{h.case_id}") for h in other.households]
    ids = [h.case_id for h in instance.households]
    batches = _split(ids, cuts)
    runs = [
        allocate_dynamic(
            instance,
            batches,
            forecast=forecast,
            policy=policy,
            learn=learn,
            seed=7,
            batch_budget=Budget(work=20),
            hindsight=False,
        )
        for _ in range(2)
    ]
    result = runs[0]
    assert result.assignment == runs[1].assignment  # deterministic for a seed
    assert result.fallbacks == 0
    # after every batch the placements so far are feasible: capacities are never exceeded
    # during the year, hard needs and required links hold
    placed: dict[str, str | None] = {}
    for batch in result.placed_batches:
        for c in batch:
            placed[c] = result.assignment[c]
        assert check(instance, placed).feasible
    assert sorted(c for b in result.placed_batches for c in b) == sorted(ids)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_households=7, max_municipalities=3), st.sampled_from(POLICIES))
def test_score_never_above_hindsight_bound(instance: Instance, policy: str | BatchPolicy) -> None:
    ids = [h.case_id for h in instance.households]
    batches = [ids[i : i + 2] for i in range(0, len(ids), 2)]
    result = allocate_dynamic(
        instance,
        batches,
        forecast=instance.households,  # a forecast that happens to be exact
        policy=policy,
        batch_budget=Budget(work=20),
        hindsight_budget=Budget(work=20),
    )
    assert result.hindsight_score is not None and result.hindsight_bound is not None
    assert result.score.total <= result.hindsight_bound + 1e-6
    assert result.hindsight_score <= result.hindsight_bound + 1e-6
