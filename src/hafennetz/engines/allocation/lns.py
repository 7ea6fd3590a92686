"""Large-neighbourhood search on a core solution: free all units of a few agents and re-solve
that sub-problem exactly with a small MIP (the large-instance path, ADR 0023)."""

from __future__ import annotations

import numpy as np

from .backends import solve_highs
from .control import Control
from .core import (
    CoreProblem,
    CoreSolution,
    FloatArray,
    IntArray,
    all_arcs,
    make_arcs,
)
from .mip_model import build


class _State:
    """An assignment kept as units per (item, agent), with capacity, persons and value totals
    updated incrementally, so a neighbourhood move costs only its own size."""

    def __init__(self, problem: CoreProblem, sol: CoreSolution) -> None:
        self.p = problem
        self.by_agent: list[dict[int, int]] = [{} for _ in range(problem.n_agents)]
        self.by_item: list[dict[int, int]] = [{} for _ in range(problem.n_items)]
        self.left = problem.item_count.astype(np.int64).copy()
        self.used = np.zeros_like(problem.capacity)
        self.persons = np.zeros(problem.n_agents)
        for k in np.flatnonzero(sol.x).tolist():
            self.add(int(sol.arcs.item[k]), int(sol.arcs.agent[k]), int(sol.x[k]))
        self.partners: dict[int, list[tuple[int, float]]] = {}
        for a, b, bonus in problem.pairs:
            self.partners.setdefault(a, []).append((b, bonus))
            self.partners.setdefault(b, []).append((a, bonus))

    def use_of(self, item: int, agent: int) -> FloatArray:
        u = self.p.use[self.p.item_row[item]]
        return np.asarray(u[0] if u.shape[0] == 1 else u[agent], dtype=np.float64)

    def value_of(self, item: int, agent: int) -> float:
        p = self.p
        v = p.rows[p.item_row[item], agent] + p.item_const[item]
        return float(v + p.item_bonus[item].get(agent, 0.0) + p.item_penalty[item])

    def add(self, item: int, agent: int, units: int) -> None:
        if units == 0:
            return
        row = self.by_agent[agent]
        row[item] = row.get(item, 0) + units
        if row[item] == 0:
            del row[item]
        col = self.by_item[item]
        col[agent] = col.get(agent, 0) + units
        if col[agent] == 0:
            del col[agent]
        self.left[item] -= units
        self.used[agent] += units * self.use_of(item, agent)
        self.persons[agent] += units * self.p.item_persons[item]

    def key_term(self) -> float:
        p = self.p
        if p.share is None or p.key_weight <= 0:
            return 0.0
        return -p.key_weight * float(np.abs(self.persons - p.share * self.persons.sum()).sum())

    def pair_term(self, items: set[int]) -> float:
        """Pair bonus of the pairs touching `items` (each pair once)."""
        p = self.p
        if p.agent_group is None:
            return 0.0
        total = 0.0
        seen: set[tuple[int, int]] = set()
        for a in items:
            for b, bonus in self.partners.get(a, ()):
                key = (min(a, b), max(a, b))
                if key in seen:
                    continue
                seen.add(key)
                ga = {int(p.agent_group[g]) for g in self.by_item[a]}
                gb = {int(p.agent_group[g]) for g in self.by_item[b]}
                if ga & gb:
                    total += bonus
        return total

    def solution(self) -> CoreSolution:
        pairs = [(j, a, u) for j, col in enumerate(self.by_item) for a, u in col.items() if u > 0]
        if not pairs:
            return CoreSolution(
                make_arcs(self.p, np.zeros(0, np.int64), np.zeros(0, np.int64)),
                np.zeros(0, dtype=np.int64),
            )
        it = np.array([q[0] for q in pairs], dtype=np.int64)
        ag = np.array([q[1] for q in pairs], dtype=np.int64)
        un = np.array([q[2] for q in pairs], dtype=np.int64)
        arcs = make_arcs(self.p, it, ag)
        order = np.lexsort((ag, it))
        return CoreSolution(arcs, un[order])


