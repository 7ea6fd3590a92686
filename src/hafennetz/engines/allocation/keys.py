"""Distribution keys (Verteilschlüssel): target share of persons per municipality."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from .model import DistributionKey, Instance, Municipality


def target_shares(instance: Instance) -> dict[str, float] | None:
    """Share of all placed persons each municipality should receive, or None without a key.

    * population: proportional to population;
    * pledges: proportional to pledged housing places;
    * koenigsteiner: each state's Königsteiner share (renormalised over the states present),
      split within the state by population (as most states' own keys do);
    * explicit: `Municipality.target_share` (renormalised; missing means 0).
    """
    munis = instance.municipalities
    key = instance.key
    if key is DistributionKey.NONE or not munis:
        return None
    if key is DistributionKey.POPULATION:
        return _normalise({m.ags: float(m.population) for m in munis})
    if key is DistributionKey.PLEDGES:
        return _normalise({m.ags: float(m.capacity("housing")) for m in munis})
    if key is DistributionKey.EXPLICIT:
        return _normalise({m.ags: float(m.target_share or 0.0) for m in munis})
    return _koenigsteiner(munis, instance.state_key_shares)


def _koenigsteiner(
    munis: tuple[Municipality, ...], state_shares: Mapping[str, float]
) -> dict[str, float]:
    pop_by_state: dict[str, float] = defaultdict(float)
    for m in munis:
        pop_by_state[m.state_key] += m.population
    raw_state = {s: float(state_shares.get(s, 0.0)) for s in pop_by_state}
    total = sum(raw_state.values())
    if total <= 0:
        raise ValueError("Königsteiner key: no share for any state of the municipalities")
    shares = {}
    for m in munis:
        within = m.population / pop_by_state[m.state_key] if pop_by_state[m.state_key] else 0.0
        shares[m.ags] = raw_state[m.state_key] / total * within
    return _normalise(shares)


def _normalise(values: dict[str, float]) -> dict[str, float]:
    total = sum(values.values())
    if total <= 0:
        n = len(values)
        return {k: 1.0 / n for k in values}
    return {k: v / total for k, v in values.items()}
