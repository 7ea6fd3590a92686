"""Structured explanations: why here, runner-ups, and why unplaced."""

from __future__ import annotations

from hafennetz.engines.allocation.engine import allocate
from hafennetz.engines.allocation.keys import target_shares
from hafennetz.engines.allocation.model import (
    DistributionKey,
    Household,
    Instance,
    Municipality,
)


def _m(ags: str, housing: int, offers: set[str], bf: int = 0) -> Municipality:
    return Municipality(
        ags,
        population=1000,
        capacities={"housing": housing, "language_course": 10, "barrier_free_housing": bf},
        offers=frozenset(offers),
    )


def test_unplaced_reason_names_the_missing_offer() -> None:
    h = Household("A", (0, 0, 0, 1, 0), frozenset({"barrier_free"}))
    result = allocate(Instance((h,), (_m("01000000", 5, set()),)))
    (e,) = result.households
    assert e.ags is None
    assert e.reasons[-1].code == "no_offer"
    assert e.reasons[-1].message == "no municipality offers barrier-free housing"


def test_unplaced_reason_when_offering_places_are_full() -> None:
    a = Household("A", (0, 0, 0, 2, 0), frozenset({"barrier_free"}))
    b = Household("B", (0, 0, 0, 2, 0), frozenset({"barrier_free"}))
    munis = (_m("01000000", 5, {"barrier_free"}, bf=2), _m("02000000", 5, set()))
    result = allocate(Instance((a, b), munis))
    unplaced = [e for e in result.households if e.ags is None]
    assert len(unplaced) == 1
    assert unplaced[0].reasons[-1].code == "no_free_capacity"
    assert "no municipality with free capacity offers barrier-free housing" in (
        unplaced[0].reasons[-1].message
    )


def test_placed_household_has_parts_and_alternatives() -> None:
    h = Household("A", (0, 0, 0, 1, 0), frozenset({"language_support"}), preferences=("02000000",))
    munis = (_m("01000000", 5, {"language_support"}), _m("02000000", 5, set()))
    result = allocate(Instance((h,), munis))
    (e,) = result.households
    assert e.ags == "02000000"  # preference 2.0 beats need fit 1.0
    assert e.score_parts == {"need_fit": 0.0, "preference": 2.0, "outcome": 0.0}
    assert e.alternatives[0].ags == "01000000"
    assert e.alternatives[0].note.code == "lower_score"
    usage = {m.ags: {u.resource: u.used for u in m.usage} for m in result.municipalities}
    assert usage["02000000"]["housing"] == 1


def test_koenigsteiner_shares_sum_to_one() -> None:
    munis = tuple(Municipality(f"{s:02d}000000", population=1000 * s) for s in (1, 5, 9, 11))
    inst = Instance((), munis, key=DistributionKey.KOENIGSTEINER)
    shares = target_shares(inst)
    assert shares is not None
    assert abs(sum(shares.values()) - 1) < 1e-12
    assert shares["05000000"] > shares["01000000"]
