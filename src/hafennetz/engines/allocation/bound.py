"""A bound for large core problems: the pooled relaxation.

A subgradient method on the Lagrangian dual (capacity, key rows relaxed) was tried and dropped:
with many agents of equal value the relaxed choice jumps between tied agents and the bound did
not move below its start in hundreds of steps (state scale); the pooled LP below converges in
seconds instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .core import CoreProblem, IntArray


@dataclass
class Pooled:
    problem: CoreProblem
    agent_class: IntArray  # (m,) class of each agent of the original problem


def pooled(problem: CoreProblem, *, min_factor: int = 4) -> Pooled | None:
    """A relaxation with one agent per class of interchangeable agents (same value column; use
    independent of the agent): capacities and key shares summed per class, a unit allowed in a
    class if it fits one of its agents, bonuses at their agent's class, pair bonuses counted
    half for each partner everywhere, identical items merged. Every solution of `problem` maps
    to one of the pooled problem with at least its value (the key penalty can only shrink by the
    triangle inequality), so any bound for it bounds `problem`. None if pooling does not reduce
    the agents at least `min_factor`-fold.
    """
    p = problem
    if p.use.shape[1] != 1 or p.key_target is not None:
        return None
    cols = np.where(np.isfinite(p.rows), p.rows, -1e300).T  # (m, T)
    _, cls = np.unique(cols, axis=0, return_inverse=True)
    cls = cls.reshape(-1).astype(np.int64)
    n_cls = int(cls.max()) + 1 if cls.shape[0] else 0
    if n_cls * min_factor > p.n_agents:
        return None
    capacity = np.zeros((n_cls, p.n_resources))
    np.add.at(capacity, cls, p.capacity)
    fits = np.zeros((p.rows.shape[0], n_cls), dtype=bool)
    use = p.use[:, 0, :]
    for c in range(n_cls):
        members = np.flatnonzero(cls == c)
        fits[:, c] = np.any(np.all(use[:, None, :] <= p.capacity[members][None] + 1e-9, axis=2), 1)
    first = np.array([np.flatnonzero(cls == c)[0] for c in range(n_cls)], dtype=np.int64)
    rows = np.where(fits, p.rows[:, first], -np.inf)
    half = np.zeros(p.n_items)
    for a, b, bonus in p.pairs:
        half[a] += max(bonus, 0.0) / 2
        half[b] += max(bonus, 0.0) / 2
    merged: dict[tuple[int, float, float, float, tuple[tuple[int, float], ...]], int] = {}
    for j in range(p.n_items):
        by_class: dict[int, float] = {}
        for a, v in p.item_bonus[j].items():
            c = int(cls[a])
            by_class[c] = max(by_class.get(c, 0.0), v)
        key = (
            int(p.item_row[j]),
            float(p.item_persons[j]),
            float(p.item_penalty[j]),
            float(p.item_const[j] + half[j]),
            tuple(sorted(by_class.items())),
        )
        merged[key] = merged.get(key, 0) + int(p.item_count[j])
    keys = list(merged)
    share = None
    if p.share is not None:
        share = np.zeros(n_cls)
        np.add.at(share, cls, p.share)
    relaxed = CoreProblem(
        capacity=capacity,
        rows=rows,
        use=p.use,
        item_row=np.array([k[0] for k in keys], dtype=np.int64),
        item_count=np.array([merged[k] for k in keys], dtype=np.int64),
        item_persons=np.array([k[1] for k in keys], dtype=np.float64),
        item_penalty=np.array([k[2] for k in keys], dtype=np.float64),
        item_const=np.array([k[3] for k in keys], dtype=np.float64),
        item_bonus=[dict(k[4]) for k in keys],
        must_place=p.must_place,
        share=share,
        key_weight=p.key_weight,
    )
    return Pooled(relaxed, cls)
