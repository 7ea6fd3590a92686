"""Realistic instances: optimal vs LP bound, time, peak memory; greedy, quota, random and a
plain PuLP + CBC model side by side (bench/allocation/README.md).

    .venv/bin/python bench/allocation/realistic_bench.py --scale alliance --time-limit 10 --pulp
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import generate

from hafennetz.engines.allocation.checker import check
from hafennetz.engines.allocation.control import Budget
from hafennetz.engines.allocation.engine import allocate
from hafennetz.engines.allocation.keys import target_shares
from hafennetz.engines.allocation.model import HARD_FLAGS, Instance
from hafennetz.engines.allocation.scoring import evaluate, household_parts


def metrics(instance: Instance, assignment: dict[str, str | None]) -> dict[str, float]:
    by_ags = {m.ags: m for m in instance.municipalities}
    soft_total = soft_met = 0
    med_total = med_met = bf_total = bf_met = 0
    persons: dict[str, int] = defaultdict(int)
    for h in instance.households:
        ags = assignment.get(h.case_id)
        offers = by_ags[ags].offers if ags else frozenset()
        soft = h.flags - HARD_FLAGS
        soft_total += len(soft)
        soft_met += len(soft & offers)
        med = h.flags & {"dialysis", "trauma_therapy"}
        if med:
            med_total += 1
            med_met += bool(ags) and med <= offers
        if "barrier_free" in h.flags:
            bf_total += 1
            bf_met += bool(ags) and "barrier_free" in offers
        if ags:
            persons[ags] += h.size
    shares = target_shares(instance) or {}
    placed = sum(persons.values())
    dev = sum(abs(persons.get(a, 0) - s * placed) for a, s in shares.items())
    return {
        "placed_households": sum(1 for v in assignment.values() if v),
        "soft_needs_met_pct": 100 * soft_met / max(soft_total, 1),
        "medical_met_pct": 100 * med_met / max(med_total, 1),
        "barrier_free_met_pct": 100 * bf_met / max(bf_total, 1),
        "key_misplaced_pct": 100 * dev / 2 / max(placed, 1),
    }


def run_pulp(instance: Instance, time_limit: float) -> tuple[dict[str, str | None], float, float]:
    """The same objective written plainly: one binary per feasible household x municipality."""
    import pulp

    t0 = time.monotonic()
    w = instance.weights
    munis = instance.municipalities
    prob = pulp.LpProblem("allocation", pulp.LpMaximize)
    x = {}
    obj = []
    use: dict[tuple[str, str], list] = defaultdict(list)
    persons_at: dict[str, list] = defaultdict(list)
    for h in instance.households:
        need = h.resource_needs()
        for m in munis:
            if (h.flags & HARD_FLAGS) <= m.offers and all(
                m.capacity(r) >= v for r, v in need.items() if v
            ):
                v = pulp.LpVariable(f"x_{h.case_id}_{m.ags}", cat="Binary")
                x[h.case_id, m.ags] = v
                val = sum(household_parts(h, m, w, instance.hard_flags).values())
                obj.append((val + w.unplaced_per_person * h.size) * v)
                for r, amount in need.items():
                    if amount:
                        use[m.ags, r].append(amount * v)
                persons_at[m.ags].append(h.size * v)
    by_h: dict[str, list] = defaultdict(list)
    for (c, _a), v in x.items():
        by_h[c].append(v)
    for c, vs in by_h.items():
        prob += pulp.lpSum(vs) <= 1, f"one_{c}"
    by_ags = {m.ags: m for m in munis}
    for (a, r), terms in use.items():
        prob += pulp.lpSum(terms) <= by_ags[a].capacity(r), f"cap_{a}_{r}"
    for h in instance.households:
        for link in h.links:
            if link.kind.value == "same_municipality":
                for m in munis:
                    prob += x.get((h.case_id, m.ags), 0) == x.get((link.other, m.ags), 0)
    shares = target_shares(instance)
    if shares and w.key_deviation_per_person > 0:
        total = pulp.LpVariable("placed_persons", lowBound=0)
        prob += total == pulp.lpSum(t for terms in persons_at.values() for t in terms)
        for m in munis:
            d = pulp.LpVariable(f"d_{m.ags}", lowBound=0)
            prob += pulp.lpSum(persons_at[m.ags]) - shares[m.ags] * total <= d
            prob += shares[m.ags] * total - pulp.lpSum(persons_at[m.ags]) <= d
            obj.append(-w.key_deviation_per_person * d)
    prob += pulp.lpSum(obj)
    build = time.monotonic() - t0
    left = max(1.0, time_limit - build)
    prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=left, threads=2))
    assignment: dict[str, str | None] = {h.case_id: None for h in instance.households}
    for (c, a), v in x.items():
        if v.value() is not None and v.value() > 0.5:
            assignment[c] = a
    return assignment, time.monotonic() - t0, build


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--scale", choices=["alliance", "state", "national"], required=True)
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pulp", action="store_true", help="also the plain PuLP + CBC model")
    p.add_argument("--pulp-time-limit", type=float, default=None)
    p.add_argument("--baselines", action="store_true", help="also greedy, quota, random")
    p.add_argument(
        "--baseline-methods",
        default="greedy,quota,random",
        help="which baselines (the greedy method builds all feasible arcs: ~10 GB nationally)",
    )
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    t0 = time.monotonic()
    instance = generate(args.scale, args.seed)
    gen_s = time.monotonic() - t0
    report: dict[str, object] = {
        "scale": args.scale,
        "households": len(instance.households),
        "municipalities": len(instance.municipalities),
        "key": instance.key.value,
        "generate_s": round(gen_s, 1),
    }
    runs: dict[str, dict[str, object]] = {}
    t = time.monotonic()
    opt = allocate(
        instance,
        method="optimal",
        seed=args.seed,
        # reproducible mode (ADR 0024): --time-limit reference seconds of work, cap 3x
        budget=Budget(work=args.time_limit, time_cap=3 * args.time_limit),
        explanations=False,
        log=lambda m: print(f"[{time.monotonic() - t:6.1f}] {m}", file=sys.stderr),
    )
    opt_s = time.monotonic() - t
    assert check(instance, opt.assignment).feasible
    runs["optimal"] = {
        "score": round(opt.score.total, 3),
        "bound": None if opt.bound is None else round(opt.bound, 3),
        "gap_pct": None if opt.gap is None else round(100 * opt.gap, 4),
        "time_s": round(opt_s, 1),
        "notes": list(opt.notes),
        **metrics(instance, dict(opt.assignment)),
    }
    report["peak_rss_mb_after_optimal"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0
    )
    report["runs"] = runs
    if args.out:  # written now too, so a later baseline running out of memory loses nothing
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    if args.baselines:
        for method in args.baseline_methods.split(","):
            t = time.monotonic()
            r = allocate(instance, method=method, seed=args.seed, explanations=False)
            runs[method] = {
                "score": round(r.score.total, 3),
                "time_s": round(time.monotonic() - t, 1),
                **metrics(instance, dict(r.assignment)),
            }
    if args.pulp:
        limit = args.pulp_time_limit or args.time_limit
        assignment, took, build = run_pulp(instance, limit)
        rep = check(instance, assignment)
        score = evaluate(instance, assignment).total
        runs["pulp_cbc"] = {
            "score": round(score, 3),
            "time_s": round(took, 1),
            "build_s": round(build, 1),
            "feasible": rep.feasible,
            **metrics(instance, assignment),
        }
    report["runs"] = runs
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
