"""The allocation engine's input built from a contingent: its households not yet placed, its
eligible members with the places their pledges for the period still have free, its
distribution key, and the office's overrides. Only the engine's public API is used
(`hafennetz.engines.allocation`).

The key reaches the engine as explicit target shares computed by `admission.keys`, so the run
steers towards exactly the targets the key comparison shows (and population + area, which the
engine does not know, works like every other key).

Overrides (ADR 0051) are expressed in the engine's own terms, so every method honours them:
a household pinned to a member is taken out of the problem and its needs out of that member's
capacities (the rest is re-optimised around it); a household whose relative must be placed
with it (a `same_municipality` link to a pinned or already placed household) gets a hard flag
only that member offers; an excluded member lacks a hard flag the household has. The synthetic
flags start with `override:` and are never shown as needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hafennetz.admission.keys import KeyMember, targets
from hafennetz.admission.models import (
    HARD_NEEDS,
    Contingent,
    Household,
    KeyKind,
    Override,
    OverrideKind,
    Placement,
    Pledge,
    Resource,
)
from hafennetz.admission.selectors import ACTIVE, contingent_members
from hafennetz.engines.allocation import (
    DistributionKey,
    Instance,
    Link,
    LinkKind,
    Municipality,
    ScoreWeights,
    instance_to_dict,
)
from hafennetz.engines.allocation import Household as EngineHousehold
from hafennetz.members.models import Member

SYNTHETIC = "override:"


def at_flag(ags: str) -> str:
    return f"{SYNTHETIC}at:{ags}"


def not_flag(case_id: str) -> str:
    return f"{SYNTHETIC}not:{case_id}"


def is_synthetic(flag: str) -> bool:
    return flag.startswith(SYNTHETIC)


def engine_household(h: Household, *, flags: Iterable[str] = (), links: bool = True) -> Any:
    return EngineHousehold(
        case_id=h.case_id,
        age_bands=(h.age_0_2, h.age_3_5, h.age_6_17, h.age_18_64, h.age_65_plus),
        flags=frozenset(h.needs) | frozenset(flags),
        links=tuple(Link(link["case"], LinkKind(link["kind"])) for link in h.links)
        if links
        else (),
        preferences=tuple(h.preferences),
    )


def resource_needs(h: Household) -> dict[str, int]:
    """Places per resource the household takes (the engine's derivation)."""
    needs: dict[str, int] = engine_household(h, links=False).resource_needs()
    needs[Resource.HOUSING.value] = h.size
    return needs


@dataclass
class Capacities:
    """What each member's pledges for the period have left, per resource, and its offers."""

    members: list[Member]
    free: dict[int, dict[str, int]]
    offers: dict[int, set[str]]
    pledged: dict[int, dict[str, int]] = field(default_factory=dict)

    def max_free(self, resource: str, needs: Iterable[str] = ()) -> int:
        wanted = set(needs)
        return max(
            (self.free[m.pk][resource] for m in self.members if wanted <= self.offers[m.pk]),
            default=0,
        )


def capacities(contingent: Contingent, members: list[Member] | None = None) -> Capacities:
    members = contingent_members(contingent) if members is None else members
    pledged: dict[int, dict[str, int]] = {m.pk: dict.fromkeys(Resource.values, 0) for m in members}
    offers: dict[int, set[str]] = {m.pk: set() for m in members}
    for pledge in Pledge.objects.filter(
        member__in=members,
        status__in=ACTIVE,
        valid_from__lte=contingent.period_end,
        valid_until__gte=contingent.period_start,
    ):
        for resource, places in pledge.places().items():
            pledged[pledge.member_id][resource] += places
        offers[pledge.member_id] |= set(pledge.offers)
    free = {pk: dict(places) for pk, places in pledged.items()}
    # What approved runs of overlapping contingents placed is no longer free (every resource).
    for placement in Placement.objects.filter(
        member__in=members,
        run__contingent__period_start__lte=contingent.period_end,
        run__contingent__period_end__gte=contingent.period_start,
    ).select_related("household"):
        used = resource_needs(placement.household)
        used[Resource.HOUSING.value] = placement.persons
        for resource, amount in used.items():
            if resource in free[placement.member_id]:
                free[placement.member_id][resource] = max(
                    0, free[placement.member_id][resource] - amount
                )
    return Capacities(members=members, free=free, offers=offers, pledged=pledged)


def open_households(contingent: Contingent, batch: int | None = None) -> list[Household]:
    """Households still to be placed: not anonymised, without a placement, of the batch."""
    households = Household.objects.filter(
        contingent=contingent, anonymised_at__isnull=True, placement__isnull=True
    )
    if batch is not None:
        households = households.filter(batch=batch)
    return list(households.order_by("case_id"))


def override_entry(o: Override, ags: str) -> dict[str, Any]:
    return {
        "id": o.pk,
        "case_id": o.household.case_id,
        "kind": o.kind,
        "ags": ags,
        "reason": o.reason,
        "breaks": list(o.breaks),
    }


@dataclass(frozen=True)
class EngineInput:
    instance: Instance
    # The overrides the input honours; a pin carries its household's engine data.
    overrides: list[dict[str, Any]]
    # Households of the contingent not yet placed that the forecast of a batch run samples.
    forecast: tuple[Any, ...] = ()


def build_input(
    contingent: Contingent, *, use_key: bool, key_weight: float, batch: int | None = None
) -> EngineInput:
    caps = capacities(contingent)
    members = caps.members
    by_pk = {m.pk: m for m in members}
    free = {pk: dict(places) for pk, places in caps.free.items()}
    offers = {pk: set(o) for pk, o in caps.offers.items()}
    households = open_households(contingent, batch)
    cases = {h.case_id for h in households}
    overrides = list(
        Override.objects.filter(
            contingent=contingent, withdrawn_at__isnull=True, household__in=households
        )
        .select_related("household", "member")
        .order_by("pk")
    )
    pins = {o.household_id: o for o in overrides if o.kind == OverrideKind.PIN}
    entries: list[dict[str, Any]] = []
    pinned_at: dict[str, str] = {}  # case -> AGS, for the links of others
    for o in overrides:
        if o.member_id not in by_pk:
            continue  # no longer eligible: the override cannot apply (the run page says so)
        entry = override_entry(o, o.member.ags)
        if o.kind == OverrideKind.PIN:
            needs = resource_needs(o.household)
            for resource, amount in needs.items():
                free[o.member_id][resource] = max(0, free[o.member_id][resource] - amount)
            pinned_at[o.household.case_id] = o.member.ags
            single = Instance(
                households=(engine_household(o.household, links=False),), municipalities=()
            )
            entry["household"] = instance_to_dict(single)["households"][0]
        entries.append(entry)
    # Relatives already placed by an approved run: those linked to them must follow.
    placed_at = {
        p.household.case_id: p.member.ags
        for p in Placement.objects.filter(household__contingent=contingent).select_related(
            "household", "member__municipality", "member__district"
        )
    }
    excluded: dict[str, set[str]] = defaultdict(set)
    for o in overrides:
        if o.kind == OverrideKind.EXCLUDE and o.member_id in by_pk:
            excluded[o.household.case_id].add(o.member.ags)
    synthetic: set[str] = set()
    engine_households = []
    for h in households:
        if h.pk in pins and pins[h.pk].member_id in by_pk:
            continue
        extra: set[str] = set()
        links = []
        for link in h.links:
            other = link["case"]
            anchor = pinned_at.get(other) or placed_at.get(other)
            if anchor is not None or other not in cases:
                if anchor is not None and link["kind"] == LinkKind.SAME_MUNICIPALITY.value:
                    extra.add(at_flag(anchor))
                continue  # a link to a household outside the problem cannot be kept there
            links.append(Link(other, LinkKind(link["kind"])))
        if h.case_id in excluded:
            extra.add(not_flag(h.case_id))
        synthetic |= extra
        base = engine_household(h, flags=extra, links=False)
        engine_households.append(
            EngineHousehold(
                case_id=base.case_id,
                age_bands=base.age_bands,
                flags=base.flags,
                links=tuple(links),
                preferences=base.preferences,
            )
        )
    key_members = [
        KeyMember(
            ags=m.ags,
            state=m.state_id,
            population=m.population,
            area_km2=float(m.territory.area_km2),
            pledged_persons=free[m.pk][Resource.HOUSING],
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
            state_shares={k: float(v) for k, v in (table.shares if table else {}).items()},
            explicit=contingent.explicit_shares,
        )
    steer = use_key and any(v > 0 for v in shares.values())

    def member_offers(m: Member) -> frozenset[str]:
        own = set(offers[m.pk])
        if at_flag(m.ags) in synthetic:
            own.add(at_flag(m.ags))
        for case, ags_set in excluded.items():
            if m.ags not in ags_set:
                own.add(not_flag(case))
        return frozenset(own)

    municipalities = tuple(
        Municipality(
            ags=m.ags,
            name=m.name,
            state=m.state_id,
            district=m.ags[:5],
            population=m.population,
            capacities={k: v for k, v in free[m.pk].items() if v},
            offers=member_offers(m),
            target_share=shares.get(m.ags, 0.0) if steer else None,
        )
        for m in members
    )
    instance = Instance(
        households=tuple(engine_households),
        municipalities=municipalities,
        weights=ScoreWeights(key_deviation_per_person=key_weight if steer else 0.0),
        key=DistributionKey.EXPLICIT if steer else DistributionKey.NONE,
        hard_flags=frozenset(HARD_NEEDS) | frozenset(synthetic | {not_flag(c) for c in excluded}),
    )
    forecast: tuple[Any, ...] = ()
    if batch is not None:
        forecast = _forecast(contingent, households)
    return EngineInput(instance=instance, overrides=entries, forecast=forecast)


def _forecast(contingent: Contingent, batch: list[Household]) -> tuple[Any, ...]:
    """The households still expected in the period, as the dynamic policy's fluid forecast:
    the persons the contingent has not yet imported, as households like those imported so far
    (this contingent's, in case-number order — deterministic)."""
    known = list(
        Household.objects.filter(contingent=contingent, anonymised_at__isnull=True).order_by(
            "case_id"
        )
    )
    arrived = sum(h.size for h in known)
    missing = contingent.persons - arrived
    if missing <= 0 or not known:
        return ()
    mean = arrived / len(known)
    expected = max(1, round(missing / mean))
    sample = [engine_household(h, links=False) for h in known]
    # allocate_dynamic expects len(forecast) / batches x remaining batches; the run hands it
    # two batches (this one and "the rest of the period"), so twice the expected number.
    return tuple(sample[i % len(sample)] for i in range(2 * expected))


def build_instance(contingent: Contingent, *, use_key: bool, key_weight: float) -> Instance:
    return build_input(contingent, use_key=use_key, key_weight=key_weight).instance
