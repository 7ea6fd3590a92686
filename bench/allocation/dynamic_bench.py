"""Dynamic mode: a simulated year of 52 weekly batches at alliance scale against annual
capacities; share of the hindsight optimum for each policy.

    .venv/bin/python bench/allocation/dynamic_bench.py --weeks 52 \
        --out bench/allocation/results/dynamic.json

`--result-out F` also writes each policy's whole `DynamicResult.to_dict(timing=False)` (F with
the policy's name before the suffix when several policies run): no clock or load in it, so two
runs of the same command and engine can be compared byte for byte.

The evaluated year is generated with --seed, the forecast ("last year") with --seed + 1: the
forecast never sees the evaluated arrivals. `--tune-alpha` picks the dual scaling of
`potentials` on a tuning year (arrivals --seed + 2, same forecast), never on the evaluated year.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import generate
from research.dynamic_policies import ALL_POLICIES, policy_named

from hafennetz.engines.allocation.checker import check
from hafennetz.engines.allocation.control import Budget
from hafennetz.engines.allocation.dynamic import allocate_dynamic
from hafennetz.engines.allocation.model import Instance


def _year(seed: int, prefix: str = "H") -> Instance:
    instance = generate("alliance", seed, outcomes=False, prefix=prefix)
    return replace(instance, weights=replace(instance.weights, key_deviation_per_person=0.0))


def _batches(instance: Instance, weeks: int) -> list[list[str]]:
    ids = [h.case_id for h in instance.households]
    size = -(-len(ids) // weeks)
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S', time.gmtime())} {message}", file=sys.stderr, flush=True)


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--weeks", type=int, default=52)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--policies", nargs="+", default=list(ALL_POLICIES), choices=ALL_POLICIES)
    p.add_argument("--alpha", type=float, default=1.0, help="dual scaling of `potentials`")
    p.add_argument("--tune-alpha", type=float, nargs="*", help="grid, tuned on year seed + 2")
    p.add_argument("--no-learn", action="store_true", help="forecast = last year only")
    p.add_argument("--batch-time-limit", type=float, default=10.0)
    p.add_argument("--hindsight-time-limit", type=float, default=60.0)
    p.add_argument("--out", type=Path)
    p.add_argument("--result-out", type=Path, help="DynamicResult without timing (JSON)")
    args = p.parse_args()
    # the year's arrivals, and last year's arrivals as the forecast (same distribution)
    instance = _year(args.seed)
    forecast = _year(args.seed + 1, prefix="F").households
    batches = _batches(instance, args.weeks)
    # share on the gain over placing nobody: the score carries -penalty x every unplaced person
    offset = instance.weights.unplaced_per_person * sum(h.size for h in instance.households)
    report: dict[str, object] = {
        "households": len(instance.households),
        "weeks": len(batches),
        "persons": sum(h.size for h in instance.households),
        "share_definition": "(score + unplaced_per_person * all persons) / (hindsight + same)",
        "batch_time_limit_s": args.batch_time_limit,
        "learn": not args.no_learn,
        "load_start": _load(),
    }
    alpha = args.alpha
    if args.tune_alpha and "potentials" in args.policies:
        tuning = _year(args.seed + 2, prefix="T")
        t_off = tuning.weights.unplaced_per_person * sum(h.size for h in tuning.households)
        scores: dict[str, float] = {}
        for a in args.tune_alpha:
            res = allocate_dynamic(
                tuning,
                _batches(tuning, args.weeks),
                forecast=forecast,
                policy=policy_named("potentials", a),
                learn=not args.no_learn,
                seed=args.seed,
                batch_budget=Budget(work=args.batch_time_limit),
                hindsight=False,
            )
            scores[str(a)] = res.score.total
            print(f"tuning year, alpha {a}: score {res.score.total:.1f}", flush=True)
        alpha = float(max(scores, key=lambda a: scores[a]))
        report["alpha_tuning"] = {
            "year_seed": args.seed + 2,
            "gain_by_alpha": {a: round(s + t_off, 1) for a, s in scores.items()},
            "chosen": alpha,
        }
    hind: float | None = None
    hbound: float | None = None
    for policy in args.policies:
        t0 = time.monotonic()
        cpu0 = time.process_time()
        load0 = _load()
        res = allocate_dynamic(
            instance,
            batches,
            forecast=forecast,
            policy=policy_named(policy, alpha),
            learn=not args.no_learn,
            seed=args.seed,
            batch_budget=Budget(work=args.batch_time_limit),
            hindsight_budget=Budget(work=args.hindsight_time_limit),
            hindsight=hind is None,
            log=_log,  # one line per batch on stderr (a partial run shows how far it got)
        )
        assert check(instance, res.assignment).feasible
        entry: dict[str, object] = {}
        report["engine_version"] = res.engine_version
        if hind is None:
            assert res.hindsight_score is not None
            hind = res.hindsight_score
            hbound = res.hindsight_bound
            report["hindsight_score"] = hind
            report["hindsight_status"] = res.hindsight_status
            report["hindsight_bound"] = hbound
            if hbound is not None:
                report["hindsight_gap_of_gain_pct"] = round(
                    100 * (hbound - hind) / (hbound + offset), 3
                )
            entry["time_incl_hindsight_s"] = round(res.runtime_s, 1)
        entry.update(
            {
                "score": round(res.score.total, 3),
                "placed": sum(1 for v in res.assignment.values() if v),
                "share_of_hindsight_gain_pct": round(
                    100 * (res.score.total + offset) / (hind + offset), 2
                ),
                "share_of_bound_gain_pct": round(
                    100 * (res.score.total + offset) / (hbound + offset), 2
                )
                if hbound is not None
                else None,
                "time_s": round(time.monotonic() - t0, 1),
                "cpu_s": round(time.process_time() - cpu0, 1),
                "batches_at_time_limit": res.time_limited,
                "fallbacks_to_myopic": res.fallbacks,
                "look_ahead_lp_at_limit": res.lp_limited,
                "capped": res.capped,
                "reproducible": res.reproducible,
                "notes": list(res.notes),
                "load_start": load0,
                "load_end": _load(),
            }
        )
        if policy == "potentials":
            entry["alpha"] = alpha
        report[policy] = entry
        print(policy, entry, flush=True)
        if args.result_out:
            out = args.result_out
            if len(args.policies) > 1:
                out = out.with_name(f"{out.stem}_{policy}{out.suffix}")
            out.parent.mkdir(parents=True, exist_ok=True)
            data = json.dumps(res.to_dict(timing=False), indent=1, sort_keys=True)
            out.write_text(data + "\n", encoding="utf-8")
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
