"""Hypothesis strategies: small random allocation instances."""

from __future__ import annotations

from hypothesis import strategies as st

from hafennetz.engines.allocation.model import (
    RESOURCES,
    Aggregation,
    DistributionKey,
    Household,
    Instance,
    Link,
    LinkKind,
    Municipality,
    ScoreWeights,
)

FLAGS = ["barrier_free", "dialysis", "trauma_therapy", "language_support", "job_placement"]


@st.composite
def instances(draw: st.DrawFn, max_households: int = 6, max_municipalities: int = 3) -> Instance:
    m = draw(st.integers(1, max_municipalities))
    munis = []
    for k in range(m):
        caps = {
            r: draw(st.integers(0, 6 if r in ("housing", "language_course") else 3))
            for r in RESOURCES
            if draw(st.booleans()) or r == "housing"
        }
        munis.append(
            Municipality(
                ags=f"{k + 1:02d}0{k % 2}{k:04d}",
                population=draw(st.integers(1, 1000)),
                capacities=caps,
                offers=frozenset(draw(st.sets(st.sampled_from(FLAGS)))),
                district=f"{k + 1:02d}00{k % 2}",
            )
        )
    n = draw(st.integers(1, max_households))
    ids = [f"H{i}" for i in range(n)]
    households = []
    for i in range(n):
        ages = tuple(draw(st.integers(0, 2)) for _ in range(5))
        if sum(ages) == 0:
            ages = (0, 0, 0, 1, 0)
        links: tuple[Link, ...] = ()
        if i > 0 and draw(st.integers(0, 4)) == 0:
            kind = draw(st.sampled_from(list(LinkKind)))
            links = (Link(ids[draw(st.integers(0, i - 1))], kind),)
        prefs = tuple(
            draw(st.lists(st.sampled_from([mu.ags for mu in munis]), max_size=2, unique=True))
        )
        outcomes = {}
        if draw(st.booleans()):
            for mu in munis:
                if draw(st.booleans()):
                    k = draw(st.integers(1, sum(ages)))
                    outcomes[mu.ags] = tuple(
                        draw(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.8])) for _ in range(k)
                    )
        households.append(
            Household(
                case_id=ids[i],
                age_bands=ages,  # type: ignore[arg-type]
                flags=frozenset(draw(st.sets(st.sampled_from(FLAGS), max_size=2))),
                links=links,
                preferences=prefs,
                outcomes=outcomes,
            )
        )
    key = draw(st.sampled_from([DistributionKey.NONE, DistributionKey.POPULATION]))
    weights = ScoreWeights(
        outcome_aggregation=draw(st.sampled_from(list(Aggregation))),
        unplaced_per_person=draw(st.sampled_from([0.5, 3.0, 10.0])),
        key_deviation_per_person=draw(st.sampled_from([0.0, 0.3, 2.0])),
    )
    return Instance(tuple(households), tuple(munis), weights=weights, key=key)
