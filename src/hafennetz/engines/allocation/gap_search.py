"""Tabu search with strategic oscillation for plain GAP-shaped core problems (every item one
unit, must be placed, no distribution key, no pair links), started from the MIP incumbent.

Neighbourhoods: shift (one item to another agent) and swap (two items of different agents
exchange agents), both evaluated for all candidates at once with numpy. Capacity violations
are allowed but penalised by a weight that grows while the search is infeasible and shrinks
while it is feasible (Yagiura, Ibaraki and Glover 2004 use the same oscillation in their
ejection-chain search); moving an item back to an agent it just left is tabu for a few
iterations unless it gives a new best feasible solution. Deterministic for a seed.
"""

from __future__ import annotations

import time

import numpy as np

from .core import CoreProblem, CoreSolution, FloatArray, is_feasible, make_arcs


def applicable(problem: CoreProblem) -> bool:
    return (
        problem.must_place
        and not problem.pairs
        and (problem.share is None or problem.key_weight == 0)
        and bool(np.all(problem.item_count == 1))
        and problem.n_resources == 1
    )


def tabu_search(
    problem: CoreProblem,
    start: CoreSolution,
    *,
    time_limit: float,
    seed: int = 0,
    restart_after: int = 5000,
) -> CoreSolution:
    """Best feasible solution found (never worse than `start`), on all (item, agent) arcs."""
    t_end = time.monotonic() + time_limit
    rng = np.random.default_rng(seed)
    n, m = problem.n_items, problem.n_agents
    value = np.full((n, m), -np.inf)
    for j in range(n):
        value[j] = problem.item_values(j, np.arange(m, dtype=np.int64))
    use_all = problem.use[problem.item_row, :, 0]  # (n, 1 or m)
    w: FloatArray = np.broadcast_to(use_all, (n, m)).astype(np.float64)
    cap = problem.capacity[:, 0].astype(np.float64)
    allowed = np.isfinite(value) & (w <= cap[None, :] + 1e-9)
    v = np.where(allowed, value, 0.0)
    x = start.x
    assign = np.full(n, -1, dtype=np.int64)
    nz = np.flatnonzero(x)
    assign[start.arcs.item[nz]] = start.arcs.agent[nz]
    if np.any(assign < 0):
        return start
    rows = np.arange(n)
    load = np.bincount(assign, weights=w[rows, assign], minlength=m)
    cur_val = float(v[rows, assign].sum())
    best_val, best_assign = cur_val, assign.copy()
    scale = float(np.abs(v[allowed]).mean()) if allowed.any() else 1.0
    alpha = np.full(m, scale / max(float(w.mean()), 1e-9))  # per-agent penalty weights
    since_best = 0
    tabu = np.zeros((n, m), dtype=np.int64)
    it = 0
    tenure_lo, tenure_hi = max(3, n // 20), max(6, n // 8)

    while True:
        if it % 64 == 0 and time.monotonic() > t_end:
            break
        it += 1
        cur_over = np.maximum(load - cap, 0.0)
        # shift moves: item j from a = assign[j] to b
        wa = w[rows, assign]
        la_after = load[assign] - wa  # (n,)
        d_over_a = np.maximum(la_after - cap[assign], 0.0) - cur_over[assign]
        lb_after = load[None, :] + w  # (n, m)
        d_over_b = np.maximum(lb_after - cap[None, :], 0.0) - cur_over[None, :]
        d_val = v - v[rows, assign][:, None]
        shift_pen = d_val - (alpha[assign] * d_over_a)[:, None] - alpha[None, :] * d_over_b
        shift_pen[~allowed] = -np.inf
        shift_pen[rows, assign] = -np.inf
        new_over_total = cur_over.sum() + d_over_a[:, None] + d_over_b
        feas_new = new_over_total <= 1e-9
        aspir = feas_new & (cur_val + d_val > best_val + 1e-9)
        shift_pen[(tabu > it) & ~aspir] = -np.inf
        # swap moves (sampled rows to bound the cost on large n): items j, k exchange agents
        cand = rows if n <= 300 else rng.choice(n, size=300, replace=False)
        aj = assign[cand]
        a_k = assign  # (n,)
        # j goes to a_k, k goes to aj
        dv = (
            v[cand[:, None], a_k[None, :]]
            + v[rows[None, :], aj[:, None]]
            - v[cand, aj][:, None]
            - v[rows, a_k][None, :]
        )
        dl_aj = w[rows[None, :], aj[:, None]] - w[cand, aj][:, None]  # load change at aj
        dl_ak = w[cand[:, None], a_k[None, :]] - w[rows, a_k][None, :]  # load change at a_k
        over_aj = np.maximum(load[aj][:, None] + dl_aj - cap[aj][:, None], 0.0)
        over_ak = np.maximum(load[a_k][None, :] + dl_ak - cap[a_k][None, :], 0.0)
        do_aj = over_aj - cur_over[aj][:, None]
        do_ak = over_ak - cur_over[a_k][None, :]
        d_over_swap = do_aj + do_ak
        swap_pen = dv - alpha[aj][:, None] * do_aj - alpha[a_k][None, :] * do_ak
        ok_sw = (
            (aj[:, None] != a_k[None, :])
            & allowed[cand[:, None], a_k[None, :]]
            & allowed[rows[None, :], aj[:, None]]
        )
        tabu_sw = (tabu[cand[:, None], a_k[None, :]] > it) | (tabu[rows[None, :], aj[:, None]] > it)
        feas_sw = cur_over.sum() + d_over_swap <= 1e-9
        aspir_sw = feas_sw & (cur_val + dv > best_val + 1e-9)
        swap_pen[~ok_sw | (tabu_sw & ~aspir_sw)] = -np.inf
        # best move, ties broken by a small seeded noise
        s_best = int(np.argmax(shift_pen))
        w_best = int(np.argmax(swap_pen))
        s_val = shift_pen.flat[s_best]
        w_val = swap_pen.flat[w_best]
        if not np.isfinite(s_val) and not np.isfinite(w_val):
            tabu[:] = 0
            continue
        if s_val >= w_val:
            j, b = divmod(s_best, m)
            a = int(assign[j])
            load[a] -= w[j, a]
            load[b] += w[j, b]
            cur_val += float(v[j, b] - v[j, a])
            assign[j] = b
            tabu[j, a] = it + int(rng.integers(tenure_lo, tenure_hi + 1))
        else:
            qi, k = divmod(w_best, n)
            j = int(cand[qi])
            a, b = int(assign[j]), int(assign[k])
            load[a] += w[k, a] - w[j, a]
            load[b] += w[j, b] - w[k, b]
            cur_val += float(v[j, b] + v[k, a] - v[j, a] - v[k, b])
            assign[j], assign[k] = b, a
            tenure = int(rng.integers(tenure_lo, tenure_hi + 1))
            tabu[j, a] = it + tenure
            tabu[k, b] = it + tenure
        over_now = load > cap + 1e-9
        infeasible = bool(over_now.any())
        since_best += 1
        if not infeasible and cur_val > best_val + 1e-9:
            best_val, best_assign = cur_val, assign.copy()
            since_best = 0
        # strategic oscillation of the per-agent penalty weights
        alpha = np.where(over_now, alpha * 1.1, alpha * 0.97) if infeasible else alpha * 0.95
        alpha = np.clip(alpha, 1e-6 * scale, 1e6 * scale)
        if since_best > restart_after:
            # intensify: back to the best solution with a fresh tabu list
            assign = best_assign.copy()
            load = np.bincount(assign, weights=w[rows, assign], minlength=m)
            cur_val = best_val
            tabu[:] = 0
            since_best = 0
        if it % 256 == 0:
            cur_val = float(v[rows, assign].sum())  # refresh against drift
    arcs = make_arcs(problem, rows.astype(np.int64), best_assign)
    sol = CoreSolution(arcs, np.ones(n, dtype=np.int64))
    return sol if is_feasible(problem, sol) else start
