"""Dynamic mode: batches never exceed the year's capacities; the share of hindsight is <= 1."""

from __future__ import annotations

import random

from hafennetz.engines.allocation.checker import check
from hafennetz.engines.allocation.dynamic import allocate_dynamic
from hafennetz.engines.allocation.model import Household, Instance, Municipality


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


def test_dynamic_is_feasible_and_at_most_hindsight() -> None:
    instance, forecast = _instance(3, 24)
    ids = [h.case_id for h in instance.households]
    batches = [ids[i : i + 4] for i in range(0, len(ids), 4)]
    for policy in ("potentials", "myopic"):
        result = allocate_dynamic(
            instance, batches, forecast=forecast, policy=policy, time_limit_per_batch=5
        )
        assert check(instance, result.assignment).feasible
        assert result.share_of_hindsight is not None
        assert result.hindsight_score is not None
        assert result.score.total <= result.hindsight_score + 1e-6


def test_required_link_across_batches_is_kept() -> None:
    from dataclasses import replace

    from hafennetz.engines.allocation.model import Link, LinkKind

    instance, forecast = _instance(5, 16)
    hh = list(instance.households)
    hh[13] = replace(hh[13], links=(Link(hh[1].case_id, LinkKind.SAME_MUNICIPALITY),))
    instance = replace(instance, households=tuple(hh))
    ids = [h.case_id for h in instance.households]
    batches = [ids[i : i + 4] for i in range(0, len(ids), 4)]
    result = allocate_dynamic(
        instance, batches, forecast=forecast, time_limit_per_batch=5, hindsight_time_limit=0
    )
    assert check(instance, result.assignment).feasible
    assert result.assignment[ids[1]] == result.assignment[ids[13]]
