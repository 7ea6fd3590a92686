"""The allocation engine's input built from a contingent: its households, its eligible members
with the places they pledged for the period, and its distribution key.

The key reaches the engine as explicit target shares computed by `admission.keys`, so the run
steers towards exactly the targets the key comparison shows (and population + area, which the
engine does not know, works like every other key)."""

from __future__ import annotations

from hafennetz.admission.keys import KeyMember, targets
from hafennetz.admission.models import Contingent, Household, KeyKind, Pledge, Resource
from hafennetz.admission.selectors import ACTIVE, committed_persons, contingent_members
from hafennetz.engines.allocation.model import (
    DistributionKey,
    Instance,
    Link,
    LinkKind,
    Municipality,
    ScoreWeights,
)
from hafennetz.engines.allocation.model import Household as EngineHousehold


def build_instance(contingent: Contingent, *, use_key: bool, key_weight: float) -> Instance:
    members = contingent_members(contingent)
    capacities: dict[int, dict[str, int]] = {
        m.pk: dict.fromkeys(Resource.values, 0) for m in members
    }
    offers: dict[int, set[str]] = {m.pk: set() for m in members}
    pledges = Pledge.objects.filter(
        member__in=members,
        status__in=ACTIVE,
        valid_from__lte=contingent.period_end,
        valid_until__gte=contingent.period_start,
    )
    for pledge in pledges:
        for resource, places in pledge.places().items():
            capacities[pledge.member_id][resource] += places
        offers[pledge.member_id] |= set(pledge.offers)
    # What approved runs of overlapping contingents placed is no longer free.
    for member_id, persons in committed_persons(members, contingent).items():
        housing = capacities[member_id][Resource.HOUSING]
        capacities[member_id][Resource.HOUSING] = max(0, housing - persons)
    key_members = [
        KeyMember(
            ags=m.ags,
            state=m.state_id,
            population=m.population,
            area_km2=float(m.territory.area_km2),
            pledged_persons=capacities[m.pk][Resource.HOUSING],
        )
        for m in members
    ]
    shares: dict[str, float] = {}
    table = contingent.key_table
    if use_key and (contingent.key != KeyKind.KOENIGSTEINER or table is not None):
        shares = targets(
            contingent.key,
            key_members,
            contingent.persons,
            state_shares={
                k: float(v)
                for k, v in (contingent.key_table.shares if contingent.key_table else {}).items()
            },
            explicit=contingent.explicit_shares,
        )
    steer = use_key and any(v > 0 for v in shares.values())
    municipalities = tuple(
        Municipality(
            ags=m.ags,
            name=m.name,
            state=m.state_id,
            district=m.ags[:5],
            population=m.population,
            capacities={k: v for k, v in capacities[m.pk].items() if v},
            offers=frozenset(offers[m.pk]),
            target_share=shares.get(m.ags, 0.0) if steer else None,
        )
        for m in members
    )
    households = tuple(
        EngineHousehold(
            case_id=h.case_id,
            age_bands=(h.age_0_2, h.age_3_5, h.age_6_17, h.age_18_64, h.age_65_plus),
            flags=frozenset(h.needs),
            links=tuple(Link(link["case"], LinkKind(link["kind"])) for link in h.links),
            preferences=tuple(h.preferences),
        )
        for h in Household.objects.filter(contingent=contingent, anonymised_at__isnull=True)
    )
    return Instance(
        households=households,
        municipalities=municipalities,
        weights=ScoreWeights(key_deviation_per_person=key_weight if steer else 0.0),
        key=DistributionKey.EXPLICIT if steer else DistributionKey.NONE,
    )
