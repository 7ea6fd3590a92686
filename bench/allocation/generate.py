"""Seeded generator of realistic allocation instances from the real municipality data.

Scales: alliance (2,000 households x 125 members: the 12 founding members plus 113 towns of
20,000+ inhabitants drawn by population), state (20,000 x 400 districts), national
(100,000 x 10,752 municipalities). Household data is synthetic.

Plausible structure (rough shares for first-time asylum applicants in Germany): household
sizes 1: 40 %, 2: 15 %, 3: 13 %, 4: 12 %, 5: 9 %, 6: 6 %, 7: 3 %, 8: 2 %; members by age band;
flags barrier_free 3 %, dialysis 0.5 %, trauma_therapy 5 %, language_support 30 %,
psychosocial_support 10 %, job_placement 40 % of households with adults. Capacities: housing
~ population^0.9 with log-normal noise, scaled to 110 % of demand; other resources by ratio.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from hafennetz.engines.allocation.model import (
    RESOURCES,
    DistributionKey,
    Household,
    Instance,
    Link,
    LinkKind,
    Municipality,
    ScoreWeights,
)

DATA = Path(__file__).parent / "data"
SCALES = {
    "alliance": (2_000, "alliance"),
    "state": (20_000, "districts"),
    "national": (100_000, "municipalities"),
}
SIZE_P = [0.40, 0.15, 0.13, 0.12, 0.09, 0.06, 0.03, 0.02]


def _places(kind: str, rng: np.random.Generator) -> list[dict[str, str]]:
    if kind == "districts":
        rows = list(csv.DictReader((DATA / "kreise.csv").open(encoding="utf-8")))
        for r in rows:
            r["district_ags"] = r["ags"]
            r["urbanisation_code"] = "01" if int(r["population"]) > 250_000 else "02"
        return rows
    rows = list(csv.DictReader((DATA / "gemeinden.csv").open(encoding="utf-8")))
    if kind == "municipalities":
        return rows
    founders = {r["ags"] for r in csv.DictReader((DATA / "gruendungsmitglieder.csv").open())}
    towns = [r for r in rows if int(r["population"]) >= 20_000 and r["ags"] not in founders]
    pop = np.array([int(r["population"]) for r in towns], dtype=float)
    pick = rng.choice(len(towns), size=113, replace=False, p=pop / pop.sum())
    return [r for r in rows if r["ags"] in founders] + [towns[int(i)] for i in sorted(pick)]


def _household(i: int, rng: np.random.Generator) -> tuple[tuple[int, int, int, int, int], set[str]]:
    size = int(rng.choice(8, p=SIZE_P)) + 1
    bands = [0, 0, 0, 0, 0]
    bands[4 if rng.random() < 0.04 else 3] += 1
    for _ in range(size - 1):
        if bands[3] + bands[4] < 2 and rng.random() < 0.6:
            bands[3 if rng.random() > 0.05 else 4] += 1
        else:
            bands[int(rng.choice(3, p=[0.15, 0.2, 0.65]))] += 1
    flags = set()
    for flag, p in (
        ("barrier_free", 0.03),
        ("dialysis", 0.005),
        ("trauma_therapy", 0.05),
        ("language_support", 0.30),
        ("psychosocial_support", 0.10),
        ("job_placement", 0.40),
    ):
        if rng.random() < p:
            flags.add(flag)
    return (bands[0], bands[1], bands[2], bands[3], bands[4]), flags


def generate(
    scale: str, seed: int = 0, *, outcomes: bool | None = None, prefix: str = "H"
) -> Instance:
    n, kind = SCALES[scale]
    rng = np.random.default_rng(seed)
    places = _places(kind, np.random.default_rng(1000))
    households: list[Household] = []
    pop = np.array([max(int(p["population"]), 1) for p in places], dtype=float)
    pref_p = pop / pop.sum()
    with_outcomes = scale == "alliance" if outcomes is None else outcomes
    b_place = rng.normal(0, 0.4, len(places)) + np.array(
        [0.3 if p["urbanisation_code"] == "01" else 0.0 for p in places]
    )
    for i in range(n):
        ages, flags = _household(i, rng)
        prefs: tuple[str, ...] = ()
        if rng.random() < 0.10:
            k = 1 + int(rng.random() < 0.4)
            prefs = tuple(
                places[int(j)]["ags"] for j in rng.choice(len(places), k, replace=False, p=pref_p)
            )
        links: tuple[Link, ...] = ()
        if i > 0 and rng.random() < 0.02:
            links = (
                Link(
                    f"{prefix}{int(rng.integers(max(0, i - 50), i)):06d}",
                    LinkKind.SAME_MUNICIPALITY,
                ),
            )
        elif i > 0 and rng.random() < 0.03:
            links = (
                Link(f"{prefix}{int(rng.integers(max(0, i - 50), i)):06d}", LinkKind.SAME_DISTRICT),
            )
        out: dict[str, tuple[float, ...]] = {}
        if with_outcomes:
            adults = ages[3]
            a = rng.normal(-0.8, 0.6, adults)
            for j, p in enumerate(places):
                probs = 1 / (1 + np.exp(-(a + b_place[j])))
                out[p["ags"]] = tuple(round(float(x), 3) for x in probs)
        households.append(
            Household(
                f"{prefix}{i:06d}",
                ages,
                frozenset(flags),
                links=links,
                preferences=prefs,
                outcomes=out,
            )
        )
    demand = sum(h.size for h in households)
    raw = pop**0.9 * rng.lognormal(0, 0.35, len(places))
    housing = np.floor(raw / raw.sum() * demand * 1.10 + rng.random(len(places))).astype(int)
    munis = []
    for j, p in enumerate(places):
        urban = p["urbanisation_code"] == "01"
        big = pop[j] > 50_000
        h = int(housing[j])
        offers = set()
        for flag, prob in (
            ("barrier_free", 0.5 if big else 0.25),
            ("dialysis", 0.6 if big else 0.08),
            ("trauma_therapy", 0.7 if big else 0.15),
            ("language_support", 0.7 if urban else 0.35),
            ("psychosocial_support", 0.6 if big else 0.2),
            ("job_placement", 0.6 if urban else 0.4),
        ):
            if rng.random() < prob:
                offers.add(flag)
        noise = rng.lognormal(0, 0.25, 6)
        caps = {
            "housing": h,
            "childcare": round(h * 0.10 * noise[0]),
            "school": round(h * 0.27 * noise[1]),
            "language_course": round(h * 0.55 * noise[2]),
            "barrier_free_housing": round(h * 0.12 * noise[3]) if "barrier_free" in offers else 0,
            "medical_care": math.ceil(h * 0.04 * noise[4])
            if offers & {"dialysis", "trauma_therapy"}
            else 0,
        }
        munis.append(
            Municipality(
                ags=p["ags"],
                name=p["short_name"],
                state=p["state_ags"],
                district=p["district_ags"],
                population=int(p["population"]),
                capacities=caps,
                offers=frozenset(offers),
            )
        )
    key = {
        "alliance": DistributionKey.POPULATION,
        "state": DistributionKey.KOENIGSTEINER,
        "national": DistributionKey.PLEDGES,
    }[scale]
    weights = ScoreWeights(key_deviation_per_person=0.05)
    return Instance(tuple(households), tuple(munis), weights=weights, key=key)


def write_csv(instance: Instance, directory: Path) -> None:
    """The instance in the CLI's CSV formats (docs/allocation/csv-formats.md): households.csv,
    municipalities.csv and, if there are predictions, outcomes.csv."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "municipalities.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            ["ags", "name", "state", "district", "population", "offers"]
            + [f"cap_{r}" for r in RESOURCES]
        )
        for m in instance.municipalities:
            w.writerow(
                [m.ags, m.name, m.state, m.district, m.population, ";".join(sorted(m.offers))]
                + [m.capacities.get(r, 0) for r in RESOURCES]
            )
    with (directory / "households.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "case_id",
                *("age_0_2", "age_3_5", "age_6_17", "age_18_64", "age_65_plus"),
                *("flags", "links", "preferences"),
            ]
        )
        for h in instance.households:
            links = ";".join(f"{link.other}:{link.kind.value}" for link in h.links)
            w.writerow(
                [h.case_id, *h.age_bands, ";".join(sorted(h.flags)), links, ";".join(h.preferences)]
            )
    if any(h.outcomes for h in instance.households):
        with (directory / "outcomes.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["case_id", "ags", "probabilities"])
            for h in instance.households:
                for ags, probs in h.outcomes.items():
                    w.writerow([h.case_id, ags, ";".join(str(p) for p in probs)])


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="write a generated instance as CLI CSV files")
    parser.add_argument("--scale", choices=sorted(SCALES), required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="directory")
    args = parser.parse_args()
    write_csv(generate(args.scale, args.seed), args.out)
