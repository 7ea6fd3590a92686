"""Realistic scales side by side (issue 12): the product path through the CLI in its default
(reproducible) mode, `greedy` and `quota` through the CLI, and the plain MIP of the same score
handed to HiGHS (baseline_highs.py), per generated instance (generate.py, one seed each).

Each method runs as its own child process, one after the other, with the same time limit
(product: `--time-limit`, plain HiGHS: model building + solving); peak memory is the child's own
maximum resident set (os.wait4). Every assignment is re-scored here with the reference score
(scoring.evaluate) and checked with the independent checker, on the instance generated in this
process from the same scale and seed as the CSV files the CLI read.

Gaps, against the best upper bound of the run (the product's bound and HiGHS' dual bound are
both valid bounds on the same objective; the smaller is used):
* raw gap = (bound - score) / |bound|,
* gap on the gain = (bound - score) / (bound + u x all persons), u = 10 per unplaced person:
  the share of the attainable gain over placing nobody that is missed.

    .venv/bin/python bench/allocation/compare_realistic.py --scale alliance --seeds 0 1 2 3 4 \
        --time-limit 10 --out bench/allocation/results/compare_alliance.json
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from benchutil import PYTHON, ROOT, child_env, cli_help, engine_snapshot, machine, run_child

HERE = Path(__file__).parent
KEY = {"alliance": "population", "state": "koenigsteiner", "national": "pledges"}
KEY_WEIGHT = 0.05  # generate.py's ScoreWeights(key_deviation_per_person=0.05)


def metrics(instance, assignment: dict[str, str | None]) -> dict[str, float]:
    """Needs met and key deviation (same definitions as realistic_bench.py)."""
    from hafennetz.engines.allocation.keys import target_shares
    from hafennetz.engines.allocation.model import HARD_FLAGS

    by_ags = {m.ags: m for m in instance.municipalities}
    soft_total = soft_met = med_total = med_met = bf_total = bf_met = 0
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
        "placed_persons": placed,
        "soft_needs_met_pct": round(100 * soft_met / max(soft_total, 1), 2),
        "medical_met_pct": round(100 * med_met / max(med_total, 1), 2),
        "barrier_free_met_pct": round(100 * bf_met / max(bf_total, 1), 2),
        "key_misplaced_pct": round(100 * dev / 2 / max(placed, 1), 2),
    }


def read_assignment(path: Path) -> dict[str, str | None] | None:
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    ci, ai = header.index("case_id"), header.index("ags")
    return {r[ci]: (r[ai] or None) for r in rows[1:]}


def _num(pattern: str, text: str) -> float | None:
    m = re.search(pattern, text, re.MULTILINE)
    return float(m.group(1)) if m else None


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--scale", choices=sorted(KEY), required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--time-limit", type=float, required=True)
    p.add_argument("--methods", default="optimal,plain,greedy,quota")
    p.add_argument("--repeat-product", action="store_true", help="run it twice: byte-identical?")
    p.add_argument("--cli-arg", action="append", default=[], help="extra CLI flag (repeatable)")
    p.add_argument("--plain-max-gb", type=float, default=12.0)
    p.add_argument(
        "--no-plain-match-wall",
        dest="plain_match_wall",
        action="store_false",
        help="by default plain HiGHS gets max(limit, the product's wall time incl. reading and "
        "explaining): the product's limit is a work budget, not seconds",
    )
    p.add_argument(
        "--child-timeout",
        type=float,
        default=None,
        help="kill a contender after this many wall seconds (default 3 x limit + 600); under "
        "heavy load the national product needs more than that for reading and explaining",
    )
    p.add_argument("--engine-commit", default="HEAD")
    p.add_argument("--engine-src", default=None)
    p.add_argument(
        "--lp-bound",
        action="store_true",
        help="after the contenders, the LP relaxation of the plain model (no time pressure, "
        "not a contender) as a reference bound",
    )
    p.add_argument(
        "--lp-bound-only",
        action="store_true",
        help="add the LP bound to an existing --out file (same scale and seeds) and re-score",
    )
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    if args.lp_bound_only:
        _add_lp_bounds(args)
        return
    src, label = engine_snapshot(args.engine_commit, args.engine_src)
    sys.path.insert(0, str(src))  # this process scores with the engine under test, too
    from generate import generate

    from hafennetz.engines.allocation.checker import check
    from hafennetz.engines.allocation.scoring import evaluate

    env = child_env(src)
    methods = args.methods.split(",")
    help_text = cli_help(src)
    report: dict[str, object] = {
        "machine": machine(),
        "engine": label,
        "scale": args.scale,
        "time_limit": args.time_limit,
        "cli_args": args.cli_arg,
        "cli_help_budget_lines": [
            ln.strip() for ln in help_text.splitlines() if re.search(r"budget|mode|wall", ln, re.I)
        ],
        "runs": [],
    }
    runs: list[dict[str, object]] = report["runs"]  # type: ignore[assignment]
    tmp = Path(tempfile.mkdtemp(prefix=f"compare-{args.scale}-"))
    for seed in args.seeds:
        d = tmp / f"seed{seed}"
        gen_cmd = [str(PYTHON), str(HERE / "generate.py"), "--scale", args.scale]
        gen_cmd += ["--seed", str(seed), "--out", str(d)]
        gen = run_child(gen_cmd, env, timeout=1800)
        if gen.returncode != 0:
            runs.append({"seed": seed, "error": "generate failed", "stderr": gen.stderr[-2000:]})
            continue
        instance = generate(args.scale, seed)
        persons = sum(h.size for h in instance.households)
        u = instance.weights.unplaced_per_person
        entry: dict[str, object] = {
            "seed": seed,
            "households": len(instance.households),
            "municipalities": len(instance.municipalities),
            "persons": persons,
            "methods": {},
        }
        runs.append(entry)
        res: dict[str, dict[str, object]] = entry["methods"]  # type: ignore[assignment]
        order = list(methods)
        if args.repeat_product and "optimal" in order:
            order.insert(order.index("optimal") + 1, "optimal_repeat")
        for mth in order:
            out = d / f"{mth}.csv"
            if mth == "plain":
                js = d / "plain.json"
                cmd = [str(PYTHON), str(HERE / "baseline_highs.py"), "realistic"]
                cmd += ["--scale", args.scale, "--seed", str(seed)]
                limit = args.time_limit
                if args.plain_match_wall and "optimal" in res:
                    limit = max(limit, float(res["optimal"]["wall_s"]))  # type: ignore[arg-type]
                cmd += ["--time-limit", f"{limit:.1f}", "--threads", "2"]
                cmd += ["--json", str(js), "--assignment", str(out)]
                cmd += ["--max-gb", str(args.plain_max_gb)]
            else:
                method = "optimal" if mth.startswith("optimal") else mth
                cmd = [str(PYTHON), "-m", "hafennetz.cli", "allocate"]
                cmd += ["--households", str(d / "households.csv")]
                cmd += ["--municipalities", str(d / "municipalities.csv")]
                if (d / "outcomes.csv").exists():
                    cmd += ["--outcomes", str(d / "outcomes.csv")]
                cmd += ["--key", KEY[args.scale], "--key-weight", str(KEY_WEIGHT)]
                cmd += ["--method", method, "--seed", str(seed), "--out", str(out), "--quiet"]
                if method == "optimal":
                    cmd += ["--time-limit", str(args.time_limit)]
                cmd += args.cli_arg
            r = run_child(cmd, env, timeout=args.child_timeout or 3 * args.time_limit + 600)
            row: dict[str, object] = {
                "cmd": " ".join(cmd[1:]).replace(str(ROOT) + "/", "").replace(str(tmp), "$TMP"),
                "exit": r.returncode,
                "wall_s": r.wall_s,
                "cpu_s": r.cpu_s,
                "peak_rss_mb": r.peak_rss_mb,
                "load": f"{r.load_start}-{r.load_end}",
            }
            if mth == "plain":
                js = d / "plain.json"
                data = json.loads(js.read_text()) if js.exists() else {}
                row["bound"] = data.get("bound")
                row["highs"] = {
                    k: data.get(k)
                    for k in (
                        "highs_status",
                        "status",
                        "reason",
                        "build_s",
                        "solve_s",
                        "x_binaries",
                        "rows",
                        "nonzeros",
                        "model_minus_reference",
                    )
                    if k in data
                }
            else:
                row["bound"] = _num(r"^bound\s+(-?\d[\d.]*)", r.stdout)
                row["cli_score"] = _num(r"^score\s+(-?\d[\d.]*)", r.stdout)
                row["stdout"] = r.stdout[-1500:]
                if r.returncode != 0:
                    row["stderr"] = r.stderr[-1500:]
            assignment = read_assignment(out)
            if assignment is not None and any(assignment.values()):
                row["score"] = round(evaluate(instance, assignment).total, 3)
                rep = check(instance, assignment)
                row["violations"] = len(rep.violations)
                row["hard_needs_unmet"] = len(rep.unmet_hard_flags)
                row.update(metrics(instance, assignment))
                row["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
            else:
                row["score"] = None
            res[mth] = row
            print(
                f"{args.scale} seed {seed} {mth}: score {row['score']} bound {row['bound']} "
                f"{r.wall_s} s, {r.peak_rss_mb} MB, exit {r.returncode}, load {row['load']}",
                file=sys.stderr,
                flush=True,
            )
            _finish(entry, persons, u)
            _write(args.out, report)
        if "optimal_repeat" in res and "optimal" in res:
            entry["product_repeat_identical"] = res["optimal"].get("sha256") == res[
                "optimal_repeat"
            ].get("sha256")
        if args.lp_bound:
            _lp_bound(entry, args, env, d)
        _finish(entry, persons, u)
        _write(args.out, report)
    report["load_end"] = [round(x, 2) for x in os.getloadavg()]
    _write(args.out, report)
    _print_summary(runs)


def _lp_bound(entry: dict[str, object], args, env, d: Path) -> None:
    js = d / "lp.json"
    cmd = [str(PYTHON), str(HERE / "baseline_highs.py"), "realistic", "--relax"]
    cmd += ["--scale", args.scale, "--seed", str(entry["seed"]), "--time-limit", "1800"]
    cmd += ["--json", str(js), "--max-gb", str(args.plain_max_gb)]
    r = run_child(cmd, env, timeout=2400)
    data = json.loads(js.read_text()) if js.exists() else {}
    entry["lp_bound"] = data.get("bound")
    entry["lp_bound_run"] = {
        "wall_s": r.wall_s,
        "peak_rss_mb": r.peak_rss_mb,
        "status": data.get("highs_status"),
        "load": f"{r.load_start}-{r.load_end}",
    }
    print(f"seed {entry['seed']}: LP bound {entry['lp_bound']} ({r.wall_s} s)", file=sys.stderr)


def _add_lp_bounds(args) -> None:
    report = json.loads(args.out.read_text())
    src, _label = engine_snapshot(args.engine_commit, args.engine_src)
    env = child_env(src)
    tmp = Path(tempfile.mkdtemp(prefix="lp-bound-"))
    for entry in report["runs"]:
        if "methods" not in entry or entry.get("lp_bound") is not None:
            continue
        _lp_bound(entry, args, env, tmp)
        _finish(entry, int(entry["persons"]), 10.0)
        _write(args.out, report)
    _print_summary(report["runs"])


def _finish(entry: dict[str, object], persons: int, u: float) -> None:
    res: dict[str, dict[str, object]] = entry["methods"]  # type: ignore[assignment]
    bounds = [v["bound"] for v in res.values() if isinstance(v.get("bound"), (int, float))]
    if isinstance(entry.get("lp_bound"), (int, float)):
        bounds.append(entry["lp_bound"])  # type: ignore[arg-type]
    bound = min(bounds) if bounds else None
    entry["best_bound"] = bound
    for v in res.values():
        s = v.get("score")
        if bound is None or not isinstance(s, (int, float)):
            v["gap_raw_pct"] = v["gap_gain_pct"] = None
            continue
        v["gap_raw_pct"] = round(100 * (bound - s) / max(abs(bound), 1.0), 4)
        v["gap_gain_pct"] = round(100 * (bound - s) / (bound + u * persons), 4)
    g_opt = res.get("optimal", {}).get("gap_gain_pct")
    g_plain = res.get("plain", {}).get("gap_gain_pct")
    entry["ratio_gain_gap_product_plain"] = (
        round(g_opt / g_plain, 4)
        if isinstance(g_opt, float) and isinstance(g_plain, float) and g_plain > 0
        else None
    )


def _write(out: Path, report) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")


def _print_summary(runs) -> None:
    for e in runs:
        if "methods" not in e:
            continue
        parts = [f"seed {e['seed']}: bound {e.get('best_bound')}"]
        for mth, v in e["methods"].items():
            parts.append(
                f"{mth} score {v.get('score')} gap {v.get('gap_raw_pct')} % "
                f"(gain {v.get('gap_gain_pct')} %) {v['wall_s']} s {v['peak_rss_mb']} MB"
            )
        print("; ".join(parts), file=sys.stderr)


if __name__ == "__main__":
    main()
