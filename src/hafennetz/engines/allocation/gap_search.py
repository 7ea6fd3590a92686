"""Tabu search with ejection chains and path relinking for plain GAP-shaped core problems (every
item one unit, must be placed, one resource, no distribution key, no pair links), started from
the MIP incumbent.

Method (after Yagiura, Ibaraki and Glover, "An ejection chain approach for the generalized
assignment problem", INFORMS J. Computing 2004, and "A path relinking approach with ejection
chains for the generalized assignment problem", EJOR 2006):

* Solutions may violate capacities; the search minimises cost + sum_i alpha_i * excess_i with one
  penalty weight per agent. The weights grow on the agents that are over capacity while the
  search is infeasible and shrink while it is feasible (strategic oscillation), so the search
  crosses the feasibility boundary instead of getting stuck on it.
* Each move is the best non-tabu one among all shifts (one item to another agent) and ejection
  chains of 2 to `chain_items` items with every agent at most once: paths (the first item
  leaves its agent, each next one is ejected by the item entering its agent, the last enters
  an agent nobody leaves) and cycles (the last enters the first one's agent; two items: a
  swap). Chains are found by label correcting on the improvement graph (Ahuja, Orlin et al.),
  all labels extended at once with numpy; one label per item in hand, so this is a heuristic
  (a chain whose prefix is not the best one into its item is missed, even for two items).
  With penalties per agent and every agent at most once, a chain's delta is a sum of arc
  deltas, so it is evaluated exactly.
* Tabu: an item may not return to an agent it left for a random tenure (4-10 % of the items);
  a tabu shift is allowed if it gives a new best feasible solution (aspiration).
* Path relinking: an episode ends after `episode_stall` moves without a better episode best;
  the episodes' best feasible solutions form an elite set, and each new episode starts on the
  path between two elite solutions (30-70 % of the way, greedy steps in penalised cost towards
  the guiding solution).

Deterministic for a seed: it runs a counted number of moves (`moves`); the clock only stops
it through the run's safety cap or cancellation (`Control`), which the result reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .control import Control
from .core import CoreProblem, CoreSolution, FloatArray, IntArray, is_feasible, make_arcs

_INF = np.inf
_EPS = 1e-9


@dataclass(frozen=True)
class SearchParams:
    """Tuning of the search (defaults measured on the D and E instances, see
    bench/allocation/RESULTS.md)."""

    chain_items: int = 5  # longest ejection chain / cyclic exchange, in items
    tenure: tuple[float, float] = (0.04, 0.1)  # tabu tenure range, as a share of the items
    weight_up: float = 0.05  # over-capacity agents: alpha *= 1 + weight_up * excess / max excess
    weight_down: float = 0.02  # feasible: alpha *= 1 - weight_down
    alpha_start: float = 8.0  # initial weight, in units of mean |cost spread| / mean use
    episode_stall: int = 0  # moves without a better episode best; 0: max(600, 3 n)
    elite_size: int = 10
    max_rows: int = 300  # more items: ejection chains among this many sampled items


def applicable(problem: CoreProblem) -> bool:
    return (
        problem.must_place
        and not problem.pairs
        and (problem.share is None or problem.key_weight == 0)
        and bool(np.all(problem.item_count == 1))
        and problem.n_resources == 1
    )


@dataclass
class _Data:
    cost: FloatArray  # (n, m) cost (= -value); +inf where the arc is not allowed
    use: FloatArray  # (n, m)
    cap: FloatArray  # (m,)


def _data(problem: CoreProblem) -> _Data:
    n, m = problem.n_items, problem.n_agents
    value = np.empty((n, m))
    agents = np.arange(m, dtype=np.int64)
    for j in range(n):
        value[j] = problem.item_values(j, agents)
    use_all = problem.use[problem.item_row, :, 0]  # (n, 1 or m)
    w: FloatArray = np.broadcast_to(use_all, (n, m)).astype(np.float64)
    cap = problem.capacity[:, 0].astype(np.float64)
    allowed = np.isfinite(value) & (w <= cap[None, :] + _EPS)
    cost = np.where(allowed, -value, _INF)
    return _Data(cost, w, cap)


def _assignment(problem: CoreProblem, sol: CoreSolution) -> IntArray:
    assign = np.full(problem.n_items, -1, dtype=np.int64)
    nz = np.flatnonzero(sol.x)
    assign[sol.arcs.item[nz]] = sol.arcs.agent[nz]
    return assign


class _Tabu:
    """One tabu search state: assignment, loads, penalty weights, tabu list."""

    def __init__(self, d: _Data, rng: np.random.Generator, params: SearchParams) -> None:
        self.d = d
        self.p = params
        self.rng = rng
        n, m = d.cost.shape
        self.n, self.m = n, m
        self.rows = np.arange(n)
        self.max_rows = params.max_rows
        finite = d.cost[np.isfinite(d.cost)]
        spread = float(np.abs(finite - finite.mean()).mean()) if finite.size else 1.0
        self.alpha0 = params.alpha_start * max(spread, 1e-6) / max(float(d.use.mean()), 1e-9)
        self.alpha = np.full(m, self.alpha0)
        self.tabu = np.zeros((n, m), dtype=np.int64)
        self.it = 0
        self.tenure_lo = max(2, int(params.tenure[0] * n))
        self.tenure_hi = max(self.tenure_lo + 2, int(params.tenure[1] * n))
        self.assign = np.zeros(n, dtype=np.int64)
        self.load = np.zeros(m)
        self.best_cost = _INF
        self.best_assign = self.assign.copy()
        self.last_delta = 0.0

    def set(self, assign: IntArray) -> None:
        self.assign = assign.copy()
        use = self.d.use[self.rows, assign]
        self.load = np.bincount(assign, weights=use, minlength=self.m).astype(np.float64)

    def cost(self, assign: IntArray | None = None) -> float:
        a = self.assign if assign is None else assign
        return float(self.d.cost[self.rows, a].sum())

    def feasible(self) -> bool:
        return bool(np.all(self.load <= self.d.cap + 1e-6))

    def record(self) -> bool:
        if not self.feasible():
            return False
        c = self.cost()
        if c < self.best_cost - _EPS:
            self.best_cost, self.best_assign = c, self.assign.copy()
            return True
        return False

    def _exact(self, moves: list[tuple[int, int]]) -> tuple[float, bool]:
        """Cost and feasibility after `moves` (item, new agent), without applying them."""
        d = self.d
        load = self.load.copy()
        a = self.assign.copy()
        for j, b in moves:
            load[a[j]] -= d.use[j, a[j]]
            a[j] = b
            load[b] += d.use[j, b]
        return self.cost(a), bool(np.all(load <= d.cap + 1e-6))

    def apply(self, moves: list[tuple[int, int]]) -> None:
        d = self.d
        for j, b in moves:
            a = int(self.assign[j])
            self.load[a] -= d.use[j, a]
            self.load[b] += d.use[j, b]
            self.assign[j] = b
            self.tabu[j, a] = self.it + int(self.rng.integers(self.tenure_lo, self.tenure_hi + 1))

    def step(self) -> None:
        """One tabu move (the best non-tabu shift or ejection chain) and the weight update."""
        self.it += 1
        self.last_delta = 0.0
        d, rows, a = self.d, self.rows, self.assign
        cap, load, alpha = d.cap, self.load, self.alpha
        curpen = alpha * np.maximum(load - cap, 0.0)
        ca = d.cost[rows, a]
        base_out = load[a] - d.use[rows, a]  # load of each item's agent without it
        out_gain = alpha[a] * np.maximum(base_out - cap[a], 0.0) - curpen[a]  # (n,) <= 0
        # s[k, c]: item k enters agent c (nobody leaves c); leaving its own agent not counted
        s = d.cost - ca[:, None] + alpha * np.maximum(load + d.use - cap, 0.0) - curpen
        s[rows, a] = _INF
        tabu_now = self.tabu > self.it
        s_nt = np.where(tabu_now, _INF, s)
        shift_nt = s_nt + out_gain[:, None]
        i_sh = int(np.argmin(shift_nt))
        best_v = float(shift_nt.flat[i_sh])
        moves = [divmod(i_sh, self.m)] if np.isfinite(best_v) else []
        # aspiration: the best tabu shift, if it gives a new best feasible solution
        shift = s + out_gain[:, None]
        i_all = int(np.argmin(shift))
        v_all = float(shift.flat[i_all])
        cur = float(ca.sum()) + float(curpen.sum())
        if v_all < best_v - _EPS and cur + v_all < self.best_cost - _EPS:
            mv = [divmod(i_all, self.m)]
            c_new, ok = self._exact(mv)
            if ok and c_new < self.best_cost - _EPS:
                moves, best_v = mv, v_all
        # ejection chains and cyclic exchanges among candidate items
        cand = rows if self.n <= self.max_rows else self._sample()
        v_ch, mv_ch = self._chain(cand, s_nt, ca, base_out, out_gain, curpen)
        if v_ch < best_v - _EPS:
            best_v, moves = v_ch, mv_ch
        if not moves:
            self.tabu[:] = 0
            return
        self.last_delta = best_v  # change of the penalised cost (weights before the update)
        self.apply([(int(j), int(b)) for j, b in moves])
        # strategic oscillation of the penalty weights
        over = np.maximum(self.load - cap, 0.0)
        top = float(over.max())
        if top > 1e-6:
            self.alpha = alpha * (1.0 + self.p.weight_up * over / top)
        else:
            self.alpha = alpha * (1.0 - self.p.weight_down)
        np.clip(self.alpha, 1e-3 * self.alpha0, 1e3 * self.alpha0, out=self.alpha)

    def _sample(self) -> IntArray:
        return np.sort(self.rng.choice(self.n, size=self.max_rows, replace=False))

    def _chain(
        self,
        cand: IntArray,
        s_nt: FloatArray,
        ca: FloatArray,
        base_out: FloatArray,
        out_gain: FloatArray,
        curpen: FloatArray,
    ) -> tuple[float, list[tuple[int, int]]]:
        """Best ejection chain of 2..chain_items items among `cand`, every agent at most once.

        Path: the first item leaves its agent, each next item is ejected by the one entering
        its agent, the last one enters an agent nobody leaves. Cycle: the last one enters the
        first one's agent (two items: a swap). Label correcting on the improvement graph with
        one label per (item in hand, path or cycle) and the agents on its chain: a heuristic,
        since only the best prefix into each item is kept (Ahuja et al. 2004)."""
        d, alpha, cap = self.d, self.alpha, self.d.cap
        r, m = cand.shape[0], self.m
        a = self.assign[cand]
        ca_c = ca[cand]
        # arc (i, k): item i enters the agent of k while k leaves it
        c_ik = d.cost[cand][:, a]
        w_ik = d.use[cand][:, a]
        arc = c_ik - ca_c + alpha[a] * np.maximum(base_out[cand] + w_ik - cap[a], 0.0) - curpen[a]
        blocked = (a[:, None] == a[None, :]) | (self.tabu[cand][:, a] > self.it)
        arc[blocked] = _INF
        end = s_nt[cand] + ca_c[:, None]  # item enters agent c, nobody leaves c
        idx = np.arange(r)
        p_val = out_gain[cand] - ca_c  # path labels: the item in hand left its agent
        c_val = np.zeros(r)  # cycle labels: the first item's agent waits for the last one
        p_on = np.zeros((r, m), dtype=bool)  # agents on the label's chain
        p_on[idx, a] = True
        c_on = p_on.copy()
        c_src = idx.copy()
        preds: list[tuple[IntArray, IntArray]] = []
        best_v, best_at = _INF, (-1, -1, -1)  # (steps, label (+r: cycle), end agent)
        t_max = min(self.p.chain_items - 1, m - 1)
        for t in range(t_max + 1):
            if t >= 1:
                ev = np.where(p_on, _INF, end) + p_val[:, None]
                i_e = int(np.argmin(ev))
                if ev.flat[i_e] < best_v:
                    best_v, best_at = float(ev.flat[i_e]), (t, i_e // m, i_e % m)
                cv = c_val + arc[idx, c_src]
                i_c = int(np.argmin(cv))
                if cv[i_c] < best_v:
                    best_v, best_at = float(cv[i_c]), (t, r + i_c, -1)
            if t == t_max:
                break
            # extend every label by one arc to an agent not yet on its chain
            p_cand = np.where(p_on[:, a], _INF, arc + p_val[:, None])
            c_cand = np.where(c_on[:, a], _INF, arc + c_val[:, None])
            p_pred = np.argmin(p_cand, axis=0)
            c_pred = np.argmin(c_cand, axis=0)
            p_val = p_cand[p_pred, idx]
            c_val = c_cand[c_pred, idx]
            p_on = p_on[p_pred]
            p_on[idx, a] = True
            c_on = c_on[c_pred]
            c_on[idx, a] = True
            c_src = c_src[c_pred]
            preds.append((p_pred, c_pred))
        v2, moves2 = self._pairs(arc, end, out_gain[cand] - ca_c, cand)
        t, label, c = best_at
        if v2 <= best_v:
            return v2, moves2
        cycle = label >= r
        q = label - r if cycle else label
        chain = [q]
        for step in range(t - 1, -1, -1):
            q = int(preds[step][1 if cycle else 0][q])
            chain.append(q)
        chain.reverse()
        items = cand[chain]
        moves = [(int(items[k]), int(a[chain[k + 1]])) for k in range(t)]
        moves.append((int(items[-1]), int(a[chain[0]]) if cycle else c))
        return best_v, moves

    def _pairs(
        self, arc: FloatArray, end: FloatArray, start: FloatArray, cand: IntArray
    ) -> tuple[float, list[tuple[int, int]]]:
        """Best swap and best two-item path among `cand`, exactly (all pairs)."""
        a = self.assign[cand]
        swap = arc + arc.T
        i_s = int(np.argmin(swap))
        best_v = float(swap.flat[i_s])
        i, k = divmod(i_s, cand.shape[0])
        moves = [(int(cand[i]), int(a[k])), (int(cand[k]), int(a[i]))]
        # path i -> agent of k, k -> best agent c that is not i's (top two ends per k)
        e1 = np.argmin(end, axis=1)
        v1 = end[np.arange(end.shape[0]), e1]
        end2 = end.copy()
        end2[np.arange(end.shape[0]), e1] = _INF
        e2 = np.argmin(end2, axis=1)
        v2 = end2[np.arange(end.shape[0]), e2]
        clash = e1[None, :] == a[:, None]
        path = start[:, None] + arc + np.where(clash, v2[None, :], v1[None, :])
        i_p = int(np.argmin(path))
        if path.flat[i_p] < best_v:
            best_v = float(path.flat[i_p])
            i, k = divmod(i_p, cand.shape[0])
            c = int(e2[k] if e1[k] == a[i] else e1[k])
            moves = [(int(cand[i]), int(a[k])), (int(cand[k]), c)]
        return best_v, moves

    def relink(self, source: IntArray, guide: IntArray, fraction: float) -> None:
        """Start on the path from `source` to `guide`: greedily (penalised cost) move
        `fraction` of the differing items to their agent in `guide`."""
        self.set(source)
        d = self.d
        diff = np.flatnonzero(source != guide)
        steps = round(fraction * diff.shape[0])
        left = diff.copy()
        for _ in range(steps):
            a = self.assign[left]
            b = guide[left]
            over = np.maximum(self.load - d.cap, 0.0)
            pa = self.alpha[a] * (
                np.maximum(self.load[a] - d.use[left, a] - d.cap[a], 0.0) - over[a]
            )
            pb = self.alpha[b] * (
                np.maximum(self.load[b] + d.use[left, b] - d.cap[b], 0.0) - over[b]
            )
            delta = d.cost[left, b] - d.cost[left, a] + pa + pb
            q = int(np.argmin(delta))
            j = int(left[q])
            self.apply([(j, int(guide[j]))])
            left = np.delete(left, q)


def cheapest_assignment(problem: CoreProblem) -> IntArray | None:
    """Every item on its cheapest allowed agent, capacities ignored: the start of the repair
    when no feasible start is known (None if some item is allowed nowhere)."""
    d = _data(problem)
    if not np.all(np.isfinite(d.cost).any(axis=1)):
        return None
    cheapest: IntArray = np.argmin(d.cost, axis=1).astype(np.int64)
    return cheapest


def tabu_search(
    problem: CoreProblem,
    start: CoreSolution | None,
    *,
    control: Control,
    moves: int,
    seed: int = 0,
    params: SearchParams | None = None,
    start_assign: IntArray | None = None,
) -> CoreSolution | None:
    """Best feasible solution found in `moves` tabu moves (never worse than `start`).

    The search starts from `start_assign` if given (it may violate capacities, e.g. the LP
    solution rounded), else from `start`, else from every item on its cheapest agent; capacity
    excess is penalised, so it repairs as it goes - the repair for must-place problems. The
    result is never worse than a feasible `start`; None if no feasible solution was found."""
    if not applicable(problem) or problem.n_agents < 1:
        return start
    d = _data(problem)
    feasible_start = start is not None and is_feasible(problem, start)
    start_cost = _INF
    if feasible_start:
        assert start is not None
        start_cost = float(d.cost[np.arange(d.cost.shape[0]), _assignment(problem, start)].sum())
    if start_assign is not None:
        assign0 = start_assign
    elif feasible_start:
        assert start is not None
        assign0 = _assignment(problem, start)
    else:
        cheap = cheapest_assignment(problem)
        if cheap is None:
            return None
        assign0 = cheap
    if np.any(assign0 < 0) or not np.all(np.isfinite(d.cost[np.arange(d.cost.shape[0]), assign0])):
        return start if feasible_start else None
    rng = np.random.default_rng(seed)
    prm = params or SearchParams()
    ts = _Tabu(d, rng, prm)
    ts.set(assign0)
    ts.record()
    n = problem.n_items
    stall = prm.episode_stall or max(600, 3 * n)
    elite: list[tuple[float, IntArray]] = []
    if ts.best_cost < _INF:
        elite.append((ts.best_cost, ts.best_assign.copy()))
    total = 0
    limit = moves if problem.n_agents >= 2 else 0
    while total < limit:
        # one episode: tabu search until `stall` moves without a better episode best
        ep_best, ep_assign, since = _INF, ts.assign.copy(), 0
        while since < stall and total < limit:
            if total % 16 == 0:
                if control.phase_over():
                    limit = total
                    break
                control.update(
                    total / max(moves, 1),
                    best=None if ts.best_cost == _INF else -ts.best_cost,
                )
            ts.step()
            total += 1
            since += 1
            ts.record()
            if ts.feasible():
                c = ts.cost()
                if c < ep_best - _EPS:
                    ep_best, ep_assign, since = c, ts.assign.copy(), 0
        if ep_best < _INF:
            _add_elite(elite, ep_best, ep_assign, prm.elite_size)
        if total >= limit:
            break
        # next start: on the path between two elite solutions, or a kick from the best
        if len(elite) >= 2:
            i, k = rng.choice(len(elite), size=2, replace=False)
            ts.relink(elite[int(i)][1], elite[int(k)][1], float(rng.uniform(0.3, 0.7)))
        else:
            ts.set(ts.best_assign if ts.best_cost < _INF else ts.assign)
            kick = rng.choice(n, size=max(2, n // 20), replace=False)
            for j in kick.tolist():
                ok = np.flatnonzero(np.isfinite(d.cost[j]))
                ts.apply([(j, int(rng.choice(ok)))])
        ts.tabu[:] = 0
        ts.alpha = np.full(ts.m, ts.alpha0)
    control.count("tabu_moves", total)
    if ts.best_cost == _INF:
        return start if feasible_start else None
    arcs = make_arcs(problem, ts.rows.astype(np.int64), ts.best_assign)
    sol = CoreSolution(arcs, np.ones(n, dtype=np.int64))
    if not is_feasible(problem, sol):
        return start if feasible_start else None
    if feasible_start:
        return sol if ts.best_cost <= start_cost + _EPS else start
    return sol


def _add_elite(
    elite: list[tuple[float, IntArray]], cost: float, assign: IntArray, size: int
) -> None:
    for _, a in elite:
        if np.array_equal(a, assign):
            return
    if len(elite) < size:
        elite.append((cost, assign.copy()))
    else:
        worst = max(range(len(elite)), key=lambda q: elite[q][0])
        if cost < elite[worst][0] - _EPS:
            elite[worst] = (cost, assign.copy())
