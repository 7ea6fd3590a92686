"""Column generation for the LP relaxation of a large core problem, on one warm-started HiGHS
model.

The LP of a core problem is transportation-like: one row per item, one per (agent, resource),
the distribution key (one row for the placed persons, one per agent) and, for preferred
district links, two rows per (pair, district) that both partners can reach. Its optimal basis
has at most as many arcs as rows, so only a small share of the feasible arcs matters. We keep
one HiGHS model alive: all item, capacity and key rows exist from the start; arcs (columns) are
added with `addCols`, pair rows and their z columns with `addRows` / `addCols` when a district
becomes common to both partners. HiGHS keeps its basis across these changes, so each round is a
short warm-started re-solve instead of a solve from scratch (measured: a cold solve of all
211,730 alliance arcs needs ~19,000 dual simplex iterations).

Arcs are priced with the optimistic pair bonus (`optimism`), so when no arc has a positive
reduced cost the LP value is an upper bound for the full problem.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np

from .backends import HIGHS_INT_MAX, configure, highs_int, new_highs, watch
from .control import Control
from .core import (
    Arcs,
    CoreProblem,
    FloatArray,
    IntArray,
    make_arcs,
)


@dataclass
class ColGenResult:
    arcs: Arcs
    bound: float | None  # valid upper bound: min over rounds of LP value + Lagrangian slack
    x: FloatArray | None  # LP solution on `arcs` (None if not solved)
    reduced: FloatArray | None  # reduced cost of each arc in the last LP (optimistic for pairs)
    rounds: int
    prices: FloatArray | None = None  # (m, R) capacity duals of the round that gave `bound`


@dataclass
class _RowMap:
    """The index shape `optimal._price` reads (same as a `MipModel`)."""

    cap_row: dict[tuple[int, int], int]
    key_rows: IntArray | None
    p_row: int
    item_row: IntArray


class IncrementalLP:
    """The LP relaxation of a core problem over a growing set of arcs."""

    def __init__(self, problem: CoreProblem, *, control: Control, seed: int) -> None:
        self.p = problem
        self.control = control
        self.seed = seed
        n, m, nr = problem.n_items, problem.n_agents, problem.n_resources
        h = new_highs()
        configure(h, control, seed=seed)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        inf = highspy.kHighsInf
        cnt = problem.item_count.astype(np.float64)
        lower = cnt if problem.must_place else np.zeros(n)
        cap = problem.capacity.reshape(-1)
        self.key = problem.share is not None and problem.key_weight > 0
        row_lo = [lower, np.full(m * nr, -inf)]
        row_hi = [cnt, cap.astype(np.float64)]
        if self.key:
            row_lo.append(np.zeros(m + 1))
            row_hi.append(np.zeros(m + 1))
        lo = np.concatenate(row_lo)
        hi = np.concatenate(row_hi)
        empty_i = np.zeros(0, dtype=np.int32)
        h.addRows(lo.shape[0], lo, hi, 0, np.zeros(lo.shape[0], np.int32), empty_i, np.zeros(0))
        self.n_rows = int(lo.shape[0])
        self.cap0 = n
        self.p_row = n + m * nr if self.key else -1
        self.key0 = self.p_row + 1
        self.n_cols = 0
        self.last_iterations = 0
        if self.key and problem.share is not None:
            # P column: -1 in the P row, -share_a in each key row; then d+ (m), d- (m)
            idx = np.concatenate([[self.p_row], self.key0 + np.arange(m)]).astype(np.int32)
            val = np.concatenate([[-1.0], -problem.share]).astype(np.float64)
            h.addCols(1, np.zeros(1), np.zeros(1), np.full(1, inf), idx.shape[0],
                      np.zeros(1, np.int32), idx, val)  # fmt: skip
            krows = (self.key0 + np.arange(m)).astype(np.int32)
            w = problem.key_weight
            h.addCols(m, np.full(m, -w), np.zeros(m), np.full(m, inf), m,
                      np.arange(m, dtype=np.int32), krows, -np.ones(m))  # fmt: skip
            h.addCols(m, np.full(m, -w), np.zeros(m), np.full(m, inf), m,
                      np.arange(m, dtype=np.int32), krows, np.ones(m))  # fmt: skip
            self.n_cols = 1 + 2 * m
        h.changeObjectiveOffset(-float(np.dot(problem.item_penalty, problem.item_count)))
        # the safety cap, cancellation and (wall-clock mode) the phase's time stop every solve
        watch(h, control)
        self.h = h
        self.rowmap = _RowMap(
            cap_row={(a, r): n + a * nr + r for a in range(m) for r in range(nr)},
            key_rows=(self.key0 + np.arange(m)).astype(np.int64) if self.key else None,
            p_row=self.p_row,
            item_row=np.arange(n, dtype=np.int64),
        )
        # arcs in column order
        self.arc_item: list[IntArray] = []
        self.arc_agent: list[IntArray] = []
        self.arc_col: list[IntArray] = []
        # preferred pairs
        self.partners: dict[int, list[tuple[int, int]]] = defaultdict(list)  # item -> (pair, other)
        for pi, (a, b, _bonus) in enumerate(problem.pairs):
            self.partners[a].append((pi, b))
            self.partners[b].append((pi, a))
        self.pair_cols: dict[tuple[int, int], list[int]] = defaultdict(list)  # (item, g) -> cols
        self.pair_row: dict[tuple[int, int, int], int] = {}  # (pair, g, item) -> row
        self._reach: dict[int, IntArray] = {}
        self.rows_of_pair: dict[int, list[tuple[int, int, int]]] = {}  # pair -> (g, item, row)

    def add_arcs(self, item: IntArray, agent: IntArray) -> None:
        if item.shape[0] == 0:
            return
        p = self.p
        nr = p.n_resources
        arcs = make_arcs(p, item.astype(np.int64), agent.astype(np.int64))
        k = arcs.size
        cost = arcs.value + p.item_penalty[arcs.item]
        upper = p.item_count[arcs.item].astype(np.float64)
        persons = p.item_persons[arcs.item]
        # entries per column: item row, capacity rows with use > 0, P and key rows, pair rows
        ent_rows: list[IntArray] = [arcs.item[:, None]]
        ent_vals: list[FloatArray] = [np.ones((k, 1))]
        ent_rows.append(self.cap0 + arcs.agent[:, None] * nr + np.arange(nr)[None, :])
        ent_vals.append(arcs.use)
        if self.key:
            ent_rows.append(np.full((k, 1), self.p_row, dtype=np.int64))
            ent_vals.append(persons[:, None])
            ent_rows.append(self.key0 + arcs.agent[:, None])
            ent_vals.append(persons[:, None])
        rows = np.concatenate(ent_rows, axis=1)
        vals = np.concatenate(ent_vals, axis=1)
        keep = vals != 0
        counts = keep.sum(axis=1)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
        idx = rows[keep].astype(np.int32)
        val = vals[keep].astype(np.float64)
        cols = self.n_cols + np.arange(k, dtype=np.int64)
        extra_r: list[int] = []
        extra_c: list[int] = []
        new_groups: set[tuple[int, int]] = set()
        groups = p.agent_group
        if self.partners and groups is not None:
            for kk in range(k):
                it = int(arcs.item[kk])
                if it not in self.partners:
                    continue
                g = int(groups[arcs.agent[kk]])
                self.pair_cols[(it, g)].append(int(cols[kk]))
                for pi, _other in self.partners[it]:
                    row = self.pair_row.get((pi, g, it))
                    if row is not None:
                        extra_r.append(row)
                        extra_c.append(int(cols[kk]))
                    else:
                        new_groups.add((pi, g))
        self.h.addCols(k, cost, np.zeros(k), upper, idx.shape[0], starts, idx, val)
        self.n_cols += k
        for r, c in zip(extra_r, extra_c, strict=True):
            self.h.changeCoeff(r, c, -1.0)
        self.arc_item.append(arcs.item)
        self.arc_agent.append(arcs.agent)
        self.arc_col.append(cols)
        for pi, g in sorted(new_groups):
            a, b, bonus = p.pairs[pi]
            if not self.pair_cols.get((a, g)) or not self.pair_cols.get((b, g)):
                continue
            z = self.n_cols
            self.h.addCols(1, np.array([bonus]), np.zeros(1), np.ones(1), 0,
                           np.zeros(1, np.int32), np.zeros(0, np.int32), np.zeros(0))  # fmt: skip
            self.n_cols += 1
            for it in (a, b):
                xs = self.pair_cols[(it, g)]
                ridx = np.array([z, *xs], dtype=np.int32)
                rval = np.concatenate([[1.0], -np.ones(len(xs))])
                self.h.addRows(1, np.array([-highspy.kHighsInf]), np.zeros(1), ridx.shape[0],
                               np.zeros(1, np.int32), ridx, rval)  # fmt: skip
                self.pair_row[(pi, g, it)] = self.n_rows
                self.rows_of_pair.setdefault(pi, []).append((g, it, self.n_rows))
                self.n_rows += 1

    def groups_of_row(self, t: int) -> IntArray:
        """Districts (pair groups) an item of row t can reach."""
        if t not in self._reach:
            g = self.p.agent_group
            fa = self.p.feasible_agents(t)
            self._reach[t] = np.unique(g[fa]) if g is not None else np.zeros(0, np.int64)
        return self._reach[t]

    def arcs(self) -> tuple[IntArray, IntArray, IntArray]:
        if not self.arc_item:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z
        return (
            np.concatenate(self.arc_item),
            np.concatenate(self.arc_agent),
            np.concatenate(self.arc_col),
        )

    def solve(
        self, iterations: int | None = None
    ) -> tuple[bool, float, FloatArray, FloatArray, FloatArray]:
        """(optimal, objective, column values, row duals, column duals); at most `iterations`
        simplex iterations (a deterministic limit)."""
        configure(self.h, self.control, seed=self.seed)
        limit = HIGHS_INT_MAX if iterations is None else highs_int(iterations)
        self.h.setOptionValue("simplex_iteration_limit", limit)
        self.h.run()
        self.last_iterations = max(int(self.h.getInfo().simplex_iteration_count), 0)
        self.control.count("simplex_iterations", self.last_iterations)
        status = self.h.getModelStatus()
        if status == highspy.HighsModelStatus.kModelEmpty:
            offset = float(self.h.getObjectiveOffset()[1])
            return True, offset, np.zeros(self.n_cols), np.zeros(self.n_rows), np.zeros(self.n_cols)
        ok = status == highspy.HighsModelStatus.kOptimal
        sol = self.h.getSolution()
        obj = float(self.h.getInfo().objective_function_value)
        return (
            ok,
            obj,
            np.asarray(sol.col_value, dtype=np.float64),
            np.asarray(sol.row_dual, dtype=np.float64),
            np.asarray(sol.col_dual, dtype=np.float64),
        )


#: with more agents than this, items with a multiplicity get up to 30 extra random arcs
SPREAD_AGENTS = 1000


def initial_candidates(
    problem: CoreProblem, feasible_by_row: dict[int, IntArray], k: int, seed: int
) -> list[set[int]]:
    """Per item: its k best arcs by value (bonus included) and 2 seeded random ones. With many
    agents (> SPREAD_AGENTS) ties are broken at random and the random arcs, 2 + up to 30 by
    multiplicity, are drawn in proportion to the first resource's capacity (measured
    nationally: the plain rule left ~70 % unplaced in the first LP, as all items of a type
    crowd the same few municipalities; at state scale the spread rule made the first LP 2.5x
    slower, so it is not used there)."""
    rng = np.random.default_rng(seed)
    chosen: list[set[int]] = [set() for _ in range(problem.n_items)]
    room = np.maximum(problem.capacity[:, 0], 0.0) if problem.n_resources else None
    spread = problem.n_agents > SPREAD_AGENTS
    for t, agents in feasible_by_row.items():
        if agents.shape[0] == 0:
            continue
        base = problem.rows[t, agents]
        weight = None
        if spread:
            base = base + rng.uniform(0, 1e-9, agents.shape[0])
            if room is not None and room[agents].sum() > 0:
                weight = room[agents] / room[agents].sum()
        top = agents[np.argsort(-base, kind="stable")[:k]].tolist()
        members = np.flatnonzero(problem.item_row == t).tolist()
        for j in members:
            bonus = problem.item_bonus[j]
            if bonus:
                vals = base.copy()
                keys = np.fromiter(bonus, dtype=np.int64)
                pos = np.searchsorted(agents, keys)
                ok = (pos < agents.shape[0]) & (
                    agents[np.minimum(pos, agents.shape[0] - 1)] == keys
                )
                vals[pos[ok]] += np.array([bonus[int(a)] for a in keys[ok]])
                chosen[j].update(agents[np.argsort(-vals, kind="stable")[:k]].tolist())
            else:
                chosen[j].update(top)
            if not spread:
                chosen[j].update(
                    rng.choice(agents, size=min(2, agents.shape[0]), replace=False).tolist()
                )
                continue
            extra = 2 + min(int(problem.item_count[j]), 30)
            size = min(
                extra,
                agents.shape[0],
                int(np.count_nonzero(weight)) if weight is not None else extra,
            )
            chosen[j].update(rng.choice(agents, size=size, replace=False, p=weight).tolist())
    return chosen


def price_columns_warm(
    problem: CoreProblem,
    *,
    control: Control,
    lp_iterations: int,
    seed: int = 0,
    k_init: int = 8,
    k_add: int = 4,
    max_rounds: int = 200,
    rel_tol: float = 2e-4,
    seed_solution: tuple[IntArray, IntArray] | None = None,
) -> ColGenResult:
    """Grow candidate arcs on one warm-started LP until no arc has a positive reduced cost, or
    `lp_iterations` simplex iterations (all rounds together) or `max_rounds` are used."""
    say = control.say
    feasible_by_row = {
        t: problem.feasible_agents(t) for t in sorted(set(problem.item_row.tolist()))
    }
    chosen = initial_candidates(problem, feasible_by_row, k_init, seed)
    if seed_solution is not None:
        for j, a in zip(seed_solution[0].tolist(), seed_solution[1].tolist(), strict=True):
            chosen[j].add(a)
    lp = IncrementalLP(problem, control=control, seed=seed)
    items = np.concatenate(
        [np.full(len(c), j, dtype=np.int64) for j, c in enumerate(chosen)]
        or [np.zeros(0, np.int64)]
    )
    agents = np.concatenate(
        [np.fromiter(sorted(c), dtype=np.int64, count=len(c)) for c in chosen]
        or [np.zeros(0, np.int64)]
    )
    lp.add_arcs(items, agents)
    bound: float | None = None
    prices: FloatArray | None = None
    converged = False
    ok = False
    col_value = row_dual = col_dual = np.zeros(0)
    good: FloatArray | None = None
    rnd = 0
    spent = 0
    for rnd in range(max_rounds):
        ok, obj, col_value, row_dual, col_dual = lp.solve(lp_iterations - spent)
        spent += lp.last_iterations
        if not ok:
            say(f"pricing round {rnd}: LP not solved within the budget")
            break
        good = col_value.copy()
        new_items, new_agents, lag = price(lp, row_dual, chosen, feasible_by_row, k_add)
        if bound is None or obj + lag < bound:
            bound = obj + lag
            prices = capacity_prices(lp, row_dual)
        control.update(min(spent / max(lp_iterations, 1), 1.0), bound=bound)
        say(
            f"pricing round {rnd}: LP {obj:.3f} (bound {bound:.3f}), {lp.n_cols} columns, "
            f"{new_items.shape[0]} arcs added ({lp.last_iterations} iterations, "
            f"{spent} of {lp_iterations})"
        )
        if new_items.shape[0] == 0 or bound - obj <= rel_tol * max(abs(obj), 1.0):
            converged = True
            break
        if spent >= lp_iterations or control.phase_over():
            say(f"pricing stopped after round {rnd}: budget used")
            break
        lp.add_arcs(new_items, new_agents)
    it, ag, cols = lp.arcs()
    arcs = make_arcs(problem, it, ag)  # sorted by (item, agent)
    order = np.lexsort((ag, it))
    x = None
    if good is not None:
        # the last solved LP; arcs added after it are at 0 (still a feasible LP solution)
        padded = np.zeros(lp.n_cols)
        padded[: good.shape[0]] = good
        x = padded[cols[order]]
    reduced = col_dual[cols[order]] if converged else None
    return ColGenResult(arcs, bound, x, reduced, rnd + 1, prices)


def capacity_prices(lp: IncrementalLP, y: FloatArray) -> FloatArray:
    """The LP's capacity-row duals as an (agent, resource) array: the value of one more place."""
    problem = lp.p
    lam = np.zeros((problem.n_agents, problem.n_resources))
    for (a, r), row in lp.rowmap.cap_row.items():
        lam[a, r] = y[row]
    return lam


