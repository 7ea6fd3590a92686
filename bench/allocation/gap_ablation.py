"""Same-run ablation on GAP instances: MIP + the previous tabu search (shift/swap, commit
8d17643) vs MIP + the current search (ejection chains, path relinking), same time split.

    .venv/bin/python bench/allocation/gap_ablation.py --old /tmp/old_gap_search.py \
        --only chu1997/d20 --search-share 0.5 --out bench/allocation/results/gap_d20_ablation.csv

`--old` is a copy of the previous gap_search.py (`git show 8d17643:src/hafennetz/engines/
allocation/gap_search.py`, with `from .core` replaced by `from hafennetz.engines.allocation.core`).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import subprocess
import time
from pathlib import Path

from hafennetz.engines.allocation import optimal
from hafennetz.engines.allocation.control import Budget, Control
from hafennetz.engines.allocation.core import core_objective, is_feasible
from hafennetz.engines.allocation.gap_io import gap_to_core, read_gap

HERE = Path(__file__).parent


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--old", type=Path, required=True)
    p.add_argument("--only", default="chu1997/d20")
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    spec = importlib.util.spec_from_file_location("old_gap_search", args.old)
    assert spec is not None and spec.loader is not None
    old = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    new_search = optimal.gap_search.tabu_search
    rows = list(csv.DictReader((HERE / "gap" / "BEST_KNOWN.csv").open()))
    out_rows = []
    for row in rows:
        if args.only not in row["file"]:
            continue
        problem = gap_to_core(read_gap(HERE / "gap" / row["file"]))
        best = float(row["min_best_known"])
        for label, search in (("old", old.tabu_search), ("new", new_search)):
            optimal.gap_search.tabu_search = search  # type: ignore[assignment]
            load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
            t0 = time.monotonic()
            # wall-clock mode: both searches get the same seconds (the old one counts none);
            # since ADR 0024 `--old` must take the current tabu_search(problem, start, *,
            # control, moves, seed) signature
            limit = args.time_limit
            budget = Budget(work=limit, time_cap=limit, wall_clock=True, threads=args.threads)
            res = optimal.solve_optimal(problem, control=Control(budget))
            elapsed = time.monotonic() - t0
            ok = is_feasible(problem, res.solution)
            cost = -core_objective(problem, res.solution) if ok else float("nan")
            out_rows.append(
                {
                    "instance": row["file"],
                    "search": label,
                    "best_known": row["min_best_known"],
                    "cost": f"{cost:.0f}",
                    "deviation_pct": f"{100 * (cost - best) / best:.3f}",
                    "time_s": f"{elapsed:.1f}",
                    "load_at_start": load.split("load average:")[-1].strip(),
                }
            )
            print(",".join(str(v) for v in out_rows[-1].values()), flush=True)
        optimal.gap_search.tabu_search = new_search
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out_rows[0]))
        w.writeheader()
        w.writerows(out_rows)


if __name__ == "__main__":
    main()
