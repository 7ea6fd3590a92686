"""Plain dataclasses of the allocation engine: what goes in and what comes out.

Identifiers of resources, need flags and reason codes are stable English slugs; the web layer
translates them. Nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .control import Status

#: Age bands of household members, in this order everywhere (CSV columns age_0_2 … age_65_plus).
AGE_BANDS: tuple[str, ...] = ("0-2", "3-5", "6-17", "18-64", "65+")

#: The resources a municipality pledges places for (capacities); a missing resource means 0.
RESOURCES: tuple[str, ...] = (
    "housing",
    "childcare",
    "school",
    "language_course",
    "barrier_free_housing",
    "medical_care",
)

#: Need flags that are hard requirements: a household goes only where the flag is offered.
HARD_FLAGS: frozenset[str] = frozenset({"barrier_free", "dialysis", "trauma_therapy"})

#: Need flags the engine knows by default (any other slug is accepted as a soft flag).
KNOWN_FLAGS: tuple[str, ...] = (
    "barrier_free",
    "dialysis",
    "trauma_therapy",
    "language_support",
    "psychosocial_support",
    "job_placement",
)

#: Flags that need a place of the `medical_care` resource (one per household).
MEDICAL_FLAGS: frozenset[str] = frozenset({"dialysis", "trauma_therapy"})


class LinkKind(StrEnum):
    SAME_MUNICIPALITY = "same_municipality"  # hard: both households go to the same place
    SAME_DISTRICT = "same_district"  # soft: bonus if both are in the same district


class Aggregation(StrEnum):
    """How per-member outcome predictions are combined into one household score."""

    SUM = "sum"  # expected number of members with the outcome (default)
    MEAN = "mean"  # mean probability over scored members
    AT_LEAST_ONE = "at_least_one"  # GeoMatch's rule: P(at least one member); favours small units


class DistributionKey(StrEnum):
    NONE = "none"
    POPULATION = "population"
    KOENIGSTEINER = "koenigsteiner"  # state share by Königsteiner Schlüssel, then population
    PLEDGES = "pledges"  # proportional to pledged housing places
    EXPLICIT = "explicit"  # Municipality.target_share as given


class Method(StrEnum):
    OPTIMAL = "optimal"
    GREEDY = "greedy"
    QUOTA = "quota"
    RANDOM = "random"


def derive_needs(age_bands: tuple[int, ...], flags: frozenset[str]) -> dict[str, int]:
    """Places per resource a household needs, derived from its members and flags.

    Childcare counts all children 0–5 (the age bands cannot separate infants under one year).
    """
    a02, a35, a617, a1864, _a65 = age_bands
    size = sum(age_bands)
    return {
        "housing": size,
        "childcare": a02 + a35,
        "school": a617,
        "language_course": a1864,
        "barrier_free_housing": size if "barrier_free" in flags else 0,
        "medical_care": 1 if flags & MEDICAL_FLAGS else 0,
    }


@dataclass(frozen=True)
class Link:
    other: str  # case_id of the other household
    kind: LinkKind


@dataclass(frozen=True)
class Household:
    """A household (Haushalt), pseudonymous: case number, members by age band, needs; no names.

    `needs` are explicit overrides per resource; all other resources are derived from age
    bands and flags (`derive_needs`). `preferences` is a ranked tuple of AGS. `outcomes` maps an
    AGS to predicted per-member outcome probabilities (e.g. employment) there.
    """

    case_id: str
    age_bands: tuple[int, int, int, int, int]
    flags: frozenset[str] = frozenset()
    needs: Mapping[str, int] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
    preferences: tuple[str, ...] = ()
    outcomes: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(self.age_bands)

    def resource_needs(self) -> dict[str, int]:
        derived = derive_needs(self.age_bands, self.flags)
        derived.update(self.needs)
        return derived


@dataclass(frozen=True)
class Municipality:
    """A member municipality or district (Mitgliedskommune) with pledged places."""

    ags: str
    name: str = ""
    state: str = ""  # 2-digit state key; default: first two digits of the AGS
    district: str = ""  # 5-digit district key; default: first five digits of the AGS
    population: int = 0
    capacities: Mapping[str, int] = field(default_factory=dict)
    offers: frozenset[str] = frozenset()
    target_share: float | None = None

    @property
    def state_key(self) -> str:
        return self.state or self.ags[:2]

    @property
    def district_key(self) -> str:
        return self.district or self.ags[:5]

    def capacity(self, resource: str) -> int:
        return self.capacities.get(resource, 0)


@dataclass(frozen=True)
class ScoreWeights:
    """Weights of the transparent score (all per household unless noted)."""

    need_fit: float = 1.0  # per soft need flag the municipality offers
    preference: float = 2.0  # first choice; the k-th choice earns preference / k
    outcome: float = 5.0  # times the aggregated outcome prediction
    outcome_aggregation: Aggregation = Aggregation.SUM
    same_district_link: float = 2.0  # per preferred link kept within one district
    unplaced_per_person: float = 10.0  # penalty per person left unplaced
    key_deviation_per_person: float = 0.0  # penalty per person away from the key's target


@dataclass(frozen=True)
class Instance:
    households: tuple[Household, ...]
    municipalities: tuple[Municipality, ...]
    weights: ScoreWeights = ScoreWeights()
    key: DistributionKey = DistributionKey.NONE
    #: Königsteiner Schlüssel shares by 2-digit state key (any scale; renormalised).
    state_key_shares: Mapping[str, float] = field(default_factory=dict)
    hard_flags: frozenset[str] = HARD_FLAGS


# --------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Reason:
    """A structured reason: stable `code`, its parameters, and an English rendering."""

    code: str
    params: Mapping[str, str | int | float]
    message: str


@dataclass(frozen=True)
class ScoreBreakdown:
    need_fit: float = 0.0
    preference: float = 0.0
    outcome: float = 0.0
    link: float = 0.0
    unplaced_penalty: float = 0.0  # subtracted
    key_penalty: float = 0.0  # subtracted

    @property
    def total(self) -> float:
        return (
            self.need_fit
            + self.preference
            + self.outcome
            + self.link
            - self.unplaced_penalty
            - self.key_penalty
        )


@dataclass(frozen=True)
class Alternative:
    ags: str
    score: float  # household score there (need fit + preference + outcome)
    note: Reason  # why it was not chosen


@dataclass(frozen=True)
class HouseholdExplanation:
    case_id: str
    ags: str | None
    flags_met: tuple[str, ...]  # need flags the chosen municipality offers
    flags_unmet: tuple[str, ...]  # need flags it does not offer (only baselines violate hard)
    score_parts: Mapping[str, float]
    alternatives: tuple[Alternative, ...]
    reasons: tuple[Reason, ...]  # why unplaced / why here


@dataclass(frozen=True)
class ResourceUse:
    resource: str
    used: int
    capacity: int


@dataclass(frozen=True)
class MunicipalityExplanation:
    ags: str
    households: int
    persons: int
    target_persons: float | None
    usage: tuple[ResourceUse, ...]


@dataclass(frozen=True)
class AllocationResult:
    """One run's result with what is needed to reproduce and defend it: the engine version,
    seed, budget, the work limits it resolved to, and the fingerprint of the input.

    Reproducible: the same input (fingerprint), seed, engine version and budget give the same
    assignment, unless `stopped_by` is set (safety cap or cancellation) or the budget was in
    wall-clock mode (`budget["wall_clock"]`)."""

    method: Method
    seed: int
    assignment: Mapping[str, str | None]  # case_id -> AGS or None (unplaced)
    score: ScoreBreakdown
    bound: float | None  # proven upper bound on the score (optimal method)
    gap: float | None  # (bound - score) / max(|bound|, 1)
    status: Status
    runtime_s: float
    objective: float | None = None  # the solver's own objective value (equals score.total)
    households: tuple[HouseholdExplanation, ...] = ()
    municipalities: tuple[MunicipalityExplanation, ...] = ()
    notes: tuple[str, ...] = ()
    engine_version: str = ""
    input_fingerprint: str = ""  # sha256 of the canonical input (`fingerprint`)
    budget: Mapping[str, object] = field(default_factory=dict)  # `Budget.to_dict()`
    limits: Mapping[str, int] = field(default_factory=dict)  # work limits derived from it
    used: Mapping[str, int] = field(default_factory=dict)  # work done, by kind
    stopped_by: str | None = None  # "time_cap" or "cancelled": then not reproducible

    @property
    def reproducible(self) -> bool:
        return self.stopped_by is None and not bool(self.budget.get("wall_clock", False))

    def to_dict(self, *, timing: bool = True) -> dict[str, Any]:
        """JSON-ready data (`timing=False`: without run time and work done, for files that
        must be byte-identical across runs)."""
        from .serialize import result_to_dict

        return result_to_dict(self, timing=timing)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AllocationResult:
        from .serialize import result_from_dict

        return result_from_dict(data)

    @property
    def placed(self) -> int:
        return sum(1 for v in self.assignment.values() if v is not None)

    @property
    def unplaced(self) -> int:
        return sum(1 for v in self.assignment.values() if v is None)
