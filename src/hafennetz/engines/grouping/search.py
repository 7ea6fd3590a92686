"""The core: simulated annealing over rounds of a maximally diverse grouping problem (MDGP).

One model covers both the meeting planner and the published MDGPLIB instances:

    maximise   sum_r sum_g sum_{i<j in g}  W[k(r,g)][i][j]          pairwise diversity
             + sum_r sum_i                 U[r][g_r(i)][i]           person-group affinity
             - P * sum_{i<j} max(0, C_ij - 1)                        pairs meeting again

where C_ij counts the rounds in which i and j share a group. Hard rules are kept by every move:
group size bounds, `labels` (no two equal labels in one group), `classes` (elements of a class
> 0 are placed one per group and only swap with each other), `fixed` elements never move.

Moves are "move x to group h" and "swap x and y" inside one round. Gains are O(1) from two
tables kept up to date per round and group: A[r][g][i] = sum of W over i and the members of g,
and R[r][g][i] = members j of g that i meets in another round. An accepted move costs O(n).
The search runs in cycles of a fixed number of moves, each cooling from T0 to T0/1000 and
starting from the best plan so far; it stops after `patience` cycles without improvement
(deterministic for a seed), at the iteration limit, at the time limit, or at `target`.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .tabu import tabu_repeats

Matrix = list[list[float]]


@dataclass(slots=True)
class RoundSpec:
    elements: list[int]  # elements present in this round
    num_groups: int
    lo: list[int]  # per group
    hi: list[int]
    matrix_of_group: list[int]  # index into SearchModel.matrices, per group
    affinity: list[list[float]] | None = None  # affinity[g][i], i over all n elements
    fixed: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class SearchModel:
    n: int
    matrices: list[Matrix]  # symmetric, zero diagonal
    rounds: list[RoundSpec]
    labels: list[int] | None = None  # -1 = no label
    classes: list[int] | None = None  # 0 = free
    repeat_penalty: float = 0.0


@dataclass(frozen=True, slots=True)
class Progress:
    cycle: int
    iterations: int
    seconds: float
    best: float
    current: float


@dataclass(slots=True)
class SearchResult:
    assignment: list[list[int]]  # [round][element] -> group, -1 = absent
    objective: float
    iterations: int
    seconds: float
    stopped_by: str


def evaluate(model: SearchModel, assignment: list[list[int]]) -> float:
    """The objective of an assignment, from scratch."""
    total = 0.0
    meet: dict[tuple[int, int], int] = {}
    for r, spec in enumerate(model.rounds):
        grp = assignment[r]
        groups: list[list[int]] = [[] for _ in range(spec.num_groups)]
        for i in spec.elements:
            groups[grp[i]].append(i)
        for g, members in enumerate(groups):
            w = model.matrices[spec.matrix_of_group[g]]
            for a in range(len(members)):
                i = members[a]
                if spec.affinity is not None:
                    total += spec.affinity[g][i]
                row = w[i]
                for b in range(a + 1, len(members)):
                    j = members[b]
                    total += row[j]
                    key = (i, j) if i < j else (j, i)
                    meet[key] = meet.get(key, 0) + 1
    if model.repeat_penalty:
        total -= model.repeat_penalty * sum(c - 1 for c in meet.values() if c > 1)
    return total


class _State:
    """Assignment plus the gain tables A, R, the meeting counts C and label counts."""

    def __init__(
        self, model: SearchModel, assignment: list[list[int]], dense: list[np.ndarray] | None = None
    ) -> None:
        self.model = model
        self.dense = (
            dense if dense is not None else [np.asarray(m, dtype=float) for m in model.matrices]
        )
        n = model.n
        self.multi = len(model.rounds) > 1 and model.repeat_penalty > 0
        self.grp = [list(a) for a in assignment]
        self.members: list[list[list[int]]] = []
        self.A: list[np.ndarray] = []  # per round: groups x n
        self.R: list[list[list[int]]] = []
        self.lab: list[list[dict[int, int]]] = []
        for r, spec in enumerate(model.rounds):
            groups: list[list[int]] = [[] for _ in range(spec.num_groups)]
            for i in spec.elements:
                groups[self.grp[r][i]].append(i)
            self.members.append(groups)
            a_r = np.zeros((spec.num_groups, n))
            for g, ms in enumerate(groups):
                if ms:
                    a_r[g] = self.dense[spec.matrix_of_group[g]][ms].sum(axis=0)
            self.A.append(a_r)
            if model.labels is not None:
                labels = model.labels
                counts: list[dict[int, int]] = []
                for ms in groups:
                    d: dict[int, int] = {}
                    for j in ms:
                        if labels[j] >= 0:
                            d[labels[j]] = d.get(labels[j], 0) + 1
                    counts.append(d)
                self.lab.append(counts)
        self.C: list[list[int]] = [[0] * n for _ in range(n)] if self.multi else []
        if self.multi:
            for groups in self.members:
                for ms in groups:
                    for i in ms:
                        row = self.C[i]
                        for j in ms:
                            if j != i:
                                row[j] += 1
            for groups in self.members:
                rr: list[list[int]] = []
                for ms in groups:
                    # R[g][i] = members j != i of g with C_ij minus (i, j together here) >= 1
                    cnt = [0] * n
                    for j in ms:
                        cnt = [
                            a + (1 if c >= 1 else 0) for a, c in zip(cnt, self.C[j], strict=True)
                        ]
                    for i in ms:
                        for j in ms:
                            if j != i and self.C[j][i] == 1:
                                cnt[i] -= 1  # met only here: not a meeting in another round
                    rr.append(cnt)
                self.R.append(rr)

    def move(self, r: int, x: int, g: int, h: int) -> None:
        """Move x from g to h in round r and update every table."""
        model = self.model
        spec = model.rounds[r]
        a_r = self.A[r]
        a_r[g] -= self.dense[spec.matrix_of_group[g]][x]
        a_r[h] += self.dense[spec.matrix_of_group[h]][x]
        if self.multi:
            grp = self.grp
            rounds = range(len(model.rounds))
            met: set[int] = set()
            for r2 in rounds:
                if r2 != r and grp[r2][x] >= 0:
                    met.update(self.members[r2][grp[r2][x]])
            met.discard(x)
            rg, rh = self.R[r][g], self.R[r][h]
            for i in met:
                rg[i] -= 1
                rh[i] += 1
            cx = self.C[x]
            for j in self.members[r][g]:
                if j == x:
                    continue
                cx[j] -= 1
                self.C[j][x] -= 1
                c = cx[j]
                for r2 in rounds:
                    if r2 == r:
                        continue
                    gx, gj = grp[r2][x], grp[r2][j]
                    if c - (1 if gx == gj >= 0 else 0) == 0:
                        if gj >= 0:
                            self.R[r2][gj][x] -= 1
                        if gx >= 0:
                            self.R[r2][gx][j] -= 1
            for j in self.members[r][h]:
                cx[j] += 1
                self.C[j][x] += 1
                c = cx[j]
                for r2 in rounds:
                    if r2 == r:
                        continue
                    gx, gj = grp[r2][x], grp[r2][j]
                    if c - (1 if gx == gj >= 0 else 0) == 1:
                        if gj >= 0:
                            self.R[r2][gj][x] += 1
                        if gx >= 0:
                            self.R[r2][gx][j] += 1
        self.members[r][g].remove(x)
        self.members[r][h].append(x)
        self.grp[r][x] = h
        if model.labels is not None:
            label = model.labels[x]
            if label >= 0:
                lg = self.lab[r][g]
                lg[label] -= 1
                lh = self.lab[r][h]
                lh[label] = lh.get(label, 0) + 1

    def move_gain(self, r: int, x: int, g: int, h: int) -> float:
        spec = self.model.rounds[r]
        a_r = self.A[r]
        gain = float(a_r.item(h, x) - a_r.item(g, x))
        if spec.affinity is not None:
            gain += spec.affinity[h][x] - spec.affinity[g][x]
        if self.multi:
            rr = self.R[r]
            gain -= self.model.repeat_penalty * (rr[h][x] - rr[g][x])
        return gain

    def swap_gain(self, r: int, x: int, y: int, g: int, h: int) -> float:
        model = self.model
        spec = model.rounds[r]
        a_r = self.A[r]
        mats = model.matrices
        gain: float = (
            a_r.item(h, x)
            - mats[spec.matrix_of_group[h]][x][y]
            - a_r.item(g, x)
            + a_r.item(g, y)
            - mats[spec.matrix_of_group[g]][x][y]
            - a_r.item(h, y)
        )
        if spec.affinity is not None:
            aff = spec.affinity
            gain += aff[h][x] - aff[g][x] + aff[g][y] - aff[h][y]
        if self.multi:
            rr = self.R[r]
            met = 1 if self.C[x][y] >= 1 else 0
            gain -= model.repeat_penalty * (rr[h][x] - met - rr[g][x] + rr[g][y] - met - rr[h][y])
        return gain


def _movables(model: SearchModel) -> list[tuple[int, list[int], dict[int, list[int]]]]:
    """Per round with something to move: (round, free elements, class -> elements)."""
    out: list[tuple[int, list[int], dict[int, list[int]]]] = []
    for r, spec in enumerate(model.rounds):
        free: list[int] = []
        by_class: dict[int, list[int]] = {}
        for i in spec.elements:
            if i in spec.fixed:
                continue
            c = model.classes[i] if model.classes is not None else 0
            if c == 0:
                free.append(i)
            else:
                by_class.setdefault(c, []).append(i)
        by_class = {c: v for c, v in by_class.items() if len(v) > 1}
        if (len(free) > 0 and spec.num_groups > 1) or by_class:
            out.append((r, free, by_class))
    return out


def _has_repeats(state: _State) -> bool:
    return any(
        state.R[r][g][i] > 0
        for r, groups in enumerate(state.members)
        for g, ms in enumerate(groups)
        for i in ms
    )


def _element(free: list[int], by_class: dict[int, list[int]], off: int) -> tuple[int, list[int]]:
    """The movable element at `off` and the pool it swaps with."""
    if off < len(free):
        return free[off], free
    off -= len(free)
    for pool in by_class.values():
        if off < len(pool):
            return pool[off], pool
        off -= len(pool)
    raise IndexError(off)


def descend(
    state: _State,
    movables: list[tuple[int, list[int], dict[int, list[int]]]],
    deadline: float,
) -> float:
    """First-improvement descent over all moves and swaps until none improves; the total gain."""
    model = state.model
    labels = model.labels
    total = 0.0
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for r, free, by_class in movables:
            spec = model.rounds[r]
            grp = state.grp[r]
            members = state.members[r]
            lab = state.lab[r] if labels is not None else None
            for pool in (free, *by_class.values()):
                for a, x in enumerate(pool):
                    g = grp[x]
                    lx = labels[x] if labels is not None else -1
                    if pool is free and len(members[g]) > spec.lo[g]:
                        for h in range(spec.num_groups):
                            if h == g or len(members[h]) >= spec.hi[h]:
                                continue
                            if lab is not None and lx >= 0 and lab[h].get(lx, 0):
                                continue
                            gain = state.move_gain(r, x, g, h)
                            if gain > 1e-9:
                                state.move(r, x, g, h)
                                total += gain
                                improved = True
                                g = h
                                if len(members[g]) <= spec.lo[g]:
                                    break
                    for y in pool[a + 1 :]:
                        h = grp[y]
                        if h == g:
                            continue
                        if lab is not None:
                            ly = labels[y] if labels is not None else -1
                            if lx != ly and (
                                (lx >= 0 and lab[h].get(lx, 0)) or (ly >= 0 and lab[g].get(ly, 0))
                            ):
                                continue
                        gain = state.swap_gain(r, x, y, g, h)
                        if gain > 1e-9:
                            state.move(r, x, g, h)
                            state.move(r, y, h, g)
                            total += gain
                            improved = True
                            g = h
                if time.perf_counter() >= deadline:
                    return total
    return total


def search(
    model: SearchModel,
    initial: list[list[int]],
    *,
    seed: int = 0,
    time_limit: float = 10.0,
    max_iterations: int | None = None,
    cycle_length: int | None = None,
    patience: int = 3,
    focus: float = 0.5,
    temperatures: tuple[float, float] | None = None,
    target: float | None = None,
    tabu_steps: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> SearchResult:
    """Improve `initial` (which must keep every hard rule) and return the best plan found."""
    started = time.perf_counter()
    rng = random.Random(seed)
    state = _State(model, initial)
    dense = state.dense
    current = evaluate(model, initial)
    best = current
    best_grp = [list(a) for a in state.grp]
    movables = _movables(model)
    if not movables:
        return SearchResult(best_grp, best, 0, time.perf_counter() - started, "converged")
    total_movable = sum(len(f) + sum(len(v) for v in c.values()) for _, f, c in movables)
    if cycle_length is None:
        cycle_length = max(20_000, 150 * total_movable)
    if tabu_steps is None:
        tabu_steps = max(500, 10 * total_movable)
    labels = model.labels
    classes = model.classes
    rounds = model.rounds
    weights = [len(f) + sum(len(v) for v in c.values()) for _, f, c in movables]
    total_w = sum(weights)

    flat: list[tuple[int, int]] = []  # (movable round k, offset) for every movable element
    for k in range(len(movables)):
        flat.extend((k, off) for off in range(weights[k]))
    conflicts: list[tuple[int, int]] = []  # refreshed every 1024 moves when rounds interact

    def refresh_conflicts() -> None:
        conflicts.clear()
        if not state.multi:
            return
        for k, off in flat:
            r, free, by_class = movables[k]
            x = _element(free, by_class, off)[0]
            g = state.grp[r][x]
            if state.R[r][g][x] > 0:
                conflicts.append((k, off))

    def propose() -> tuple[float, int, int, int, int, int] | None:
        """A random feasible neighbour: (gain, round, x, y or -1, g, h)."""
        if conflicts and rng.random() < focus:
            k, off = conflicts[rng.randrange(len(conflicts))]
        else:
            k, off = flat[rng.randrange(total_w)]
        r, free, by_class = movables[k]
        spec = rounds[r]
        grp = state.grp[r]
        x, pool = _element(free, by_class, off)
        g = grp[x]
        free_x = classes is None or classes[x] == 0
        if free_x and rng.random() < 0.3:
            h = rng.randrange(spec.num_groups - 1)
            if h >= g:
                h += 1
            members = state.members[r]
            if len(members[g]) <= spec.lo[g] or len(members[h]) >= spec.hi[h]:
                return None
            if labels is not None and labels[x] >= 0 and state.lab[r][h].get(labels[x], 0):
                return None
            return (state.move_gain(r, x, g, h), r, x, -1, g, h)
        y = pool[rng.randrange(len(pool))]
        h = grp[y]
        if h == g:
            return None
        if labels is not None:
            lx, ly = labels[x], labels[y]
            if lx != ly and (
                (lx >= 0 and state.lab[r][h].get(lx, 0)) or (ly >= 0 and state.lab[r][g].get(ly, 0))
            ):
                return None
        return (state.swap_gain(r, x, y, g, h), r, x, y, g, h)

    # initial temperature: the median worsening along a short random walk (then start afresh)
    worse: list[float] = []
    steps: list[float] = []
    for _ in range(400):
        p = propose()
        if p is not None:
            gain, r, x, y, g, h = p
            steps.append(abs(gain))
            if gain < 0:
                worse.append(-gain)
            state.move(r, x, g, h)
            if y >= 0:
                state.move(r, y, h, g)
    state = _State(model, initial, dense)
    sample = worse or [v for v in steps if v > 0] or [1.0]
    t0 = sorted(sample)[len(sample) // 2]  # the median: big penalties do not inflate it
    t_end = t0 / 1000.0
    if temperatures is not None:
        t0, t_end = temperatures
    alpha = (t_end / t0) ** (1.0 / cycle_length)

    if target is not None and best >= target - 1e-9:
        return SearchResult(best_grp, best, 0, time.perf_counter() - started, "target")
    iterations = 0
    cycle = 0
    stale = 0
    stopped_by = "converged"
    last_report = started
    while True:
        cycle += 1
        improved = False
        temp = t0
        for _ in range(cycle_length):
            iterations += 1
            temp *= alpha
            p = propose()
            if p is not None:
                gain, r, x, y, g, h = p
                if gain >= 0 or rng.random() < math.exp(gain / temp):
                    state.move(r, x, g, h)
                    if y >= 0:
                        state.move(r, y, h, g)
                    current += gain
                    if current > best + 1e-9:
                        best = current
                        best_grp = [list(a) for a in state.grp]
                        improved = True
                        if target is not None and best >= target - 1e-9:
                            stopped_by = "target"
                            break
            if iterations & 1023 == 0:
                refresh_conflicts()
                now = time.perf_counter()
                if now - started >= 0.9 * time_limit:  # the rest is for the final descent
                    stopped_by = "time_limit"
                    break
                if progress is not None and now - last_report >= 0.25:
                    last_report = now
                    progress(Progress(cycle, iterations, now - started, best, current))
            if max_iterations is not None and iterations >= max_iterations:
                stopped_by = "iteration_limit"
                break
        else:
            stopped_by = "converged"
        if stopped_by in ("converged", "time_limit"):
            current += descend(state, movables, started + time_limit)
            if current > best + 1e-9:
                best = current
                best_grp = [list(a) for a in state.grp]
                improved = True
        if (
            stopped_by == "converged"
            and state.multi
            and tabu_steps > 0
            and _has_repeats(best_state := _State(model, best_grp, dense))
        ):
            gain, found = tabu_repeats(
                best_state, movables, rng, steps=tabu_steps, deadline=started + 0.9 * time_limit
            )
            iterations += tabu_steps
            if found is not None and gain > 1e-9:
                best += gain
                best_grp = found
                improved = True
                if target is not None and best >= target - 1e-9:
                    stopped_by = "target"
        if stopped_by != "converged":
            break
        stale = 0 if improved else stale + 1
        if stale >= patience:
            break
        # next cycle restarts from the best plan found so far
        state = _State(model, best_grp, dense)
        current = best
        refresh_conflicts()
    seconds = time.perf_counter() - started
    if progress is not None:
        progress(Progress(cycle, iterations, seconds, best, current))
    return SearchResult(best_grp, evaluate(model, best_grp), iterations, seconds, stopped_by)
