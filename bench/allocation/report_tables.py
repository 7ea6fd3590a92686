"""Markdown tables for RESULTS.md from the JSON files of compare_gap.py / compare_realistic.py.

.venv/bin/python bench/allocation/report_tables.py bench/allocation/results/compare_gap.json
.venv/bin/python bench/allocation/report_tables.py bench/allocation/results/compare_alliance.json
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path


def _f(v: object, digits: int = 3) -> str:
    if v is None or v == "":
        return "–"
    if isinstance(v, float):
        if math.isinf(v):
            return "∞"
        return f"{v:,.{digits}f}"
    return str(v)


def _ratio(r: dict) -> float | None:
    a, b = r.get("product_gap_to_bound_pct"), r.get("plain_gap_to_bound_pct")
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or b <= 0:
        return None
    return a / b


def gap_table(data: dict) -> str:
    h = data["header"]
    out = [
        f"Engine {h['engine']}; {h['machine']['nproc']} x {h['machine']['cpu']}, "
        f"{h['machine']['date_utc']} UTC, load at start {h['machine']['load_start']}, "
        f"at end {h.get('load_end')}; limit {h['time_limit']} s; CLI flags {h['cli_args'] or '-'}.",
        "",
        "| instance | m x n | reference | best lower bound | product | dev % | gap to bound % "
        "| plain HiGHS | dev % | gap to bound % | ratio of dev | ratio of gaps | greedy "
        "| product s "
        "| plain s | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    capped = {
        x["instance"]
        for x in data.get("raw", [])
        if x["method"] == "product" and "time_cap" in x.get("stdout", "")
    }
    for r in data["rows"]:
        prod = r.get("product_value")
        plain = r.get("plain_value")
        out.append(
            f"| {r['instance'].split('/')[-1]} | {r['agents']}x{r['jobs']} | "
            f"{_f(r['reference'], 0)} ({r['reference_kind']}) | {_f(r['lower_bound'], 1)} | "
            f"{_f(prod, 0) if prod is not None else '**none**'} | {_f(r.get('product_dev_pct'))} | "
            f"{_f(r.get('product_gap_to_bound_pct'))} | "
            f"{_f(plain, 0) if plain is not None else '**none**'} | "
            f"{_f(r.get('plain_dev_pct'))} | {_f(r.get('plain_gap_to_bound_pct'))} | "
            f"{_f(r.get('ratio_product_plain'))} | {_f(_ratio(r))} | "
            f"{_f(r.get('greedy_value'), 0) if r.get('greedy_value') is not None else 'none'} | "
            f"{_f(r.get('product_wall_s'), 1)}{' (cap)' if r['instance'] in capped else ''} | "
            f"{_f(r.get('plain_wall_s'), 1)} | "
            f"{r.get('product_load', '')} / {r.get('plain_load', '')} |"
        )
    ratios = [
        x for x in (r.get("ratio_product_plain") for r in data["rows"]) if isinstance(x, float)
    ]
    fin = [x for x in ratios if math.isfinite(x)]
    ties = sum(1 for r in data["rows"] if r.get("ratio_product_plain") == "tie")
    gr = [x for x in (_ratio(r) for r in data["rows"]) if x is not None]
    out.append("")
    out.append(
        f"Mean ratio of the gaps to the best bound over {len(gr)} instances: "
        f"{(sum(gr) / len(gr)) if gr else float('nan'):.3f}. "
        f"Mean ratio of deviations over the {len(fin)} instances with a finite ratio: "
        f"{(sum(fin) / len(fin)) if fin else float('nan'):.3f}; ties: {ties}; "
        f"infinite (plain at the reference, product not): {len(ratios) - len(fin)}."
    )
    return "\n".join(out)


def realistic_table(data: dict) -> str:
    m = data["machine"]
    out = [
        f"Engine {data['engine']}; scale {data['scale']}, limit {data['time_limit']} s; "
        f"{m['nproc']} x {m['cpu']}, {m['date_utc']} UTC, load at start {m['load_start']}, "
        f"at end {data.get('load_end')}; CLI flags {data['cli_args'] or '-'}.",
        "",
        "| seed | method | score | best bound | raw gap % | gap on gain % | placed | soft needs "
        "| medical | barrier-free | off key % | wall s | peak MB | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for e in data["runs"]:
        if "methods" not in e:
            out.append(f"| {e['seed']} | error: {e.get('error')} |")
            continue
        for mth, v in e["methods"].items():
            status = ""
            if v.get("score") is None:
                hs = v.get("highs", {})
                status = f"**no solution** ({hs.get('highs_status') or hs.get('status', '')})"
            out.append(
                f"| {e['seed']} | {mth} | {status or _f(v.get('score'), 1)} | "
                f"{_f(e.get('best_bound'), 1)} | {_f(v.get('gap_raw_pct'), 2)} | "
                f"{_f(v.get('gap_gain_pct'), 3)} | {_f(v.get('placed_households'))} | "
                f"{_f(v.get('soft_needs_met_pct'), 1)} | {_f(v.get('medical_met_pct'), 1)} | "
                f"{_f(v.get('barrier_free_met_pct'), 1)} | {_f(v.get('key_misplaced_pct'), 1)} | "
                f"{_f(v.get('wall_s'), 1)} | {_f(v.get('peak_rss_mb'), 0)} | {v.get('load')} |"
            )
        if "product_repeat_identical" in e:
            out.append(
                f"| {e['seed']} | repeat identical? | **{e['product_repeat_identical']}** |"
                + " |" * 11
            )
    return "\n".join(out)


def main() -> None:
    for arg in sys.argv[1:]:
        data = json.loads(Path(arg).read_text())
        print(gap_table(data) if "rows" in data else realistic_table(data))
        print()


if __name__ == "__main__":
    main()
