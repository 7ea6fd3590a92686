"""The MIP of a core problem over a set of arcs, as one sparse matrix shared by both backends.

Columns: x_k (units on arc k), then for a distribution key P (placed persons) and d+_i, d-_i
(deviation of agent i from its target), then z_(p,g) (pair p kept together in group g).
Objective (maximise): sum (v_k + penalty_item) x_k - w * sum (d+ + d-) + sum bonus z
plus the constant -sum penalty_item * count_item.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .core import Arcs, CoreProblem, FloatArray, IntArray

INF = float("inf")


@dataclass
class MipModel:
    n_cols: int
    n_x: int
    cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    integer: np.ndarray  # bool per column
    row_lower: FloatArray
    row_upper: FloatArray
    start: IntArray  # CSR
    index: IntArray
    value: FloatArray
    offset: float
    item_row: IntArray  # row of each item's assignment constraint, -1 if none
    cap_row: dict[tuple[int, int], int]  # (agent, resource) -> row
    key_rows: IntArray | None  # (m,) row of each agent's deviation, with P row at p_row
    p_row: int
    p_col: int
    d_cols: IntArray | None  # (m,) d+ columns (d- = d+ + m)
    pair_rows: list[tuple[int, int, int, int]]  # (pair, group, row a, row b)
    pair_cols: list[tuple[int, int, int]]  # (pair, group, column)

    @property
    def n_rows(self) -> int:
        return int(self.row_lower.shape[0])

    def full_start(self, problem: CoreProblem, arcs: Arcs, x: IntArray) -> FloatArray:
        """Complete column vector (key and pair columns derived) for a start solution x."""
        col = np.zeros(self.n_cols)
        col[: self.n_x] = x
        if self.d_cols is not None:
            persons = np.bincount(
                arcs.agent, weights=x * problem.item_persons[arcs.item], minlength=problem.n_agents
            )
            if problem.key_target is not None:
                dev = persons - problem.key_target
            else:
                assert problem.share is not None
                total = persons.sum()
                col[self.p_col] = total
                dev = persons - problem.share * total
            col[self.d_cols] = np.maximum(dev, 0)
            col[self.d_cols + problem.n_agents] = np.maximum(-dev, 0)
        if self.pair_cols and problem.agent_group is not None:
            group_of = {}
            for k in np.flatnonzero(x).tolist():
                group_of[int(arcs.item[k])] = int(problem.agent_group[arcs.agent[k]])
            for p, g, c in self.pair_cols:
                a, b, _ = problem.pairs[p]
                col[c] = 1.0 if group_of.get(a) == g and group_of.get(b) == g else 0.0
        return col


def build(problem: CoreProblem, arcs: Arcs) -> MipModel:
    n, m, nr = problem.n_items, problem.n_agents, problem.n_resources
    k_arcs = arcs.size
    cost: list[float] = (arcs.value + problem.item_penalty[arcs.item]).tolist()
    lower = [0.0] * k_arcs
    upper = problem.item_count[arcs.item].astype(np.float64).tolist()
    integer = [True] * k_arcs
    r_idx: list[IntArray] = []
    c_idx: list[IntArray] = []
    vals: list[FloatArray] = []
    row_lower: list[float] = []
    row_upper: list[float] = []
    x_cols = np.arange(k_arcs, dtype=np.int64)

    # item rows
    item_row = np.full(n, -1, dtype=np.int64)
    items_with_arcs = np.unique(arcs.item)
    item_row[items_with_arcs] = np.arange(items_with_arcs.shape[0])
    r_idx.append(item_row[arcs.item])
    c_idx.append(x_cols)
    vals.append(np.ones(k_arcs))
    cnt = problem.item_count[items_with_arcs].astype(np.float64)
    row_lower.extend((cnt if problem.must_place else np.zeros_like(cnt)).tolist())
    row_upper.extend(cnt.tolist())
    next_row = len(row_lower)

    # capacity rows (only where some arc uses the resource)
    cap_row: dict[tuple[int, int], int] = {}
    for r in range(nr):
        used = arcs.use[:, r] > 0
        agents_r = np.unique(arcs.agent[used])
        if agents_r.shape[0] == 0:
            continue
        rows_of_agent = np.full(m, -1, dtype=np.int64)
        rows_of_agent[agents_r] = next_row + np.arange(agents_r.shape[0])
        for a, row in zip(agents_r.tolist(), rows_of_agent[agents_r].tolist(), strict=True):
            cap_row[(a, r)] = row
        sel = np.flatnonzero(used)
        r_idx.append(rows_of_agent[arcs.agent[sel]])
        c_idx.append(sel.astype(np.int64))
        vals.append(arcs.use[sel, r])
        row_lower.extend([-INF] * agents_r.shape[0])
        row_upper.extend(problem.capacity[agents_r, r].tolist())
        next_row += agents_r.shape[0]

    # distribution key
    key_rows = d_cols = None
    p_row = p_col = -1
    if problem.key_target is not None and problem.key_weight > 0:
        # fixed absolute targets: persons_i - d+_i + d-_i = target_i (no P column)
        d_cols = np.arange(len(cost), len(cost) + m, dtype=np.int64)
        cost.extend([-problem.key_weight] * (2 * m))
        lower.extend([0.0] * (2 * m))
        upper.extend([INF] * (2 * m))
        integer.extend([False] * (2 * m))
        key_rows = next_row + np.arange(m, dtype=np.int64)
        r_idx.append(key_rows[arcs.agent])
        c_idx.append(x_cols)
        vals.append(problem.item_persons[arcs.item])
        r_idx.append(np.concatenate([key_rows, key_rows]))
        c_idx.append(np.concatenate([d_cols, d_cols + m]))
        vals.append(np.concatenate([-np.ones(m), np.ones(m)]))
        row_lower.extend(problem.key_target.tolist())
        row_upper.extend(problem.key_target.tolist())
        next_row += m
    elif problem.share is not None and problem.key_weight > 0:
        p_col = len(cost)
        cost.append(0.0)
        lower.append(0.0)
        upper.append(INF)
        integer.append(False)
        d_cols = np.arange(p_col + 1, p_col + 1 + m, dtype=np.int64)
        cost.extend([-problem.key_weight] * (2 * m))
        lower.extend([0.0] * (2 * m))
        upper.extend([INF] * (2 * m))
        integer.extend([False] * (2 * m))
        persons = problem.item_persons[arcs.item]
        p_row = next_row
        r_idx.append(np.full(k_arcs + 1, p_row, dtype=np.int64))
        c_idx.append(np.append(x_cols, p_col))
        vals.append(np.append(persons, -1.0))
        row_lower.append(0.0)
        row_upper.append(0.0)
        next_row += 1
        key_rows = next_row + np.arange(m, dtype=np.int64)
        r_idx.append(key_rows[arcs.agent])
        c_idx.append(x_cols)
        vals.append(persons)
        r_idx.append(np.concatenate([key_rows, key_rows, key_rows]))
        c_idx.append(np.concatenate([np.full(m, p_col, dtype=np.int64), d_cols, d_cols + m]))
        vals.append(np.concatenate([-problem.share, -np.ones(m), np.ones(m)]))
        row_lower.extend([0.0] * m)
        row_upper.extend([0.0] * m)
        next_row += m

    # preferred pairs within one group (district)
    pair_rows: list[tuple[int, int, int, int]] = []
    pair_cols: list[tuple[int, int, int]] = []
    if problem.pairs and problem.agent_group is not None:
        group_arcs: dict[tuple[int, int], list[int]] = defaultdict(list)
        involved = {i for a, b, _ in problem.pairs for i in (a, b)}
        for k in range(k_arcs):
            it = int(arcs.item[k])
            if it in involved:
                group_arcs[(it, int(problem.agent_group[arcs.agent[k]]))].append(k)
        for p, (a, b, bonus) in enumerate(problem.pairs):
            groups_a = {g for (it, g) in group_arcs if it == a}
            groups_b = {g for (it, g) in group_arcs if it == b}
            for g in sorted(groups_a & groups_b):
                col = len(cost)
                cost.append(bonus)
                lower.append(0.0)
                upper.append(1.0)
                integer.append(True)
                rows = []
                for it in (a, b):
                    ks = np.array(group_arcs[(it, g)], dtype=np.int64)
                    r_idx.append(np.full(ks.shape[0] + 1, next_row, dtype=np.int64))
                    c_idx.append(np.append(ks, col))
                    vals.append(np.append(-np.ones(ks.shape[0]), 1.0))
                    row_lower.append(-INF)
                    row_upper.append(0.0)
                    rows.append(next_row)
                    next_row += 1
                pair_rows.append((p, g, rows[0], rows[1]))
                pair_cols.append((p, g, col))

    rows_all = np.concatenate(r_idx)
    cols_all = np.concatenate(c_idx)
    vals_all = np.concatenate(vals)
    order = np.lexsort((cols_all, rows_all))
    rows_all, cols_all, vals_all = rows_all[order], cols_all[order], vals_all[order]
    start = np.zeros(next_row + 1, dtype=np.int64)
    np.add.at(start, rows_all + 1, 1)
    start = np.cumsum(start)
    offset = -float(np.dot(problem.item_penalty, problem.item_count))
    return MipModel(
        n_cols=len(cost),
        n_x=k_arcs,
        cost=np.array(cost, dtype=np.float64),
        col_lower=np.array(lower, dtype=np.float64),
        col_upper=np.array(upper, dtype=np.float64),
        integer=np.array(integer, dtype=bool),
        row_lower=np.array(row_lower, dtype=np.float64),
        row_upper=np.array(row_upper, dtype=np.float64),
        start=start,
        index=cols_all,
        value=vals_all.astype(np.float64),
        offset=offset,
        item_row=item_row,
        cap_row=cap_row,
        key_rows=key_rows,
        p_row=p_row,
        p_col=p_col,
        d_cols=d_cols,
        pair_rows=pair_rows,
        pair_cols=pair_cols,
    )
