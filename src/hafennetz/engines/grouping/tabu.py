"""Tabu search on repeated pairs: the phase the annealing hands over to when pairs still meet
more than once (after Dotú & Van Hentenryck's social-golfer local search).

Each step looks at every person who is in a repeated pair, evaluates the swaps with everyone
in another group of that round (numpy, the full objective, not only the repeats), and makes the
best swap that is not tabu — even a worsening one. A person may not return to the group they
just left for a random tenure of 5-15 steps unless that gives a new best. After `stall` steps
without a new best it restarts from the best plan with `kick` random swaps; if it never found
a better plan than its start, it stops and leaves the next move to the annealing.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .search import _State

Movables = list[tuple[int, list[int], dict[int, list[int]]]]


def _label_ok(state: _State, r: int, x: int, y: int, g: int, h: int) -> bool:
    labels = state.model.labels
    if labels is None:
        return True
    lx, ly = labels[x], labels[y]
    if lx == ly:
        return True
    lab = state.lab[r]
    return not ((lx >= 0 and lab[h].get(lx, 0)) or (ly >= 0 and lab[g].get(ly, 0)))


def tabu_repeats(
    state: _State,
    movables: Movables,
    rng: random.Random,
    *,
    steps: int,
    deadline: float,
    stall: int = 100,
    kick: int = 4,
) -> tuple[float, list[list[int]] | None]:
    """Run up to `steps` steps; return (gain of the best plan seen, that plan or None)."""
    model = state.model
    penalty = model.repeat_penalty
    stacked = np.stack(state.dense)
    pools = {r: np.array(free) for r, free, _ in movables if len(free) > 1}
    mog = {r: np.array(model.rounds[r].matrix_of_group) for r in pools}
    affinity = {
        r: np.asarray(model.rounds[r].affinity)
        for r in pools
        if model.rounds[r].affinity is not None
    }
    current = 0.0
    best = 0.0
    best_grp: list[list[int]] | None = None
    tabu: dict[tuple[int, int, int], int] = {}
    since_best = 0
    for step in range(steps):
        if step & 31 == 0 and time.perf_counter() >= deadline:
            break
        choice: list[tuple[int, int, int, int, int]] = []
        choice_gain = -np.inf
        any_conflict = False
        for r, pool in pools.items():
            grp_list = state.grp[r]
            rr = state.R[r]
            conflicted = [x for x in pool.tolist() if rr[grp_list[x]][x] > 0]
            if not conflicted:
                continue
            any_conflict = True
            rn = np.array(rr)
            grp = np.array(grp_list)
            xs = np.array(conflicted)
            gx = grp[xs]
            hp = grp[pool]
            a = state.A[r]
            col_x, row_y, col_g = xs[:, None], pool[None, :], gx[:, None]
            met = (np.array([state.C[x] for x in conflicted])[:, pool] >= 1).astype(float)
            rep = (
                rn[hp[None, :], col_x]
                - met
                - rn[gx, xs][:, None]
                + rn[col_g, row_y]
                - met
                - rn[hp, pool][None, :]
            )
            mg = mog[r]
            gain = (
                a[hp[None, :], col_x]
                - stacked[mg[hp][None, :], col_x, row_y]
                - a[gx, xs][:, None]
                + a[col_g, row_y]
                - stacked[mg[gx][:, None], col_x, row_y]
                - a[hp, pool][None, :]
                - penalty * rep
            )
            aff = affinity.get(r)
            if aff is not None:
                gain += aff[hp[None, :], col_x] - aff[gx, xs][:, None]
                gain += aff[col_g, row_y] - aff[hp, pool][None, :]
            gain[col_g == hp[None, :]] = -np.inf
            flat = gain.ravel()
            top = (
                np.argpartition(-flat, min(24, flat.size - 1))[:24]
                if flat.size > 24
                else np.arange(flat.size)
            )
            for k in sorted(top.tolist(), key=lambda k: -flat[k]):
                value = float(flat[k])
                if value == -np.inf or value < choice_gain - 1e-9:
                    break
                x = conflicted[k // len(pool)]
                y = int(pool[k % len(pool)])
                g, h = grp_list[x], grp_list[y]
                is_tabu = tabu.get((r, x, h), -1) > step or tabu.get((r, y, g), -1) > step
                if is_tabu and current + value <= best + 1e-9:
                    continue
                if not _label_ok(state, r, x, y, g, h):
                    continue
                if value > choice_gain + 1e-9:
                    choice_gain, choice = value, [(r, x, y, g, h)]
                else:
                    choice.append((r, x, y, g, h))
        if not any_conflict or not choice:
            break
        r, x, y, g, h = choice[rng.randrange(len(choice))]
        state.move(r, x, g, h)
        state.move(r, y, h, g)
        current += choice_gain
        tabu[(r, x, g)] = step + rng.randint(5, 15)
        tabu[(r, y, h)] = step + rng.randint(5, 15)
        if current > best + 1e-9:
            best = current
            best_grp = [list(v) for v in state.grp]
            since_best = 0
            continue
        since_best += 1
        if since_best >= stall and best_grp is not None:
            # restart from the best plan with a few random swaps
            since_best = 0
            state = type(state)(model, best_grp, state.dense)
            current = best
            for _ in range(kick):
                r = rng.choice(list(pools))
                pool_list = pools[r].tolist()
                x, y = rng.choice(pool_list), rng.choice(pool_list)
                g, h = state.grp[r][x], state.grp[r][y]
                if g != h and _label_ok(state, r, x, y, g, h):
                    current += state.swap_gain(r, x, y, g, h)
                    state.move(r, x, g, h)
                    state.move(r, y, h, g)
        elif since_best >= stall:
            break  # nothing better than the start: leave it to the next annealing cycle
    return best, best_grp
