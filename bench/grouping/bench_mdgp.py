"""Benchmark 2: MDGPLIB instances through the planner's core (`solve_mdgp`, the same search as
`plan`).

Part A — n <= 12 (80 instances, Geo and RanReal, ss and ds): value against the exact optimum.
Part B — n = 30 … 240 (a selection, see instances/mdgp/README.md): the planner's search side by
side with a plain CP-SAT model and with random start + swap local search, each with the same
time limit and one thread, in the same run.

    .venv/bin/python bench/grouping/bench_mdgp.py small [--time-limit 2]
    .venv/bin/python bench/grouping/bench_mdgp.py large [--scale 1]   # limits: 10/10/20/30 s by n
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
import time
from pathlib import Path

import numpy as np
from ortools.sat.python import cp_model

from hafennetz.engines.grouping.mdgp import MdgpInstance, read_mdgp, solve_mdgp, value

HERE = Path(__file__).parent
INSTANCES = HERE / "instances" / "mdgp"
LIMITS = {30: 10.0, 60: 10.0, 120: 20.0, 240: 30.0}


def optimum_table() -> dict[str, float]:
    with (INSTANCES / "BEST_KNOWN.csv").open(encoding="utf-8") as fh:
        return {row["file"]: float(row["optimum"]) for row in csv.DictReader(fh) if row["optimum"]}


def cp_sat(inst: MdgpInstance, time_limit: float, seed: int = 0) -> tuple[float, float, float]:
    """Plain model: x[i,g] one group each, sizes in bounds, y[i,j,g] <= x[i,g], x[j,g];
    maximise sum d_ij y_ijg (d scaled by 1000). Returns (value, bound, build seconds)."""
    started = time.perf_counter()
    n, k = inst.n, len(inst.lo)
    m = cp_model.CpModel()
    x = [[m.new_bool_var(f"x{i}_{g}") for g in range(k)] for i in range(n)]
    for i in range(n):
        m.add_exactly_one(x[i])
    for g in range(k):
        m.add_linear_constraint(sum(x[i][g] for i in range(n)), inst.lo[g], inst.hi[g])
    terms = []
    for i, j in itertools.combinations(range(n), 2):
        c = round(inst.d[i][j] * 1000)
        if c <= 0:
            continue
        for g in range(k):
            y = m.new_bool_var("")
            m.add_implication(y, x[i][g])
            m.add_implication(y, x[j][g])
            terms.append(c * y)
    m.maximize(sum(terms))
    build = time.perf_counter() - started
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return float("nan"), solver.best_objective_bound / 1000, build
    groups = [next(g for g in range(k) if solver.boolean_value(x[i][g])) for i in range(n)]
    return value(inst, groups), solver.best_objective_bound / 1000, build


def random_swap_ls(inst: MdgpInstance, time_limit: float, seed: int = 0) -> tuple[float, int]:
    """Random feasible start, first-improvement swap local search to a local optimum, restart;
    the best local optimum within the time limit. Returns (value, restarts)."""
    rng = random.Random(seed)
    n, k = inst.n, len(inst.lo)
    d = np.asarray(inst.d)
    started = time.perf_counter()
    best = -np.inf
    restarts = 0
    while time.perf_counter() - started < time_limit:
        sizes = list(inst.lo)
        spare = n - sum(sizes)
        while spare:
            g = rng.randrange(k)
            if sizes[g] < inst.hi[g]:
                sizes[g] += 1
                spare -= 1
        labels = [g for g in range(k) for _ in range(sizes[g])]
        rng.shuffle(labels)
        grp = np.array(labels)
        onehot = np.zeros((n, k))
        onehot[np.arange(n), grp] = 1.0
        a = d @ onehot  # a[i, g] = sum of d between i and the members of g
        improved = True
        while improved and time.perf_counter() - started < time_limit:
            improved = False
            order = list(range(n))
            rng.shuffle(order)
            for x in order:
                gx = grp[x]
                # gain of swapping x with every y in another group
                gy = grp
                gain = a[x, gy] - a[x, gx] + a[np.arange(n), gx] - a[np.arange(n), gy] - 2 * d[x]
                gain[gy == gx] = -np.inf
                y = int(np.argmax(gain))
                if gain[y] > 1e-9:
                    g, h = gx, grp[y]
                    a[:, g] += d[y] - d[x]
                    a[:, h] += d[x] - d[y]
                    grp[x], grp[y] = h, g
                    improved = True
        restarts += 1
        best = max(best, value(inst, tuple(int(v) for v in grp)))
    return float(best), restarts


def small(args: argparse.Namespace) -> None:
    optimum = optimum_table()
    files = sorted(f for f in optimum if int(f.split("_n")[1][:3]) <= 12)
    optimal = 0
    worst = 0.0
    total_secs = 0.0
    for name in files:
        inst = read_mdgp(INSTANCES / name)
        sol = solve_mdgp(inst, seed=args.seed, time_limit=args.time_limit)
        gap = (optimum[name] - sol.value) / optimum[name]
        optimal += abs(sol.value - optimum[name]) < 1e-3  # optima are given to 3 decimals
        worst = max(worst, gap)
        total_secs += sol.seconds
        if gap > 1e-9:
            print(f"  {name}: {sol.value:.3f} vs optimum {optimum[name]:.3f}", flush=True)
    print(
        f"n <= 12: optimal on {optimal} of {len(files)} instances, "
        f"largest gap {100 * worst:.3f} %, "
        f"mean {total_secs / len(files):.2f} s per instance (limit {args.time_limit} s)"
    )


def large(args: argparse.Namespace) -> None:
    files = sorted(f for f in all_files() if int(f.split("_n")[1][:3]) >= 30)
    print(
        "| instance | n | groups | limit s | planner search | plain CP-SAT (bound) "
        "| random start + swap LS (restarts) | planner / best other |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for name in files:
        inst = read_mdgp(INSTANCES / name)
        limit = LIMITS[inst.n] * args.scale
        ours = solve_mdgp(inst, seed=args.seed, time_limit=limit, patience=10**9).value
        cp_value, cp_bound, build = cp_sat(inst, limit, args.seed)
        ls_value, restarts = random_swap_ls(inst, limit, args.seed)
        other = max(v for v in (cp_value, ls_value) if v == v)
        ratios.append(ours / other)
        print(
            f"| {name} | {inst.n} | {len(inst.lo)} | {limit:.0f} | {ours:.1f} | "
            f"{cp_value:.1f} ({cp_bound:.0f}; build {build:.0f} s) | {ls_value:.1f} ({restarts}) | "
            f"{ours / other:.4f} |",
            flush=True,
        )
    print(
        f"\nmean ratio planner / best other: {sum(ratios) / len(ratios):.4f}, min {min(ratios):.4f}"
    )


def all_files() -> list[str]:
    with (INSTANCES / "BEST_KNOWN.csv").open(encoding="utf-8") as fh:
        return [row["file"] for row in csv.DictReader(fh)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("part", choices=("small", "large"))
    ap.add_argument(
        "--time-limit", type=float, default=2.0, help="part small: seconds per instance"
    )
    ap.add_argument("--scale", type=float, default=1.0, help="part large: multiply the limits")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    small(args) if args.part == "small" else large(args)


if __name__ == "__main__":
    main()
