"""Distribution keys: how many persons of a contingent each member would receive by a key.

Pure functions over plain data, so the key comparison of a contingent, its runs and the public
page all compute targets the same way.

* Königsteiner Schlüssel: the states' shares (of the states with eligible members, renormalised),
  then within a state by population — how the Bund distributes to the Länder, and how most
  Länder pass it on.
* Population: proportional to population.
* Population and area: 90 % by population, 10 % by area (the rule of NRW's FlüAG).
* Pledges: proportional to the persons a member pledged.
* Explicit: shares the office entered per member (any scale).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hafennetz.admission.models import KeyKind


@dataclass(frozen=True)
class KeyMember:
    ags: str
    state: str
    population: int
    area_km2: float
    pledged_persons: int = 0


def _proportional(weights: Mapping[str, float], persons: int) -> dict[str, float]:
    total = sum(w for w in weights.values() if w > 0)
    if total <= 0:
        return dict.fromkeys(weights, 0.0)
    return {ags: persons * max(w, 0.0) / total for ags, w in weights.items()}


def targets(
    kind: str,
    members: Sequence[KeyMember],
    persons: int,
    *,
    state_shares: Mapping[str, float] | None = None,
    explicit: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Persons per member AGS by the key `kind` (fractional; see `whole_persons`)."""
    if not members:
        return {}
    if kind == KeyKind.POPULATION:
        return _proportional({m.ags: m.population for m in members}, persons)
    if kind == KeyKind.POPULATION_AREA:
        by_population = _proportional({m.ags: m.population for m in members}, persons)
        by_area = _proportional({m.ags: m.area_km2 for m in members}, persons)
        # Without any population (or area) the other part carries the whole contingent.
        if not any(by_population.values()):
            return by_area
        if not any(by_area.values()):
            return by_population
        return {ags: 0.9 * by_population[ags] + 0.1 * by_area[ags] for ags in by_population}
    if kind == KeyKind.PLEDGES:
        return _proportional({m.ags: m.pledged_persons for m in members}, persons)
    if kind == KeyKind.EXPLICIT:
        shares = explicit or {}
        return _proportional({m.ags: float(shares.get(m.ags, 0.0)) for m in members}, persons)
    if kind == KeyKind.KOENIGSTEINER:
        shares = state_shares or {}
        states = {m.state for m in members}
        per_state = _proportional({s: float(shares.get(s, 0.0)) for s in states}, persons)
        by_state: dict[str, list[KeyMember]] = defaultdict(list)
        for m in members:
            by_state[m.state].append(m)
        out: dict[str, float] = {}
        for state, group in by_state.items():
            within = _proportional({m.ags: m.population for m in group}, 1)
            out |= {ags: share * per_state[state] for ags, share in within.items()}
        return out
    raise ValueError(f"unknown distribution key {kind!r}")


def whole_persons(shares: Mapping[str, float], persons: int) -> dict[str, int]:
    """Whole persons by the largest-remainder method (Hare–Niemeyer): sums to `persons` when the
    shares do (ties broken by AGS, so the result is reproducible)."""
    floors = {ags: math.floor(v + 1e-9) for ags, v in shares.items()}
    rest = persons - sum(floors.values())
    order = sorted(shares, key=lambda ags: (-(shares[ags] - floors[ags]), ags))
    for ags in order[: max(rest, 0)]:
        floors[ags] += 1
    return floors
