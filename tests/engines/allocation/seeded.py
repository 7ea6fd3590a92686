"""A seeded, realistic-shaped instance for tests of the large path: more municipalities than a
neighbourhood (so the neighbourhood search moves), districts and states (pair links, key),
outcome predictions, hard and soft flags, linked households."""

from __future__ import annotations

import numpy as np

from hafennetz.engines.allocation.model import (
    DistributionKey,
    Household,
    Instance,
    Link,
    LinkKind,
    Municipality,
    ScoreWeights,
)

SOFT = ["language_support", "job_placement", "psychosocial_support"]


def realistic(
    n: int = 80,
    m: int = 14,
    *,
    seed: int = 0,
    key: DistributionKey = DistributionKey.POPULATION,
    outcomes: bool = True,
    identical_agents: bool = False,
) -> Instance:
    rng = np.random.default_rng(seed)
    munis = []
    for k in range(m):
        state = f"{1 + k % 3:02d}"
        district = f"{state}{k % 4:03d}"
        housing = int(rng.integers(4, 14))
        offers = (
            {"language_support"}
            if identical_agents
            else set(
                rng.choice(
                    [*SOFT, "barrier_free", "trauma_therapy"], size=2, replace=False
                ).tolist()
            )
        )
        munis.append(
            Municipality(
                ags=f"{district}{k:03d}",
                state=state,
                district=district,
                population=int(rng.integers(1_000, 100_000)),
                capacities={
                    "housing": housing,
                    "childcare": housing // 3,
                    "school": housing // 2,
                    "language_course": housing // 2 + 1,
                    "barrier_free_housing": 4,
                    "medical_care": 1,
                },
                offers=frozenset(offers),
            )
        )
    households = []
    for i in range(n):
        size = int(rng.choice([1, 1, 1, 2, 3, 4]))
        adults = max(1, size - int(rng.integers(0, size)))
        kids = size - adults
        ages = (0, kids // 2, kids - kids // 2, adults, 0)
        flags = set(rng.choice(SOFT, size=int(rng.integers(0, 2)), replace=False).tolist())
        if rng.random() < 0.05:
            flags.add("barrier_free")
        links: tuple[Link, ...] = ()
        if i > 0 and rng.random() < 0.08:
            kind = LinkKind.SAME_DISTRICT if rng.random() < 0.5 else LinkKind.SAME_MUNICIPALITY
            links = (Link(f"H{int(rng.integers(0, i)):03d}", kind),)
        out: dict[str, tuple[float, ...]] = {}
        if outcomes and not identical_agents and rng.random() < 0.5:
            for mu in rng.choice(m, size=3, replace=False).tolist():
                out[munis[mu].ags] = tuple(
                    float(round(v, 2)) for v in rng.uniform(0, 0.8, size=adults)
                )
        prefs: tuple[str, ...] = ()
        if not identical_agents and rng.random() < 0.1:
            prefs = (munis[int(rng.integers(0, m))].ags,)
        households.append(
            Household(
                case_id=f"H{i:03d}",
                age_bands=ages,
                flags=frozenset(flags),
                links=links,
                preferences=prefs,
                outcomes=out,
            )
        )
    weights = ScoreWeights(unplaced_per_person=3.0, key_deviation_per_person=0.3)
    return Instance(tuple(households), tuple(munis), weights=weights, key=key)
