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
    return _koenigsteiner(munis, instance.state_key_shares or KOENIGSTEINER_2016)


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


#: Königsteiner Schlüssel 2016 (used as EASY quota 2017), percent by state key. Source: GWK /
#: BAMF „Erstverteilung der Asylsuchenden (EASY)“, quotas for 2017. Not the current key (see
#: docs/allocation/csv-formats.md); pass `Instance.state_key_shares` for another year.
KOENIGSTEINER_2016: dict[str, float] = {
    "01": 3.39074,  # Schleswig-Holstein
    "02": 2.55752,  # Hamburg
    "03": 9.33138,  # Niedersachsen
    "04": 0.95331,  # Bremen
    "05": 21.14424,  # Nordrhein-Westfalen
    "06": 7.39885,  # Hessen
    "07": 4.83089,  # Rheinland-Pfalz
    "08": 12.96662,  # Baden-Württemberg
    "09": 15.53327,  # Bayern
    "10": 1.21111,  # Saarland
    "11": 5.08324,  # Berlin
    "12": 3.03655,  # Brandenburg
    "13": 2.01240,  # Mecklenburg-Vorpommern
    "14": 5.05577,  # Sachsen
    "15": 2.79941,  # Sachsen-Anhalt
    "16": 2.69470,  # Thüringen
}
