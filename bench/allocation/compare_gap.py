"""GAP side by side, one instance after the other (issue 12): the product path through the CLI
(`hafennetz allocate --gap-instance F --time-limit T --out …`, default mode) against the plain
x_ij model handed to HiGHS (baseline_highs.py, 2 threads, same limit), plus the CLI's greedy
and PuLP + CBC when PuLP is installed.

Per instance, the contenders run one after the other (never in parallel; the order alternates
between instances) as child processes with their own resource usage. Every result is re-checked
here from its assignment file (each job exactly once, capacities) and re-costed from the
instance file; a result that fails the check counts as "no solution".

Deviation: from the best known value (shared instances in gap/, BEST_KNOWN.csv), else from the
best value any method found in this run (generated instances: no best known exists). The lower
bound is the better of the product's and HiGHS' bounds. Ratio = product deviation / plain
deviation (both 0: 1, "tie").

    .venv/bin/python bench/allocation/compare_gap.py --time-limit 60 \
        --set generated --set shared-de20 --out bench/allocation/results/compare_gap.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from benchutil import PYTHON, ROOT, child_env, cli_help, engine_snapshot, machine, run_child

HERE = Path(__file__).parent
SIZES = ("05100", "10100", "20100", "05200", "10200", "20200")
SETS = {
    "generated": sorted(
        str(p.relative_to(HERE))
        for p in (HERE / "data" / "generated").glob("g*")
        if p.name[1] in "cde" and not p.name.endswith("10400")
    ),
    "generated-small": [
        "data/generated/gc10400",
        "data/generated/gd10400",
        "data/generated/ge10400",
    ],
    "shared-de20": [
        "gap/chu1997/d20100",
        "gap/chu1997/d20200",
        "gap/yagiura2004/e20100",
        "gap/yagiura2004/e20200",
    ],
    "shared-de": [
        f"gap/chu1997/d{s}" for s in ("05100", "10100", "20100", "05200", "10200", "20200")
    ]
    + [f"gap/yagiura2004/e{s}" for s in ("05100", "10100", "20100", "05200", "10200", "20200")],
    "shared-abc": [
        f"gap/chu1997/{t}{s}"
        for t in "abc"
        for s in ("05100", "10100", "20100", "05200", "10200", "20200")
    ],
}


def read_instance(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """cost (m, n), use (m, n), capacity (m,) — parsed here, independently of the engine."""
    nums = np.array(path.read_text().split(), dtype=np.int64)
    m, n = int(nums[0]), int(nums[1])
    cost = nums[2 : 2 + m * n].reshape(m, n)
    use = nums[2 + m * n : 2 + 2 * m * n].reshape(m, n)
    cap = nums[2 + 2 * m * n : 2 + 2 * m * n + m]
    return cost, use, cap


def check_assignment(
    inst: tuple[np.ndarray, np.ndarray, np.ndarray], path: Path
) -> tuple[float | None, str]:
    """Cost of the `job,agent` CSV if it is a complete feasible assignment, else (None, why)."""
    cost, use, cap = inst
    m, n = cost.shape
    if not path.exists() or path.stat().st_size == 0:
        return None, "no assignment file"
    agent = np.full(n, -1)
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    for row in rows[1:]:
        j, i = int(row[0]), int(row[1])
        if not (0 <= j < n and 0 <= i < m) or agent[j] >= 0:
            return None, f"bad or repeated row {row}"
        agent[j] = i
    if np.any(agent < 0):
        return None, f"{int(np.sum(agent < 0))} jobs unassigned"
    used = np.bincount(agent, weights=use[agent, np.arange(n)], minlength=m)
    if np.any(used > cap + 1e-9):
        return None, f"capacity exceeded at {int(np.sum(used > cap))} agents"
    return float(cost[agent, np.arange(n)].sum()), "ok"


def best_known() -> dict[str, float]:
    rows = csv.DictReader((HERE / "gap" / "BEST_KNOWN.csv").open())
    return {f"gap/{r['file']}": float(r["min_best_known"]) for r in rows}


def _num(pattern: str, text: str) -> float | None:
    m = re.search(pattern, text, re.MULTILINE)
    return float(m.group(1)) if m else None


def run_product(f: Path, args, env, tmp: Path, method: str = "optimal") -> dict[str, object]:
    out = tmp / f"{f.name}.{method}.csv"
    cmd = [str(PYTHON), "-m", "hafennetz.cli", "allocate", "--gap-instance", str(f)]
    cmd += ["--time-limit", str(args.time_limit), "--out", str(out), "--quiet"]
    if method != "optimal":
        cmd += ["--method", method]
    cmd += args.cli_arg
    r = run_child(cmd, env, timeout=args.child_timeout or 2 * args.time_limit + 120)
    return {
        "cmd": " ".join(cmd[1:]).replace(str(ROOT) + "/", ""),
        "run": r,
        "file": out,
        "lower_bound": _num(r"^lower bound\s+(-?\d[\d.]*)", r.stdout),
        "status": (re.search(r"^cost\s+\S+\s+\((\w+)", r.stdout, re.MULTILINE) or [None, ""])[1],
    }


def run_plain(f: Path, args, env, tmp: Path, limit: float) -> dict[str, object]:
    out = tmp / f"{f.name}.plain.csv"
    js = tmp / f"{f.name}.plain.json"
    cmd = [str(PYTHON), str(HERE / "baseline_highs.py"), "gap", str(f)]
    cmd += ["--time-limit", f"{limit:.1f}", "--threads", "2"]
    cmd += ["--json", str(js), "--assignment", str(out)]
    r = run_child(cmd, env, timeout=2 * limit + 120)
    data = json.loads(js.read_text()) if js.exists() else {}
    return {
        "cmd": " ".join(cmd[1:]).replace(str(ROOT) + "/", ""),
        "run": r,
        "file": out,
        "lower_bound": data.get("lower_bound"),
        "status": data.get("highs_status", ""),
    }


def run_pulp(f: Path, args, env, tmp: Path) -> dict[str, object]:
    out = tmp / f"{f.name}.pulp.csv"
    code = (
        "import sys, numpy as np, pulp\n"
        "nums=np.array(open(sys.argv[1]).read().split(),dtype=np.int64);m,n=int(nums[0]),int(nums[1])\n"
        "c=nums[2:2+m*n].reshape(m,n);a=nums[2+m*n:2+2*m*n].reshape(m,n);b=nums[2+2*m*n:2+2*m*n+m]\n"
        "p=pulp.LpProblem('gap',pulp.LpMinimize)\n"
        "x=[[pulp.LpVariable(f'x_{i}_{j}',cat='Binary') for j in range(n)] for i in range(m)]\n"
        "p+=pulp.lpSum(int(c[i,j])*x[i][j] for i in range(m) for j in range(n))\n"
        "for j in range(n): p+=pulp.lpSum(x[i][j] for i in range(m))==1\n"
        "for i in range(m): p+=pulp.lpSum(int(a[i,j])*x[i][j] for j in range(n))<=int(b[i])\n"
        "p.solve(pulp.PULP_CBC_CMD(msg=False,timeLimit=float(sys.argv[2]),threads=2))\n"
        "with open(sys.argv[3],'w') as o:\n"
        " o.write('job,agent\\n')\n"
        " for i in range(m):\n"
        "  for j in range(n):\n"
        "   if (x[i][j].value() or 0)>0.5: o.write(f'{j},{i}\\n')\n"
    )
    cmd = [str(PYTHON), "-c", code, str(f), str(args.time_limit), str(out)]
    r = run_child(cmd, env, timeout=args.child_timeout or 2 * args.time_limit + 120)
    return {
        "cmd": "PuLP + CBC (inline model)",
        "run": r,
        "file": out,
        "lower_bound": None,
        "status": "",
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--set", action="append", default=[], choices=sorted(SETS))
    p.add_argument(
        "--instance", action="append", default=[], help="path relative to bench/allocation"
    )
    p.add_argument("--methods", default="product,plain,greedy,pulp")
    p.add_argument("--cli-arg", action="append", default=[], help="extra CLI flag (repeatable)")
    p.add_argument(
        "--no-plain-match-wall",
        dest="plain_match_wall",
        action="store_false",
        help="by default the product runs first and plain HiGHS gets max(limit, the product's "
        "wall time): the product's limit is a work budget, not seconds",
    )
    p.add_argument(
        "--child-timeout",
        type=float,
        default=None,
        help="kill a contender after this many wall seconds (default 2 x limit + 120)",
    )
    p.add_argument("--engine-commit", default="HEAD")
    p.add_argument("--engine-src", default=None, help="use this src/ as it is instead")
    p.add_argument("--out", type=Path, required=True, help="CSV; a .json with raw output beside")
    args = p.parse_args()
    names = list(args.instance)
    for s in args.set:
        names += [n for n in SETS[s] if n not in names]
    methods = args.methods.split(",")
    if "pulp" in methods:
        try:
            import pulp  # noqa: F401
        except ImportError:
            methods.remove("pulp")
            print("PuLP is not installed: PuLP + CBC left out", file=sys.stderr)
    src, label = engine_snapshot(args.engine_commit, args.engine_src)
    env = child_env(src)
    help_text = cli_help(src)
    header = {
        "machine": machine(),
        "engine": label,
        "time_limit": args.time_limit,
        "methods": methods,
        "cli_args": args.cli_arg,
        "cli_help_budget_lines": [
            ln.strip() for ln in help_text.splitlines() if re.search(r"budget|mode|wall", ln, re.I)
        ],
    }
    print(json.dumps(header, indent=1), file=sys.stderr, flush=True)
    known = best_known()
    rows: list[dict[str, object]] = []
    raw: list[dict[str, object]] = []
    tmp = Path(tempfile.mkdtemp(prefix="compare-gap-"))
    for idx, name in enumerate(names):
        f = HERE / name
        inst = read_instance(f)
        order = [mth for mth in ("product", "plain") if mth in methods]
        if idx % 2 and not args.plain_match_wall:
            order.reverse()
        order += [mth for mth in ("greedy", "pulp") if mth in methods]
        res: dict[str, dict[str, object]] = {}
        for mth in order:
            if mth == "product":
                res[mth] = run_product(f, args, env, tmp)
            elif mth == "greedy":
                res[mth] = run_product(f, args, env, tmp, method="greedy")
            elif mth == "plain":
                limit = args.time_limit
                if args.plain_match_wall and "product" in res:
                    limit = max(limit, res["product"]["run"].wall_s)  # type: ignore[union-attr]
                res[mth] = run_plain(f, args, env, tmp, limit)
                res[mth]["limit"] = limit
            else:
                res[mth] = run_pulp(f, args, env, tmp)
            value, why = check_assignment(inst, res[mth]["file"])  # type: ignore[arg-type]
            res[mth]["value"], res[mth]["check"] = value, why
            r = res[mth]["run"]
            print(
                f"{name} {mth}: value {value} ({why}), {r.wall_s} s wall, {r.cpu_s} s cpu, "
                f"exit {r.returncode}, load {r.load_start}-{r.load_end}",
                file=sys.stderr,
                flush=True,
            )
        values = [v["value"] for v in res.values() if v["value"] is not None]
        ref = known.get(name)
        ref_kind = "best known"
        if ref is None:
            ref, ref_kind = (min(values) if values else None), "best in run"
        bounds = [v["lower_bound"] for v in res.values() if v.get("lower_bound") is not None]
        lb = max(bounds) if bounds else None

        def dev(v: float | None, ref: float | None = ref) -> float | None:
            return None if v is None or ref is None else 100 * (v - ref) / ref

        dp, dq = dev(res.get("product", {}).get("value")), dev(res.get("plain", {}).get("value"))
        ratio: float | str | None = None
        if dp is not None and dq is not None:
            ratio = dp / dq if dq > 1e-12 else "tie" if dp <= 1e-12 else math.inf
        m_, n_ = inst[0].shape
        row: dict[str, object] = {
            "instance": name,
            "agents": m_,
            "jobs": n_,
            "reference": ref,
            "reference_kind": ref_kind,
            "lower_bound": lb,
            "ratio_product_plain": ratio
            if isinstance(ratio, str) or ratio is None
            else round(ratio, 3),
        }
        for mth, v in res.items():
            r = v["run"]
            d = dev(v["value"])  # type: ignore[arg-type]
            row[f"{mth}_value"] = v["value"]
            row[f"{mth}_dev_pct"] = None if d is None else round(d, 3)
            gap_lb = None if v["value"] is None or not lb else 100 * (v["value"] - lb) / lb
            row[f"{mth}_gap_to_bound_pct"] = None if gap_lb is None else round(gap_lb, 3)
            row[f"{mth}_status"] = (
                v["status"] if v["value"] is not None else f"NO SOLUTION: {v['check']}"
            )
            row[f"{mth}_wall_s"] = r.wall_s
            if "limit" in v:
                row[f"{mth}_limit_s"] = v["limit"]
            row[f"{mth}_cpu_s"] = r.cpu_s
            row[f"{mth}_rss_mb"] = r.peak_rss_mb
            row[f"{mth}_load"] = f"{r.load_start}-{r.load_end}"
            raw.append(
                {
                    "instance": name,
                    "method": mth,
                    "cmd": v["cmd"],
                    "returncode": r.returncode,
                    "stdout": r.stdout[-3000:],
                    "stderr": r.stderr[-3000:],
                }
            )
        rows.append(row)
        _write(args.out, rows, header, raw)
    _summary(rows)


def _write(out: Path, rows, header, raw) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fields: list[str] = []
    for r in rows:
        fields += [k for k in r if k not in fields]
    with out.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    header = dict(header, load_end=[round(x, 2) for x in __import__("os").getloadavg()])
    out.with_suffix(".json").write_text(
        json.dumps({"header": header, "rows": rows, "raw": raw}, indent=1, default=str) + "\n"
    )


def _summary(rows) -> None:
    ratios = [r["ratio_product_plain"] for r in rows]
    num = [x for x in ratios if isinstance(x, float) and math.isfinite(x)]
    ties = sum(1 for x in ratios if x == "tie")
    worse = sum(
        1
        for r in rows
        if r.get("product_dev_pct") is not None
        and r.get("plain_dev_pct") is not None
        and r["product_dev_pct"] > r["plain_dev_pct"] + 1e-9
    )
    none = [
        r["instance"] for r in rows if str(r.get("product_status", "")).startswith("NO SOLUTION")
    ]
    print(
        f"instances {len(rows)}; mean ratio product/plain over {len(num)} with plain dev > 0: "
        f"{(sum(num) / len(num)) if num else float('nan'):.3f}; ties {ties}; product worse than "
        f"plain on {worse}; product without a solution: {none or 'none'}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
