"""Large-neighbourhood search on a core solution: free all units of a few agents and re-solve
that sub-problem exactly with a small MIP (the large-instance path, ADR 0023)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .backends import solve_highs
from .control import Control
from .core import (
    Arcs,
    CoreProblem,
    CoreSolution,
    FloatArray,
    IntArray,
    all_arcs,
    make_arcs,
)
from .mip_model import build

#: neighbourhood sizes (agents) of the LP-guided sweeps before the random moves
SWEEPS = (1, 2, 2, 3)


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


def _solve_move(
    st: _State,
    agents: IntArray,
    waiting: IntArray,
    *,
    control: Control,
    sub_nodes: int,
    seed: int,
    free_all: bool = True,
    allowed: IntArray | None = None,
    total_persons: float | None = None,
) -> tuple[str, int, float] | None:
    """One exact move: the units on `agents` (all of them with `free_all`) and the unplaced
    units of `waiting` are re-assigned to `agents` by a small MIP, the rest of the solution
    fixed. `allowed` (sorted keys item * m + agent) restricts the arcs. Applied only if the
    exact objective improves. (status, nodes, gain) or None when there was nothing to solve."""
    problem = st.p
    m = problem.n_agents
    key = problem.share is not None and problem.key_weight > 0
    multi = problem.use.shape[1] > 1
    pos_of = {int(a): i for i, a in enumerate(agents.tolist())}
    freed: dict[int, int] = {}
    if free_all:
        for a in agents.tolist():
            for j, u in st.by_agent[a].items():
                freed[j] = freed.get(j, 0) + u
    items = np.array(sorted(set(freed) | set(waiting.tolist())), dtype=np.int64)
    if items.shape[0] == 0:
        return None
    counts = np.array([freed.get(j, 0) + int(st.left[j]) for j in items.tolist()], np.int64)
    capacity = problem.capacity[agents].copy()
    if not free_all:
        capacity = np.maximum(capacity - st.used[agents], 0.0)
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
                if j in freed:
                    base[pos_of[a]] -= u * problem.item_persons[j]
        total = st.persons.sum() if total_persons is None else total_persons
        target = problem.share[agents] * total - base
    sub = CoreProblem(
        capacity=capacity,
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
    if allowed is not None and sub_arcs.size:
        keep = np.isin(items[sub_arcs.item] * m + agents[sub_arcs.agent], allowed)
        sub_arcs = make_arcs(sub, sub_arcs.item[keep], sub_arcs.agent[keep])
    if sub_arcs.size == 0:
        return None
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
    moves_off: list[tuple[int, int, int]] = []
    for a in agents.tolist():
        for j, u in st.by_agent[a].items():
            if j not in freed:
                continue
            moves_off.append((j, a, u))
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
        return None  # a sub-MIP cut short by the clock: not reproducible, do not apply it
    if out.columns is None:
        return out.status, out.nodes, 0.0
    new_x = np.rint(out.columns[: model.n_x]).astype(np.int64)
    if np.array_equal(new_x, cur):
        return out.status, out.nodes, 0.0
    before = _local_objective(st, items, item_set)
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
        return out.status, out.nodes, after - before
    for j, a, u in moves_on:
        st.add(j, a, -u)
    for j, a, u in moves_off:
        st.add(j, a, u)
    return out.status, out.nodes, 0.0


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
    lp: tuple[Arcs, FloatArray] | None = None,
    sweeps: tuple[int, ...] = SWEEPS,
    sweep_unplaced: int = 40,
    random_cost: int = 1,
) -> CoreSolution:
    """Large-neighbourhood search for problems with a distribution key and pair links (the
    realistic allocation instances): free every unit on a few agents, add households still
    unplaced that could go there, and re-solve that sub-problem exactly (HiGHS) with the rest of
    the solution fixed. The key enters the sub-problem with absolute targets (the total of
    placed persons taken from the current solution), links to partners outside the
    neighbourhood as a bonus; a move is kept only if the exact objective improves.

    Deterministic: `moves` units of work - a sweep move costs 1, a random move `random_cost`
    (its neighbourhood is larger) -, each sub-MIP limited to `sub_nodes` branch-and-bound nodes;
    the neighbourhood size k grows while the sub-MIPs are solved with few nodes and shrinks
    when one is cut off at its node limit.

    With `lp` (an LP solution on some arcs) the search first sweeps the agents where the LP
    places units the incumbent does not, in order of that shortfall: one move per such agent,
    with the agents its missing units sit on now or share in the LP, `sweeps` giving the
    neighbourhood size of each sweep (alliance: sweeps of 1, 2, 2, 3 agents reach 0.15 % of
    the gain in 13 s of CPU, random moves 35 s). Afterwards every other move is LP-guided in
    the same way, started at an agent drawn by shortfall; the unplaced units the sub-MIP is
    offered are those the LP places on the chosen agents first."""
    rng = np.random.default_rng(seed)
    st = _State(problem, sol)
    guide = _LpGuide(problem, *lp) if lp is not None else None
    m = problem.n_agents
    k = min(first_agents, m)
    tries = improved = spent = 0
    gain_total = 0.0
    if guide is not None:
        for size in sweeps:
            for agents in guide.sweep(st, min(size, m)):
                if spent >= moves or control.phase_over():
                    break
                tries += 1
                spent += 1
                control.count("search_moves")
                if tries % 8 == 0:
                    control.update(spent / moves)
                waiting = np.flatnonzero(st.left > 0)
                if waiting.shape[0] > sweep_unplaced:
                    waiting = guide.waiting(waiting, agents, sweep_unplaced, rng)
                done = _solve_move(
                    st, agents, waiting, control=control, sub_nodes=sub_nodes, seed=seed
                )
                if done is not None and done[2] > 0:
                    improved += 1
                    gain_total += done[2]
        if tries:
            control.say(
                f"LP-guided sweeps: {improved} of {tries} moves improved (+{gain_total:.3f})"
            )
    multi = problem.use.shape[1] > 1
    while spent < moves and m >= 1 and not control.phase_over():
        tries += 1
        spent += random_cost
        control.count("search_moves")
        if tries % 8 == 0:
            control.update(spent / moves)
        lp_move = guide is not None and tries % 2 == 1 and k < m
        if lp_move and guide is not None:
            agents = guide.agents(st, k, rng)
        elif not guided or tries % 2 == 0 or k >= m:
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
                if lp_move and guide is not None:
                    cand = guide.waiting(cand, agents, max_unplaced, rng)
                else:
                    cand = np.sort(rng.choice(cand, size=max_unplaced, replace=False))
                whole = False
        else:
            cand = np.zeros(0, dtype=np.int64)
        done = _solve_move(st, agents, cand, control=control, sub_nodes=sub_nodes, seed=seed)
        if done is None:
            if whole or control.halted():
                break
            continue
        status, nodes, gain = done
        if status == "optimal" and nodes <= sub_nodes // 4 and k < min(m, max_agents):
            k += 1
        elif status != "optimal" and k > 2:
            k -= 1
        if gain > 0:
            improved += 1
            gain_total += gain
        elif whole and status == "optimal":
            break  # solved as a whole: nothing left to improve
    control.say(f"neighbourhood search: {improved} of {tries} moves improved (+{gain_total:.3f})")
    return st.solution()


class _LpGuide:
    """Where an LP solution places units, for LP-guided neighbourhoods."""

    def __init__(self, problem: CoreProblem, arcs: Arcs, x: FloatArray) -> None:
        on = np.flatnonzero(x > 1e-6)
        self.item = arcs.item[on]
        self.agent = arcs.agent[on]
        self.x = x[on]
        self.m = problem.n_agents

    def agents(self, st: _State, k: int, rng: np.random.Generator) -> IntArray:
        """`k` agents for a random LP-guided move: one drawn by shortfall, then the agents its
        missing units sit on now or share in the LP, then others by shortfall."""
        short, want = self.shortfall(st)
        if want.sum() <= 1e-9:
            return np.sort(rng.choice(self.m, size=k, replace=False)).astype(np.int64)
        first = int(rng.choice(self.m, p=want / want.sum()))
        chosen = [first]
        # the agents the wanted units sit on now, then other agents the LP wants them on
        wanted = self.item[(self.agent == first) & (short > 1e-6)]
        near: list[int] = []
        for j in wanted.tolist():
            near.extend(st.by_item[j])
            near.extend(self.agent[self.item == j].tolist())
        for a in rng.permutation(np.array(sorted(set(near) - {first}), dtype=np.int64)).tolist():
            if len(chosen) >= k:
                break
            chosen.append(int(a))
        if len(chosen) < k:
            rest = np.setdiff1d(np.arange(self.m), chosen)
            w = want[rest] + 1e-3
            extra = rng.choice(rest, size=k - len(chosen), replace=False, p=w / w.sum())
            chosen.extend(int(a) for a in extra.tolist())
        return np.sort(np.array(chosen, dtype=np.int64))

    def shortfall(self, st: _State) -> tuple[FloatArray, FloatArray]:
        """(per LP arc: units the incumbent lacks there, per agent: their sum)."""
        here = np.fromiter(
            (
                st.by_item[j].get(a, 0)
                for j, a in zip(self.item.tolist(), self.agent.tolist(), strict=True)
            ),
            dtype=np.float64,
            count=self.item.shape[0],
        )
        short = np.maximum(self.x - here, 0.0)
        want = np.bincount(self.agent, weights=short, minlength=self.m).astype(np.float64)
        return short, want

    def sweep(self, st: _State, k: int) -> Iterator[IntArray]:
        """Neighbourhoods of `k` agents, one per agent the incumbent leaves short of the LP,
        largest shortfall first (computed once per sweep, so the order is fixed)."""
        short, want = self.shortfall(st)
        for a in np.argsort(-want, kind="stable").tolist():
            if want[a] <= 1e-6:
                break
            group = [a]
            for j in self.item[(self.agent == a) & (short > 1e-6)].tolist():
                for b in list(st.by_item[j]) + self.agent[self.item == j].tolist():
                    if len(group) >= k:
                        break
                    if b not in group:
                        group.append(int(b))
            yield np.sort(np.array(group, dtype=np.int64))

    def waiting(
        self, cand: IntArray, agents: IntArray, limit: int, rng: np.random.Generator
    ) -> IntArray:
        """Up to `limit` of `cand`: those the LP places on `agents` first, then at random."""
        on = np.isin(self.agent, agents)
        mass = np.zeros(int(cand.max()) + 1)
        sel = self.item[on]
        ok = sel < mass.shape[0]
        np.add.at(mass, sel[ok], self.x[on][ok])
        score = mass[cand] + rng.uniform(0.0, 1e-6, cand.shape[0])
        return np.sort(cand[np.argsort(-score, kind="stable")[:limit]])


def _local_objective(st: _State, items: IntArray, item_set: set[int]) -> float:
    """The objective restricted to what a move can change: the items' values and penalties,
    the key term and the pairs touching the items."""
    v = 0.0
    for j in items.tolist():
        for a, u in st.by_item[j].items():
            v += u * st.value_of(j, a)
    return v + st.key_term() + st.pair_term(item_set)
