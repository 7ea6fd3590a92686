"""Dynamic mode: a simulated year of 52 weekly batches at alliance scale against annual
capacities; share of the hindsight optimum for the `potentials` and `myopic` policies.

    .venv/bin/python bench/allocation/dynamic_bench.py --weeks 52 \
        --out bench/allocation/results/dynamic.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import generate

from hafennetz.engines.allocation.checker import check
from hafennetz.engines.allocation.dynamic import allocate_dynamic


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--weeks", type=int, default=52)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-time-limit", type=float, default=5.0)
    p.add_argument("--hindsight-time-limit", type=float, default=60.0)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    # the year's arrivals, and last year's arrivals as the forecast (same distribution)
    instance = generate("alliance", args.seed, outcomes=False)
    instance = replace(instance, weights=replace(instance.weights, key_deviation_per_person=0.0))
    forecast = generate("alliance", args.seed + 1, outcomes=False, prefix="F").households
    ids = [h.case_id for h in instance.households]
    size = -(-len(ids) // args.weeks)
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    # share on the gain over placing nobody: the score carries -penalty x every unplaced person
    offset = instance.weights.unplaced_per_person * sum(h.size for h in instance.households)
    report: dict[str, object] = {
        "households": len(ids),
        "weeks": len(batches),
        "persons": sum(h.size for h in instance.households),
        "share_definition": "(score + unplaced_per_person * all persons) / (hindsight + same)",
    }
    for policy in ("potentials", "myopic"):
        t0 = time.monotonic()
        res = allocate_dynamic(
            instance,
            batches,
            forecast=forecast,
            policy=policy,
            seed=args.seed,
            time_limit_per_batch=args.batch_time_limit,
            hindsight_time_limit=args.hindsight_time_limit if policy == "potentials" else 0,
        )
        assert check(instance, res.assignment).feasible
        if policy == "potentials":
            report["hindsight_score"] = res.hindsight_score
        hind = report["hindsight_score"]
        assert isinstance(hind, float)
        report[policy] = {
            "score": round(res.score.total, 3),
            "placed": sum(1 for v in res.assignment.values() if v),
            "share_of_hindsight_gain_pct": round(
                100 * (res.score.total + offset) / (hind + offset), 2
            ),
            "raw_score_ratio": round(res.score.total / hind, 4),
            "time_s": round(time.monotonic() - t0, 1),
        }
        print(policy, report[policy], flush=True)
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