def improve_general(
    problem: CoreProblem,
    sol: CoreSolution,
    *,
    control: Control,
    moves: int,
    seed: int = 0,
    # measured (alliance, state): many small fast moves beat fewer large ones
    max_unplaced: int = 60,
    sub_nodes: int = 200,
    first_agents: int = 4,
    max_agents: int = 6,
    guided: bool = True,
) -> CoreSolution:
    """Large-neighbourhood search for problems with a distribution key and pair links (the
    realistic allocation instances): free every unit on a few agents, add households still
    unplaced that could go there, and re-solve that sub-problem exactly (HiGHS) with the rest of
    the solution fixed. The key enters the sub-problem with absolute targets (the total of
    placed persons taken from the current solution), links to partners outside the
    neighbourhood as a bonus; a move is kept only if the exact objective improves.

    Deterministic: `moves` moves, each sub-MIP limited to `sub_nodes` branch-and-bound nodes;
    the neighbourhood size k grows while the sub-MIPs are solved with few nodes and shrinks
    when one is cut off at its node limit."""
    rng = np.random.default_rng(seed)
    st = _State(problem, sol)
    m = problem.n_agents
    k = min(first_agents, m)
    tries = improved = 0
    gain_total = 0.0
    key = problem.share is not None and problem.key_weight > 0
    multi = problem.use.shape[1] > 1
    while tries < moves and m >= 1 and not control.phase_over():
        tries += 1
        control.count("search_moves")
        if tries % 8 == 0:
            control.update(tries / moves)
        if not guided or tries % 2 == 0 or k >= m:
            agents = np.sort(rng.choice(m, size=k, replace=False)).astype(np.int64)
        else:
            # every other move: agents with room left, where unplaced households could go
            room = np.sum(
                np.maximum(problem.capacity - st.used, 0.0) / np.maximum(problem.capacity, 1.0),
                axis=1,
            )
            weight = room + 1e-3
            agents = np.sort(rng.choice(m, size=k, replace=False, p=weight / weight.sum()))
        whole = k >= m  # the neighbourhood is the whole problem (small instances)
        pos_of = {int(a): i for i, a in enumerate(agents.tolist())}
        freed: dict[int, int] = {}
        for a in agents.tolist():
            for j, u in st.by_agent[a].items():
                freed[j] = freed.get(j, 0) + u
        # unplaced units that fit one of the agents (rows finite, use within capacity)
        waiting = np.flatnonzero(st.left > 0)
        if waiting.shape[0] and max_unplaced > 0:
            rows_w = problem.item_row[waiting]
            ok = np.isfinite(problem.rows[rows_w][:, agents])
            cap = problem.capacity[agents]
            if multi:
                fits = np.all(problem.use[rows_w][:, agents] <= cap[None] + 1e-9, axis=2)
            else:
                fits = np.all(problem.use[rows_w, 0][:, None, :] <= cap[None] + 1e-9, axis=2)
            cand = waiting[np.any(ok & fits, axis=1)]
            if cand.shape[0] > max_unplaced:
                cand = np.sort(rng.choice(cand, size=max_unplaced, replace=False))
                whole = False
        else:
            cand = np.zeros(0, dtype=np.int64)
        items = np.array(sorted(set(freed) | set(cand.tolist())), dtype=np.int64)
        if items.shape[0] == 0:
            if whole:
                break
            continue
        counts = np.array([freed.get(j, 0) + int(st.left[j]) for j in items.tolist()], np.int64)
        # remaining capacity of the agents once their units are freed = full capacity
        bonus: list[dict[int, float]] = []
        item_set = set(items.tolist())
        for j in items.tolist():
            b = {pos_of[a]: v for a, v in problem.item_bonus[j].items() if a in pos_of}
            if problem.agent_group is not None:
                for other, pb in st.partners.get(j, ()):
                    if other in item_set:
                        continue
                    for a_o in st.by_item[other]:
                        g = problem.agent_group[a_o]
                        for i in np.flatnonzero(problem.agent_group[agents] == g).tolist():
                            b[i] = b.get(i, 0.0) + pb
            bonus.append(b)
        sub_pairs: list[tuple[int, int, float]] = []
        if problem.pairs and problem.agent_group is not None:
            index = {j: i for i, j in enumerate(items.tolist())}
            for a, b_, pb in problem.pairs:
                if a in index and b_ in index:
                    sub_pairs.append((index[a], index[b_], pb))
        target = None
        if key and problem.share is not None:
            base = st.persons[agents].copy()
            for a in agents.tolist():
                for j, u in st.by_agent[a].items():
                    base[pos_of[a]] -= u * problem.item_persons[j]
            target = problem.share[agents] * st.persons.sum() - base
        sub = CoreProblem(
            capacity=problem.capacity[agents],
            rows=problem.rows[:, agents],
            use=problem.use[:, agents] if multi else problem.use,
            item_row=problem.item_row[items],
            item_count=counts,
            item_persons=problem.item_persons[items],
            item_penalty=problem.item_penalty[items],
            item_const=problem.item_const[items],
            item_bonus=bonus,
            must_place=problem.must_place,
            pairs=sub_pairs,
            agent_group=None if problem.agent_group is None else problem.agent_group[agents],
            key_weight=problem.key_weight if key else 0.0,
            key_target=target,
        )
        sub_arcs = all_arcs(sub)
        if sub_arcs.size == 0:
            if whole:
                break
            continue
        model = build(sub, sub_arcs)
        # start: the current placement of the freed units
        cur = np.zeros(sub_arcs.size, dtype=np.int64)
        where = {
            (int(i), int(a)): q
            for q, (i, a) in enumerate(
                zip(sub_arcs.item.tolist(), sub_arcs.agent.tolist(), strict=True)
            )
        }
        index_of = {j: i for i, j in enumerate(items.tolist())}
        for a in agents.tolist():
            for j, u in st.by_agent[a].items():
                q = where.get((index_of[j], pos_of[a]))
                if q is not None:
                    cur[q] = u
        out = solve_highs(
            model,
            control=control,
            node_limit=sub_nodes,
            seed=seed,
            start=model.full_start(sub, sub_arcs, cur),
        )
        if control.halted():
            break  # a sub-MIP cut short by the clock: not reproducible, do not apply it
        if out.status == "optimal" and out.nodes <= sub_nodes // 4 and k < min(m, max_agents):
            k += 1
        elif out.status != "optimal" and k > 2:
            k -= 1
        if out.columns is None:
            continue
        new_x = np.rint(out.columns[: model.n_x]).astype(np.int64)
        if np.array_equal(new_x, cur):
            if whole and out.status == "optimal":
                break  # solved as a whole: nothing left to improve
            continue
        before = _local_objective(st, items, item_set)
        # apply: take the freed units off, put the sub solution on
        moves_off = [(j, a, u) for a in agents.tolist() for j, u in list(st.by_agent[a].items())]
        for j, a, u in moves_off:
            st.add(j, a, -u)
        moves_on = [
            (int(items[sub_arcs.item[q]]), int(agents[sub_arcs.agent[q]]), int(new_x[q]))
            for q in np.flatnonzero(new_x).tolist()
        ]
        for j, a, u in moves_on:
            st.add(j, a, u)
        after = _local_objective(st, items, item_set)
        feasible = bool(np.all(st.used[agents] <= problem.capacity[agents] + 1e-6))
        feasible = feasible and bool(np.all(st.left >= 0))
        if feasible and after > before + 1e-9:
            improved += 1
            gain_total += after - before
        else:
            for j, a, u in moves_on:
                st.add(j, a, -u)
            for j, a, u in moves_off:
                st.add(j, a, u)
            if whole and out.status == "optimal":
                break
    control.say(f"neighbourhood search: {improved} of {tries} moves improved (+{gain_total:.3f})")
    return st.solution()


def _local_objective(st: _State, items: IntArray, item_set: set[int]) -> float:
    """The objective restricted to what a move can change: the items' values and penalties,
    the key term and the pairs touching the items."""
    v = 0.0
    for j in items.tolist():
        for a, u in st.by_item[j].items():
            v += u * st.value_of(j, a)
    return v + st.key_term() + st.pair_term(item_set)
