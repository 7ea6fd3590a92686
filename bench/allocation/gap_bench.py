"""GAP benchmark: value against best known and time, per instance (bench/allocation/README.md).

    .venv/bin/python bench/allocation/gap_bench.py --time-limit 60 --threads 2 \
        --out bench/allocation/results/gap_highs.csv
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import time
from pathlib import Path

from hafennetz.engines.allocation.control import Budget, Control
from hafennetz.engines.allocation.core import core_objective, is_feasible
from hafennetz.engines.allocation.gap_io import gap_to_core, read_gap
from hafennetz.engines.allocation.optimal import solve_optimal

HERE = Path(__file__).parent
TARGET = {"a": 0.1, "b": 0.1, "c": 0.1, "e": 0.1, "d": 0.3}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--wall-clock", action="store_true", help="old mode: stop on the clock")
    p.add_argument("--only", default="", help="substring filter on the instance path")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    rows = list(csv.DictReader((HERE / "gap" / "BEST_KNOWN.csv").open()))
    out_rows = []
    for row in rows:
        if args.only not in row["file"]:
            continue
        gap = read_gap(HERE / "gap" / row["file"])
        problem = gap_to_core(gap)
        uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout
        t0 = time.monotonic()
        # the product path (ADR 0024): work budget of --time-limit reference seconds, safety
        # cap 3x; --wall-clock: stop at the time limit
        budget = (
            Budget(work=args.time_limit, time_cap=args.time_limit, wall_clock=True,
                   threads=args.threads)
            if args.wall_clock
            else Budget(work=args.time_limit, time_cap=3 * args.time_limit, threads=args.threads)
        )  # fmt: skip
        res = solve_optimal(problem, control=Control(budget))
        elapsed = time.monotonic() - t0
        ok = is_feasible(problem, res.solution)
        cost = -core_objective(problem, res.solution) if ok else float("nan")
        best = float(row["min_best_known"])
        dev = 100 * (cost - best) / best
        name = row["file"].split("/")[-1]
        family = name[0] if row["file"].startswith(("chu", "yagiura")) else "orlib"
        target = TARGET.get(family, 0.1)
        out_rows.append(
            {
                "instance": row["file"],
                "agents": row["agents"],
                "jobs": row["jobs"],
                "best_known": row["min_best_known"],
                "cost": f"{cost:.0f}",
                "deviation_pct": f"{dev:.3f}",
                "lower_bound": "" if res.bound is None else f"{-res.bound:.1f}",
                "status": res.status,
                "time_s": f"{elapsed:.1f}",
                "target_pct": target,
                "met": "yes" if dev <= target + 1e-9 else "no",
                "load_at_start": uptime.split("load average:")[-1].strip(),
            }
        )
        print(",".join(str(v) for v in out_rows[-1].values()), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out_rows[0]))
        w.writeheader()
        w.writerows(out_rows)


if __name__ == "__main__":
    main()
