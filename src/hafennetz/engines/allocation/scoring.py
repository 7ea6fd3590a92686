"""The transparent score, computed directly from households, municipalities and an assignment.

This module is the reference definition of the objective. Solvers compile it into arc values;
`evaluate` re-scores any assignment from scratch, so a reported score can be checked.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from .keys import target_shares
from .model import (
    Aggregation,
    Household,
    Instance,
    LinkKind,
    Municipality,
    ScoreBreakdown,
    ScoreWeights,
)


def aggregate_outcome(probabilities: Sequence[float], how: Aggregation) -> float:
    if not probabilities:
        return 0.0
    if how is Aggregation.SUM:
        return float(sum(probabilities))
    if how is Aggregation.MEAN:
        return float(sum(probabilities)) / len(probabilities)
    return 1.0 - math.prod(1.0 - p for p in probabilities)


def household_parts(
    household: Household,
    municipality: Municipality,
    weights: ScoreWeights,
    hard_flags: frozenset[str],
) -> dict[str, float]:
    """Score parts of one household at one municipality (links and key excluded)."""
    soft = household.flags - hard_flags
    need_fit = weights.need_fit * len(soft & municipality.offers)
    preference = 0.0
    for rank, ags in enumerate(household.preferences, start=1):
        if ags == municipality.ags:
            preference = weights.preference / rank
            break
    outcome = 0.0
    probs = household.outcomes.get(municipality.ags)
    if probs:
        outcome = weights.outcome * aggregate_outcome(probs, weights.outcome_aggregation)
    return {"need_fit": need_fit, "preference": preference, "outcome": outcome}


def household_value(
    household: Household, municipality: Municipality, weights: ScoreWeights, hard: frozenset[str]
) -> float:
    return sum(household_parts(household, municipality, weights, hard).values())


def district_link_pairs(households: Sequence[Household]) -> list[tuple[str, str]]:
    """Unordered pairs of households with a preferred same-district link, each once."""
    known = {h.case_id for h in households}
    pairs: set[tuple[str, str]] = set()
    for h in households:
        for link in h.links:
            if link.kind is LinkKind.SAME_DISTRICT and link.other in known:
                a, b = sorted((h.case_id, link.other))
                if a != b:
                    pairs.add((a, b))
    return sorted(pairs)


def evaluate(instance: Instance, assignment: Mapping[str, str | None]) -> ScoreBreakdown:
    """Re-score an assignment (case_id -> AGS or None) from scratch."""
    w = instance.weights
    by_ags = {m.ags: m for m in instance.municipalities}
    need_fit = preference = outcome = unplaced = 0.0
    persons: dict[str, float] = defaultdict(float)
    for h in instance.households:
        ags = assignment.get(h.case_id)
        if ags is None:
            unplaced += w.unplaced_per_person * h.size
            continue
        parts = household_parts(h, by_ags[ags], w, instance.hard_flags)
        need_fit += parts["need_fit"]
        preference += parts["preference"]
        outcome += parts["outcome"]
        persons[ags] += h.size
    link = 0.0
    for a, b in district_link_pairs(instance.households):
        ma, mb = assignment.get(a), assignment.get(b)
        if ma is not None and mb is not None and by_ags[ma].district_key == by_ags[mb].district_key:
            link += w.same_district_link
    key_penalty = 0.0
    shares = target_shares(instance)
    if shares is not None and w.key_deviation_per_person > 0:
        total = sum(persons.values())
        key_penalty = w.key_deviation_per_person * sum(
            abs(persons.get(ags, 0.0) - share * total) for ags, share in shares.items()
        )
    return ScoreBreakdown(
        need_fit=need_fit,
        preference=preference,
        outcome=outcome,
        link=link,
        unplaced_penalty=unplaced,
        key_penalty=key_penalty,
    )
