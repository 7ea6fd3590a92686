"""Generate the realistic-meeting participants CSV (benchmark 3) from the municipality extract.

Real municipalities and states (Destatis extract in data/), invented people: 125 members (the 12
founding members of the alliance plus 113 further municipalities of at least 20,000 inhabitants,
drawn at random with every state present — the alliance's full member list is not available as
data, so this is a demo selection), 300 participants, 50 facilitators, strain levels per topic.

    .venv/bin/python bench/grouping/make_meeting.py            # writes data/meeting_300.csv
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

HERE = Path(__file__).parent
TOPICS = ("unterbringung", "kita", "schule", "arbeit", "soziales", "personal", "gesundheit")


def size_class(population: int) -> str:
    if population >= 500_000:
        return "metro"
    if population >= 100_000:
        return "large"
    if population >= 50_000:
        return "medium"
    return "small"


def main(seed: int = 2024, members: int = 125, people: int = 300, facilitators: int = 50) -> None:
    rng = random.Random(seed)
    rows = list(csv.DictReader((HERE / "data" / "municipalities_20k.csv").open(encoding="utf-8")))
    chosen = [r for r in rows if r["founding_member"] == "yes"]
    states = sorted({r["state_ags"] for r in rows})
    for state in states:  # every state present
        if not any(r["state_ags"] == state for r in chosen):
            pool = [r for r in rows if r["state_ags"] == state]
            chosen.append(rng.choice(pool))
    rest = [r for r in rows if r not in chosen]
    while len(chosen) < members:
        weights = [math.sqrt(int(r["population"])) for r in rest]
        pick = rng.choices(range(len(rest)), weights=weights)[0]
        chosen.append(rest.pop(pick))
    # every member sends at least one person; larger members send more (at most 6)
    counts = {r["ags"]: 1 for r in chosen}
    weights = [math.log10(int(r["population"])) ** 3 for r in chosen]
    while sum(counts.values()) < people:
        r = rng.choices(chosen, weights=weights)[0]
        if counts[r["ags"]] < 6:
            counts[r["ags"]] += 1
    strain = {
        r["ags"]: {t: rng.choices((1, 2, 3, 4), (2, 4, 3, 1))[0] for t in TOPICS} for r in chosen
    }
    out: list[dict[str, str]] = []
    for r in chosen:
        for _ in range(counts[r["ags"]]):
            n = len(out) + 1
            levels = strain[r["ags"]]
            interests = rng.sample(TOPICS, 2)
            out.append(
                {
                    "id": f"r{n:03d}",
                    "name": f"Person {n:03d}",
                    "email": f"person{n:03d}@example.org",
                    "member": r["ags"],
                    "member_name": r["short_name"],
                    "state": r["state_name"],
                    "role": "participant",
                    "size_class": size_class(int(r["population"])),
                    "strain": ";".join(f"{t}={levels[t]}" for t in TOPICS),
                    "topics": ";".join(interests),
                    "languages": "de" if rng.random() < 0.7 else "de;en",
                }
            )
    # facilitators: at most one per member, spread over members at random
    by_member: dict[str, list[int]] = {}
    for i, row in enumerate(out):
        by_member.setdefault(row["member"], []).append(i)
    for ags in rng.sample(sorted(by_member), facilitators):
        out[rng.choice(by_member[ags])]["role"] = "facilitator"
    path = HERE / "data" / "meeting_300.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(out[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)
    print(
        f"wrote {path}: {len(out)} participants, {len(chosen)} members, "
        f"{len({r['state_ags'] for r in chosen})} states, {facilitators} facilitators"
    )


if __name__ == "__main__":
    main()