def _pair_adjustments(
    lp: IncrementalLP, y: FloatArray, rc_of: dict[int, tuple[IntArray, FloatArray]]
) -> tuple[dict[int, FloatArray], dict[int, FloatArray]]:
    """Dual contribution of the pair rows (existing rows, missing rows) to the reduced costs
    of pair items' arcs.

    `rc_of[j]` = (feasible agents, reduced costs without pair terms). Where the pair row of a
    district exists its dual is used. Where it does not exist yet (no z column), the missing
    rows get duals u_a, u_b >= 0 with u_a + u_b = bonus (the z column then prices at 0), split so
    that as little as possible makes an arc positive: together with the item duals this is a
    feasible dual of the full LP, so LP value + Lagrangian slack stays a valid bound."""
    p = lp.p
    groups = p.agent_group
    adj = {j: np.zeros(ag.shape[0]) for j, (ag, _rc) in rc_of.items()}
    missing = {j: np.zeros(ag.shape[0]) for j, (ag, _rc) in rc_of.items()}
    if groups is None:
        return adj, missing
    n_g = int(groups.max()) + 1 if groups.shape[0] else 0
    for pi, (a, b, bonus) in enumerate(p.pairs):
        ag_a, rc_a = rc_of[a]
        ag_b, rc_b = rc_of[b]
        ga, gb = groups[ag_a], groups[ag_b]
        with_rows: dict[int, list[int]] = {a: [], b: []}
        for g, it, row in lp.rows_of_pair.get(pi, ()):
            adj[it][(ga if it == a else gb) == g] += y[row]
            with_rows[it].append(g)
        best_a = np.full(n_g, -np.inf)
        best_b = np.full(n_g, -np.inf)
        np.maximum.at(best_a, ga, rc_a)
        np.maximum.at(best_b, gb, rc_b)
        both = np.isfinite(best_a) & np.isfinite(best_b)
        s_a = np.maximum(0.0, -best_a)
        u_a = np.where(both, np.minimum(bonus, s_a), 0.0)
        u_b = np.where(both, bonus - u_a, 0.0)
        missing_a = ~np.isin(ga, np.array(with_rows[a], dtype=np.int64))
        missing_b = ~np.isin(gb, np.array(with_rows[b], dtype=np.int64))
        missing[a] += np.where(missing_a, u_a[ga], 0.0)
        missing[b] += np.where(missing_b, u_b[gb], 0.0)
    return adj, missing


