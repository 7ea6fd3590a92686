"""The core problem every solver works on: a multi-resource generalized assignment problem.

Items (households, linked household blocks, or aggregated identical household types with a
multiplicity) are assigned unit by unit to agents (municipalities) with capacities per resource.
Resource use may depend on the agent (published GAP instances) or not (real data, broadcast).
The GAP instances of the literature and real allocation instances use this same structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class CoreProblem:
    capacity: FloatArray  # (m, R)
    rows: FloatArray  # (T, m) value per unit of a row; -inf where the agent is not allowed
    use: FloatArray  # (T, 1 or m, R) resource use per unit
    item_row: IntArray  # (n,) row of each item
    item_count: IntArray  # (n,) multiplicity
    item_persons: FloatArray  # (n,) persons per unit (for the distribution key)
    item_penalty: FloatArray  # (n,) penalty per unit left unplaced
    item_const: FloatArray  # (n,) value per placed unit independent of the agent
    item_bonus: list[dict[int, float]]  # per item sparse agent -> extra value
    must_place: bool = False  # every unit must be placed (classic GAP)
    share: FloatArray | None = None  # (m,) target share of placed persons
    key_weight: float = 0.0
    pairs: list[tuple[int, int, float]] = field(default_factory=list)  # (item a, item b, bonus)
    agent_group: IntArray | None = None  # (m,) district of each agent, for pairs
    #: absolute target persons per agent instead of `share` x placed persons (sub-problems of
    #: the neighbourhood search, where the total is fixed by the rest of the solution)
    key_target: FloatArray | None = None

    @property
    def n_items(self) -> int:
        return int(self.item_row.shape[0])

    @property
    def n_agents(self) -> int:
        return int(self.capacity.shape[0])

    @property
    def n_resources(self) -> int:
        return int(self.capacity.shape[1])

    def row_use(self, row: int, agents: IntArray) -> FloatArray:
        u = self.use[row]
        if u.shape[0] == 1:
            return np.asarray(np.broadcast_to(u[0], (agents.shape[0], u.shape[1])))
        return np.asarray(u[agents], dtype=np.float64)

    def feasible_agents(self, row: int) -> IntArray:
        """Agents allowed for one unit of a row: value finite and use within capacity."""
        ok = np.isfinite(self.rows[row])
        u = self.use[row]
        ok &= np.all(u <= self.capacity + 1e-9, axis=1)
        return np.flatnonzero(ok).astype(np.int64)

    def item_values(self, item: int, agents: IntArray) -> FloatArray:
        v = self.rows[self.item_row[item], agents] + self.item_const[item]
        bonus = self.item_bonus[item]
        if bonus:
            v = v.copy()
            for k, a in enumerate(agents.tolist()):
                v[k] += bonus.get(a, 0.0)
        return np.asarray(v, dtype=np.float64)

    def count_feasible_arcs(self) -> int:
        per_row = {t: int(self.feasible_agents(t).shape[0]) for t in set(self.item_row.tolist())}
        return sum(per_row[t] for t in self.item_row.tolist())


@dataclass
class Arcs:
    item: IntArray
    agent: IntArray
    value: FloatArray  # value per unit (without the unplaced penalty)
    use: FloatArray  # (K, R)

    @property
    def size(self) -> int:
        return int(self.item.shape[0])


def make_arcs(problem: CoreProblem, item: IntArray, agent: IntArray) -> Arcs:
    order = np.lexsort((agent, item))
    item, agent = item[order], agent[order]
    rows = problem.item_row[item]
    value = problem.rows[rows, agent] + problem.item_const[item]
    for k in np.flatnonzero([bool(problem.item_bonus[i]) for i in item.tolist()]).tolist():
        value[k] += problem.item_bonus[int(item[k])].get(int(agent[k]), 0.0)
    u = problem.use
    use = u[rows, 0] if u.shape[1] == 1 else u[rows, agent]
    return Arcs(item, agent, value.astype(np.float64), use.astype(np.float64))


def all_arcs(problem: CoreProblem) -> Arcs:
    items: list[IntArray] = []
    agents: list[IntArray] = []
    cache: dict[int, IntArray] = {}
    for j, t in enumerate(problem.item_row.tolist()):
        if t not in cache:
            cache[t] = problem.feasible_agents(t)
        a = cache[t]
        items.append(np.full(a.shape[0], j, dtype=np.int64))
        agents.append(a)
    if not items:
        return make_arcs(problem, np.zeros(0, np.int64), np.zeros(0, np.int64))
    return make_arcs(problem, np.concatenate(items), np.concatenate(agents))


@dataclass
class CoreSolution:
    """x[k] units on arc k of `arcs`."""

    arcs: Arcs
    x: IntArray

    def placed_per_item(self, n_items: int) -> IntArray:
        return np.bincount(self.arcs.item, weights=self.x, minlength=n_items).astype(np.int64)


def core_objective(problem: CoreProblem, sol: CoreSolution) -> float:
    """Objective of a core solution (must equal the re-scored instance score)."""
    arcs, x = sol.arcs, sol.x
    value = float(np.dot(arcs.value, x))
    placed = sol.placed_per_item(problem.n_items)
    value -= float(np.dot(problem.item_penalty, problem.item_count - placed))
    if problem.key_weight > 0 and (problem.share is not None or problem.key_target is not None):
        persons = np.bincount(
            arcs.agent, weights=x * problem.item_persons[arcs.item], minlength=problem.n_agents
        )
        target = problem.key_target
        if target is None:
            assert problem.share is not None
            target = problem.share * persons.sum()
        value -= problem.key_weight * float(np.abs(persons - target).sum())
    if problem.pairs and problem.agent_group is not None:
        group_of = {}
        for k in np.flatnonzero(x).tolist():
            group_of[int(arcs.item[k])] = int(problem.agent_group[arcs.agent[k]])
        for a, b, bonus in problem.pairs:
            if a in group_of and b in group_of and group_of[a] == group_of[b]:
                value += bonus
    return value


def capacity_used(problem: CoreProblem, sol: CoreSolution) -> FloatArray:
    used = np.zeros_like(problem.capacity)
    nz = np.flatnonzero(sol.x)
    np.add.at(used, sol.arcs.agent[nz], sol.arcs.use[nz] * sol.x[nz, None])
    return used


def is_feasible(problem: CoreProblem, sol: CoreSolution) -> bool:
    placed = sol.placed_per_item(problem.n_items)
    if np.any(placed > problem.item_count) or np.any(sol.x < 0):
        return False
    if problem.must_place and np.any(placed != problem.item_count):
        return False
    return bool(np.all(capacity_used(problem, sol) <= problem.capacity + 1e-6))
