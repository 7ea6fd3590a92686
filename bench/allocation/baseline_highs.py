"""The plain model an analyst would write, handed directly to highspy: the baseline of issue 12.

No engine heuristic, no start solution, no decomposition: one binary x_hm per feasible pair,
HiGHS defaults except `threads` and `time_limit`. Two models:

* `gap FILE`: OR-Library GAP (x_ij binary, each job to exactly one agent, capacity per agent,
  minimise cost).
* `realistic`: the allocation score of scoring.py written out as one MIP (see `build_realistic`):
  the same objective and the same hard constraints as the engine (capacities per resource, hard
  need flags, required same-municipality links), the key's absolute deviations linearised and
  the same-district link bonus as y <= sum of x per district. The instance is either generated
  (`--scale`, `--seed`: generate.py, as compare_realistic.py uses it) or read from the CLI's CSV
  files with the engine's CSV readers. The assignment is re-scored with `scoring.evaluate` and
  checked with `checker.check`; the JSON records the model objective too, so a difference between
  model and reference score would show.

The time limit covers building the model and solving (HiGHS gets what is left after building),
as the engine's limit covers compiling. Output: one JSON object (--json) and optionally the
assignment (--assignment, CSV `case_id,ags` or `job,agent`).

    .venv/bin/python bench/allocation/baseline_highs.py gap bench/allocation/gap/chu1997/d20200 \
        --time-limit 60 --json /tmp/d20200.json
    .venv/bin/python bench/allocation/baseline_highs.py realistic --scale alliance --seed 0 \
        --time-limit 10 --json /tmp/alliance.json --assignment /tmp/alliance.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

import highspy
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

#: above this many x variables the model is not built (national scale: ~120 million)
MAX_ARCS = 20_000_000


def _csc(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_cols: int):
    order = np.argsort(cols, kind="stable")
    rows, cols, vals = rows[order], cols[order], vals[order]
    start = np.searchsorted(cols, np.arange(n_cols + 1)).astype(np.int32)
    return start, rows.astype(np.int32), vals.astype(np.float64)


def _solve(
    *,
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    start: np.ndarray,
    index: np.ndarray,
    value: np.ndarray,
    maximize: bool,
    offset: float,
    time_limit: float,
    threads: int,
) -> dict[str, object]:
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("time_limit", float(max(time_limit, 1.0)))
    lp = highspy.HighsLp()
    lp.num_col_ = int(cost.size)
    lp.num_row_ = int(row_lower.size)
    lp.col_cost_ = cost
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = np.where(np.isinf(row_lower), -highspy.kHighsInf, row_lower)
    lp.row_upper_ = np.where(np.isinf(row_upper), highspy.kHighsInf, row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    lp.offset_ = float(offset)
    n_int = int(integer.sum())
    assert integer[:n_int].all(), "integer columns come first"
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_int + [
        highspy.HighsVarType.kContinuous
    ] * (integer.size - n_int)
    h.passModel(lp)
    t0 = time.monotonic()
    h.run()
    solve_s = time.monotonic() - t0
    info = h.getInfo()
    status = h.getModelStatus()
    has = info.primal_solution_status == 2
    bound = float(info.mip_dual_bound)
    out: dict[str, object] = {
        "highs_status": h.modelStatusToString(status),
        "solve_s": round(solve_s, 2),
        "objective": float(info.objective_function_value) if has else None,
        "dual_bound": bound if math.isfinite(bound) else None,
        "mip_gap": float(info.mip_gap) if has and math.isfinite(info.mip_gap) else None,
        "mip_nodes": int(info.mip_node_count),
        "options": {"threads": threads, "time_limit": round(max(time_limit, 1.0), 2)},
        "highs_version": h.version(),
    }
    out["columns"] = np.array(h.getSolution().col_value) if has else None
    return out


# ----------------------------------------------------------------------------------- GAP


def solve_gap(path: Path, time_limit: float, threads: int) -> tuple[dict[str, object], list]:
    from hafennetz.engines.allocation.gap_io import read_gap

    t0 = time.monotonic()
    g = read_gap(path)
    m, n = g.agents, g.jobs
    k = np.arange(m * n)
    agent, job = k // n, k % n
    rows = np.empty(2 * m * n, dtype=np.int64)
    rows[0::2] = job
    rows[1::2] = n + agent
    vals = np.empty(2 * m * n)
    vals[0::2] = 1.0
    vals[1::2] = g.use.reshape(-1)
    start = np.arange(0, 2 * m * n + 1, 2, dtype=np.int32)
    build_s = time.monotonic() - t0
    out = _solve(
        cost=g.cost.reshape(-1).astype(np.float64),
        col_lower=np.zeros(m * n),
        col_upper=np.ones(m * n),
        integer=np.ones(m * n, dtype=bool),
        row_lower=np.concatenate([np.ones(n), np.full(m, -np.inf)]),
        row_upper=np.concatenate([np.ones(n), g.capacity.astype(np.float64)]),
        start=start,
        index=rows.astype(np.int32),
        value=vals,
        maximize=False,
        offset=0.0,
        time_limit=time_limit - build_s,
        threads=threads,
    )
    cols = out.pop("columns")
    pairs: list[tuple[int, int]] = []
    value = None
    feasible = False
    if cols is not None:
        x = np.asarray(cols).reshape(m, n) > 0.5
        jobs_of = x.sum(axis=0)
        used = (g.use * x).sum(axis=1)
        feasible = bool(np.all(jobs_of == 1) and np.all(used <= g.capacity + 1e-9))
        value = float((g.cost * x).sum())
        pairs = [(int(j), int(i)) for i, j in zip(*np.nonzero(x), strict=True)]
    out.update(
        {
            "method": "plain_highs",
            "instance": str(path),
            "agents": m,
            "jobs": n,
            "value": value,
            "lower_bound": out.pop("dual_bound"),
            "feasible": feasible,
            "build_s": round(build_s, 2),
        }
    )
    return out, [["job", "agent"], *sorted(pairs)]


# ----------------------------------------------------------------------------- realistic


def build_realistic(instance):
    """Arrays of the plain MIP for an allocation Instance (maximise the score of scoring.py).

    Columns: x[h, m] binary for each feasible pair (hard flags offered, every need within the
    capacity); y[p, d] in [0, 1] for each preferred same-district pair p and district d both
    can reach; P >= 0 (placed persons, only with a key); dev[m] >= 0 (|persons at m - share_m P|).
    Rows: sum_m x[h, m] <= 1; sum_h need[h, r] x[h, m] <= cap[m, r]; x[a, m] = x[b, m] for
    required links; y[p, d] <= sum_{m in d} x[a, m] (and b); P = sum size x; +-(persons_m -
    share_m P) <= dev[m]. Objective: value(h, m) + unplaced_per_person * size on x, the link
    bonus on y, -key_weight on dev, offset -unplaced_per_person * all persons.
    """
    from hafennetz.engines.allocation.keys import target_shares
    from hafennetz.engines.allocation.model import RESOURCES, LinkKind
    from hafennetz.engines.allocation.scoring import aggregate_outcome, district_link_pairs

    w = instance.weights
    hh = instance.households
    munis = instance.municipalities
    n_h, n_m = len(hh), len(munis)
    hard = instance.hard_flags
    midx = {m.ags: j for j, m in enumerate(munis)}
    hidx = {h.case_id: i for i, h in enumerate(hh)}
    flags = sorted({f for h in hh for f in h.flags} | {f for m in munis for f in m.offers})
    fidx = {f: k for k, f in enumerate(flags)}
    offer = np.zeros((n_m, len(flags)), dtype=bool)
    for j, m in enumerate(munis):
        for f in m.offers:
            offer[j, fidx[f]] = True
    cap = np.array([[m.capacity(r) for r in RESOURCES] for m in munis], dtype=np.float64)
    need = np.array([[h.resource_needs().get(r, 0) for r in RESOURCES] for h in hh], dtype=float)
    size = np.array([h.size for h in hh], dtype=np.float64)
    soft = np.zeros((n_h, len(flags)), dtype=np.float64)
    hardm = np.zeros((n_h, len(flags)), dtype=np.float64)
    for i, h in enumerate(hh):
        for f in h.flags:
            (hardm if f in hard else soft)[i, fidx[f]] = 1.0
    not_offered = (~offer).astype(np.float64)
    arc_h: list[np.ndarray] = []
    arc_m: list[np.ndarray] = []
    arc_v: list[np.ndarray] = []
    n_arcs = 0
    chunk = max(1, 2_000_000 // max(n_m, 1))
    for lo in range(0, n_h, chunk):
        hi = min(n_h, lo + chunk)
        ok = (hardm[lo:hi] @ not_offered.T) == 0
        ok &= np.all(need[lo:hi, None, :] <= cap[None, :, :], axis=2)
        val = w.need_fit * (soft[lo:hi] @ offer.T.astype(np.float64))
        for i in range(lo, hi):
            h = hh[i]
            seen = set()
            for rank, ags in enumerate(h.preferences, start=1):
                if ags in midx and ags not in seen:
                    seen.add(ags)
                    val[i - lo, midx[ags]] += w.preference / rank
            for ags, probs in h.outcomes.items():
                if ags in midx and probs:
                    val[i - lo, midx[ags]] += w.outcome * aggregate_outcome(
                        probs, w.outcome_aggregation
                    )
        hs, ms = np.nonzero(ok)
        n_arcs += hs.size
        if n_arcs > MAX_ARCS:
            raise MemoryError(f"more than {MAX_ARCS:,} feasible pairs: model not built")
        arc_h.append(hs + lo)
        arc_m.append(ms)
        arc_v.append(val[hs, ms])
    ah = np.concatenate(arc_h).astype(np.int64)
    am = np.concatenate(arc_m).astype(np.int64)
    av = np.concatenate(arc_v)
    A = ah.size
    # arcs are household-major: those of household i are first[i] .. first[i + 1] - 1
    first = np.searchsorted(ah, np.arange(n_h + 1))

    def arcs_of(i: int) -> dict[int, int]:
        return {int(am[k]): int(k) for k in range(first[i], first[i + 1])}

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    row_lo: list[np.ndarray] = []
    row_hi: list[np.ndarray] = []
    n_rows = 0

    def add_rows(r, c, v, lo, hi):
        nonlocal n_rows
        rows.append(np.asarray(r, dtype=np.int64) + n_rows)
        cols.append(np.asarray(c, dtype=np.int64))
        vals.append(np.asarray(v, dtype=np.float64))
        row_lo.append(np.asarray(lo, dtype=np.float64))
        row_hi.append(np.asarray(hi, dtype=np.float64))
        n_rows += len(lo)

    arcs = np.arange(A)
    # one municipality per household at most
    add_rows(ah, arcs, np.ones(A), np.full(n_h, -np.inf), np.ones(n_h))
    # capacities: one row per (municipality, resource)
    n_r = len(RESOURCES)
    for r in range(n_r):
        use = need[ah, r]
        nz = use > 0
        add_rows(am[nz], arcs[nz], use[nz], np.full(n_m, -np.inf), cap[:, r])
        del use, nz
    # required links: same municipality or both unplaced
    lr, lc, lv = [], [], []
    n_link = 0
    done = set()
    for h in hh:
        for link in h.links:
            if link.kind is not LinkKind.SAME_MUNICIPALITY or link.other not in hidx:
                continue
            a, b = sorted((hidx[h.case_id], hidx[link.other]))
            if a == b or (a, b) in done:
                continue
            done.add((a, b))
            xa, xb = arcs_of(a), arcs_of(b)
            for j in sorted(set(xa) | set(xb)):
                for arcs_j, sign in ((xa, 1.0), (xb, -1.0)):
                    if j in arcs_j:
                        lr.append(n_link)
                        lc.append(arcs_j[j])
                        lv.append(sign)
                n_link += 1
    add_rows(lr, lc, lv, np.zeros(n_link), np.zeros(n_link))
    # preferred same-district links: y[p, d] <= sum of x of each side in district d
    district = [m.district_key for m in munis]
    extra_cost: list[float] = []
    yr, yc, yv = [], [], []
    n_y_rows = 0
    for a_id, b_id in district_link_pairs(hh):
        a, b = hidx[a_id], hidx[b_id]
        da: dict[str, list[int]] = defaultdict(list)
        db: dict[str, list[int]] = defaultdict(list)
        for j, k in arcs_of(a).items():
            da[district[j]].append(k)
        for j, k in arcs_of(b).items():
            db[district[j]].append(k)
        for d in sorted(set(da) & set(db)):
            y = A + len(extra_cost)
            extra_cost.append(w.same_district_link)
            for side in (da[d], db[d]):
                yr.append(n_y_rows)
                yc.append(y)
                yv.append(1.0)
                for k in side:
                    yr.append(n_y_rows)
                    yc.append(k)
                    yv.append(-1.0)
                n_y_rows += 1
    add_rows(yr, yc, yv, np.full(n_y_rows, -np.inf), np.zeros(n_y_rows))
    n_cols = A + len(extra_cost)
    col_upper = [np.ones(n_cols)]
    integer = [np.ones(A, dtype=bool), np.zeros(len(extra_cost), dtype=bool)]
    cost = [av + w.unplaced_per_person * size[ah], np.array(extra_cost)]
    shares = target_shares(instance)
    if shares is not None and w.key_deviation_per_person > 0:
        p_col = n_cols
        dev0 = n_cols + 1
        n_cols += 1 + n_m
        col_upper.append(np.full(1 + n_m, highspy.kHighsInf))
        integer.append(np.zeros(1 + n_m, dtype=bool))
        cost.append(np.concatenate([[0.0], np.full(n_m, -w.key_deviation_per_person)]))
        # P - sum size x = 0
        add_rows(
            np.zeros(A + 1, dtype=np.int64),
            np.concatenate([arcs, [p_col]]),
            np.concatenate([-size[ah], [1.0]]),
            [0.0],
            [0.0],
        )
        s = np.array([shares.get(m.ags, 0.0) for m in munis])
        mm = np.arange(n_m)
        for sign in (1.0, -1.0):  # sign * (persons_m - s_m P) - dev_m <= 0
            add_rows(
                np.concatenate([am, mm, mm]),
                np.concatenate([arcs, np.full(n_m, p_col), dev0 + mm]),
                np.concatenate([sign * size[ah], -sign * s, -np.ones(n_m)]),
                np.full(n_m, -np.inf),
                np.zeros(n_m),
            )
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(vals)
    start, index, value = _csc(r, c, v, n_cols)
    return {
        "cost": np.concatenate(cost),
        "col_lower": np.zeros(n_cols),
        "col_upper": np.concatenate(col_upper),
        "integer": np.concatenate(integer),
        "row_lower": np.concatenate(row_lo),
        "row_upper": np.concatenate(row_hi),
        "start": start,
        "index": index,
        "value": value,
        "offset": -w.unplaced_per_person * float(size.sum()),
        "arc_h": ah,
        "arc_m": am,
        "stats": {
            "x_binaries": int(A),
            "y_district_links": len(extra_cost),
            "rows": int(n_rows),
            "nonzeros": int(index.size),
        },
    }


def solve_realistic(
    instance, time_limit: float, threads: int, relax: bool = False
) -> tuple[dict[str, object], list]:
    from hafennetz.engines.allocation.checker import check
    from hafennetz.engines.allocation.scoring import evaluate

    t0 = time.monotonic()
    try:
        mdl = build_realistic(instance)
    except MemoryError as exc:
        return {"method": "plain_highs", "status": "not_built", "reason": str(exc)}, []
    build_s = time.monotonic() - t0
    ah, am, stats = mdl.pop("arc_h"), mdl.pop("arc_m"), mdl.pop("stats")
    if relax:  # the LP relaxation: a reference upper bound on the score, not a contender
        mdl["integer"] = np.zeros_like(mdl["integer"])
    out = _solve(**mdl, maximize=True, time_limit=time_limit - build_s, threads=threads)  # type: ignore[arg-type]
    if relax:
        done = out["highs_status"] == "Optimal"
        out.pop("columns")
        out.pop("dual_bound")
        out.update({"method": "lp_relaxation", "build_s": round(build_s, 2), **stats})
        out["bound"] = out["objective"] if done else None
        return out, []
    cols = out.pop("columns")
    assignment: dict[str, str | None] = {h.case_id: None for h in instance.households}
    if cols is not None:
        x = np.asarray(cols)[: ah.size] > 0.5
        for i, j in zip(ah[x].tolist(), am[x].tolist(), strict=True):
            assignment[instance.households[i].case_id] = instance.municipalities[j].ags
    out.update({"method": "plain_highs", "build_s": round(build_s, 2), **stats})
    if cols is not None:
        score = evaluate(instance, assignment).total
        report = check(instance, assignment)
        out.update(
            {
                "score": score,
                "feasible": report.feasible,
                "model_minus_reference": None
                if out["objective"] is None
                else round(float(out["objective"]) - score, 6),
            }
        )
    else:
        out.update({"score": None, "feasible": None})
    out["bound"] = out.pop("dual_bound")
    rows = [["case_id", "ags"]] + [[c, a or ""] for c, a in assignment.items()]
    return out, rows


def _instance_from_args(args: argparse.Namespace):
    if args.scale:
        from generate import generate

        return generate(args.scale, args.seed)
    from hafennetz.engines.allocation.csv_io import (
        read_households,
        read_municipalities,
        read_outcomes,
    )
    from hafennetz.engines.allocation.model import DistributionKey, Instance, ScoreWeights

    munis, _ = read_municipalities(args.municipalities)
    known = {m.ags for m in munis}
    households, _ = read_households(args.households, known)
    if args.outcomes:
        households = read_outcomes(args.outcomes, households, known)
    key = DistributionKey(args.key)
    weight = args.key_weight if args.key_weight is not None else (0.5 if args.key != "none" else 0)
    return Instance(
        households, munis, weights=ScoreWeights(key_deviation_per_person=weight), key=key
    )


def main() -> None:
    p = argparse.ArgumentParser(description="plain MIP baseline (highspy)")
    sub = p.add_subparsers(dest="kind", required=True)
    g = sub.add_parser("gap")
    g.add_argument("file", type=Path)
    r = sub.add_parser("realistic")
    r.add_argument("--scale", choices=["alliance", "state", "national"])
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--households", type=Path)
    r.add_argument("--municipalities", type=Path)
    r.add_argument("--outcomes", type=Path)
    r.add_argument("--key", default="none")
    r.add_argument("--key-weight", type=float, default=None)
    r.add_argument("--relax", action="store_true", help="LP relaxation only (a bound)")
    for q in (g, r):
        q.add_argument("--time-limit", type=float, default=60.0)
        q.add_argument("--threads", type=int, default=2)
        q.add_argument("--json", type=Path, help="write the result here (default: stdout)")
        q.add_argument("--assignment", type=Path)
        q.add_argument("--max-gb", type=float, default=None, help="address-space limit")
    args = p.parse_args()
    if args.max_gb:
        limit = int(args.max_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    t0 = time.monotonic()
    try:
        if args.kind == "gap":
            out, rows = solve_gap(args.file, args.time_limit, args.threads)
        else:
            instance = _instance_from_args(args)
            t0 = time.monotonic()  # generating or reading is not part of the limit
            out, rows = solve_realistic(instance, args.time_limit, args.threads, args.relax)
    except MemoryError as exc:
        out, rows = {"method": "plain_highs", "status": "out_of_memory", "reason": str(exc)}, []
    out["wall_s"] = round(time.monotonic() - t0, 2)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    text = json.dumps(out, indent=1, default=float)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    if args.assignment and rows:
        with args.assignment.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)


if __name__ == "__main__":
    main()