def _complete_pair_groups(
    lp: IncrementalLP,
    j: int,
    a: int,
    chosen: list[set[int]],
    feasible_by_row: dict[int, IntArray],
    out_i: list[int],
    out_a: list[int],
) -> None:
    """Item j has arc a priced positive only through a missing pair row: give each partner
    that can reach a's district its best arc there, which creates the row."""
    p = lp.p
    if p.agent_group is None:
        return
    g = int(p.agent_group[a])
    for pi, other in lp.partners[j]:
        if (pi, g, j) in lp.pair_row:
            continue
        fa = feasible_by_row[int(p.item_row[other])]
        in_g = fa[p.agent_group[fa] == g]
        in_g = np.array([b for b in in_g.tolist() if b not in chosen[other]], dtype=np.int64)
        if in_g.shape[0] == 0:
            continue
        vals = p.item_values(other, in_g)
        b = int(in_g[int(np.argmax(vals))])
        chosen[other].add(b)
        out_i.append(other)
        out_a.append(b)


def price(
    lp: IncrementalLP,
    y: FloatArray,
    chosen: list[set[int]],
    feasible_by_row: dict[int, IntArray],
    k_add: int,
    eps: float = 1e-7,
) -> tuple[IntArray, IntArray, float]:
    """Up to k_add arcs per item with a positive reduced cost c - A^T y.

    Adds them to `chosen` and returns them as (items, agents), and the Lagrangian slack
    sum_i count_i * max(0, max reduced cost of item i): LP value + slack bounds the full LP
    (raise each item's dual by its largest positive reduced cost to get a feasible dual)."""
    problem, rowmap = lp.p, lp.rowmap
    n, m, nr = problem.n_items, problem.n_agents, problem.n_resources
    ycap = np.zeros((m, nr))
    for (a, r), row in rowmap.cap_row.items():
        ycap[a, r] = y[row]
    ykey = np.zeros(m)
    yp = 0.0
    if rowmap.key_rows is not None:
        ykey = y[rowmap.key_rows]
        yp = float(y[rowmap.p_row])
    y_item = y[rowmap.item_row]
    groups: dict[tuple[int, float], list[int]] = {}
    for j in range(n):
        groups.setdefault((int(problem.item_row[j]), float(problem.item_persons[j])), []).append(j)
    out_i: list[int] = []
    out_a: list[int] = []
    lag = 0.0
    # pair items first: their reduced costs over all feasible agents, then the pair duals
    rc_of: dict[int, tuple[IntArray, FloatArray]] = {}
    for j in lp.partners:
        t = int(problem.item_row[j])
        agents = feasible_by_row[t]
        use_t = problem.use[t, 0] if problem.use.shape[1] == 1 else problem.use[t][agents]
        cap_cost = (
            ycap[agents] @ use_t if use_t.ndim == 1 else np.einsum("ar,ar->a", ycap[agents], use_t)
        )
        pj = float(problem.item_persons[j])
        rc = problem.item_values(j, agents) - cap_cost - pj * (yp + ykey[agents])
        rc_of[j] = (agents, rc + float(problem.item_penalty[j]) - float(y_item[j]))
    adjust, missing = _pair_adjustments(lp, y, rc_of) if rc_of else ({}, {})
    for (t, persons), members in groups.items():
        agents = feasible_by_row[t]
        if agents.shape[0] == 0:
            continue
        use_t = problem.use[t, 0] if problem.use.shape[1] == 1 else problem.use[t][agents]
        cap_cost = (
            ycap[agents] @ use_t if use_t.ndim == 1 else np.einsum("ar,ar->a", ycap[agents], use_t)
        )
        base = problem.rows[t, agents] - cap_cost - persons * (yp + ykey[agents])
        scalars = problem.item_const[members] + problem.item_penalty[members] - y_item[members]
        width = min(agents.shape[0], k_add + max(len(chosen[j]) for j in members))
        if width < agents.shape[0]:
            top = np.argpartition(-base, width - 1)[:width]
        else:
            top = np.arange(agents.shape[0])
        for j, scalar in zip(members, scalars.tolist(), strict=True):
            bonus = problem.item_bonus[j]
            cand = top
            vals = base[top] + scalar
            c = chosen[j]
            in_lp = vals
            if j in adjust:
                cand = np.arange(agents.shape[0])
                in_lp = rc_of[j][1] + adjust[j]
                vals = in_lp + missing[j]
            elif bonus:
                keys = np.fromiter(bonus, dtype=np.int64, count=len(bonus))
                pos = np.searchsorted(agents, keys)
                ok = (pos < agents.shape[0]) & (
                    agents[np.minimum(pos, agents.shape[0] - 1)] == keys
                )
                bpos = pos[ok]
                bval = base[bpos] + scalar + np.array([bonus[int(a)] for a in keys[ok]])
                # agents in the top list that also carry a bonus: take the bonus value
                cand = np.concatenate([top, bpos])
                vals = np.concatenate([np.where(np.isin(top, bpos), -np.inf, vals), bval])
            # arcs already in the LP keep their column-bound duals: only the increase counts
            chosen_mask = np.fromiter(
                (int(a) in c for a in agents[cand].tolist()), dtype=bool, count=cand.shape[0]
            )
            eff = vals.copy()
            if j in adjust:
                eff[chosen_mask] -= np.maximum(0.0, in_lp[chosen_mask])
            else:
                eff[chosen_mask] = -np.inf
            best = float(eff.max()) if eff.shape[0] else 0.0
            if best > 0:
                lag += float(problem.item_count[j]) * best
            order = np.argsort(-eff, kind="stable")
            new = 0
            for q in order.tolist():
                if eff[q] <= eps:
                    break
                a = int(agents[cand[q]])
                if chosen_mask[q]:
                    _complete_pair_groups(lp, j, a, chosen, feasible_by_row, out_i, out_a)
                    continue
                if a not in c:
                    c.add(a)
                    out_i.append(j)
                    out_a.append(a)
                    new += 1
                    if new >= k_add:
                        break
    return np.array(out_i, dtype=np.int64), np.array(out_a, dtype=np.int64), lag
