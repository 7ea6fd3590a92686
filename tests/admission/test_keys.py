"""Distribution keys: targets add up to the contingent, follow the rule of each key, and whole
persons are rounded reproducibly (largest remainder)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hafennetz.admission.keys import KeyMember, targets, whole_persons
from hafennetz.admission.models import KeyKind

pytestmark = pytest.mark.engine  # pure functions: run once, not again per database

MEMBERS = [
    KeyMember("05766020", "05", 75_000, 130.0, pledged_persons=10),
    KeyMember("05315000", "05", 1_000_000, 405.0, pledged_persons=30),
    KeyMember("12054000", "12", 180_000, 188.0, pledged_persons=0),
]


def test_koenigsteiner_splits_by_state_share_then_population() -> None:
    shares = targets(
        KeyKind.KOENIGSTEINER, MEMBERS, 100, state_shares={"05": 21.0, "12": 3.0, "09": 15.0}
    )
    # Only states with members count: 21 / 24 to NRW, 3 / 24 to Brandenburg.
    assert shares["12054000"] == pytest.approx(12.5)
    assert shares["05766020"] + shares["05315000"] == pytest.approx(87.5)
    assert shares["05315000"] / shares["05766020"] == pytest.approx(1_000_000 / 75_000)


def test_population_and_area_is_ninety_ten() -> None:
    mixed = targets(KeyKind.POPULATION_AREA, MEMBERS, 100)
    by_population = targets(KeyKind.POPULATION, MEMBERS, 100)
    total_area = sum(m.area_km2 for m in MEMBERS)
    for m in MEMBERS:
        expected = 0.9 * by_population[m.ags] + 0.1 * 100 * m.area_km2 / total_area
        assert mixed[m.ags] == pytest.approx(expected)


def test_pledges_and_explicit_shares() -> None:
    assert targets(KeyKind.PLEDGES, MEMBERS, 40) == {
        "05766020": 10.0,
        "05315000": 30.0,
        "12054000": 0.0,
    }
    explicit = targets(KeyKind.EXPLICIT, MEMBERS, 10, explicit={"12054000": 1, "05766020": 1})
    assert explicit == {"05766020": 5.0, "05315000": 0.0, "12054000": 5.0}


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    weights=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=40),
    persons=st.integers(min_value=0, max_value=100_000),
    kind=st.sampled_from([KeyKind.POPULATION, KeyKind.PLEDGES, KeyKind.POPULATION_AREA]),
)
def test_whole_persons_add_up_and_stay_near_the_share(
    weights: list[int], persons: int, kind: KeyKind
) -> None:
    members = [
        KeyMember(f"{i:08d}", f"{i % 16 + 1:02d}", w, float(w % 997 + 1), pledged_persons=w)
        for i, w in enumerate(weights)
    ]
    shares = targets(kind, members, persons)
    whole = whole_persons(shares, persons)
    if sum(shares.values()) > 0:
        assert sum(whole.values()) == persons
    for ags, share in shares.items():
        assert abs(whole[ags] - share) < 1 + 1e-9
    assert whole == whole_persons(dict(reversed(list(shares.items()))), persons)


def test_population_and_area_without_population_goes_by_area() -> None:
    members = [KeyMember("00000001", "01", 0, 10.0), KeyMember("00000002", "01", 0, 30.0)]
    assert targets(KeyKind.POPULATION_AREA, members, 8) == {"00000001": 2.0, "00000002": 6.0}
