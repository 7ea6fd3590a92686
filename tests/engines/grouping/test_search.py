"""The search core: incremental gain tables equal a recomputation; MDGP against brute force."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from hafennetz.engines.grouping.construct import initial_assignment
from hafennetz.engines.grouping.mdgp import MdgpInstance, parse_mdgp, solve_mdgp, value
from hafennetz.engines.grouping.search import (
    RoundSpec,
    SearchModel,
    _movables,
    _State,
    evaluate,
    search,
)
from hafennetz.engines.grouping.tabu import tabu_repeats


def _random_model(seed: int, n: int, rounds: int, groups: int) -> SearchModel:
    rng = random.Random(seed)
    mats = []
    for _ in range(2):
        w = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                w[i][j] = w[j][i] = float(rng.randint(-5, 5))
        mats.append(w)
    specs = []
    for _ in range(rounds):
        elements = [i for i in range(n) if rng.random() < 0.85] or [0]
        specs.append(
            RoundSpec(
                elements=elements,
                num_groups=groups,
                lo=[0] * groups,
                hi=[n] * groups,
                matrix_of_group=[g % 2 for g in range(groups)],
                affinity=[[rng.random() for _ in range(n)] for _ in range(groups)],
            )
        )
    return SearchModel(n=n, matrices=mats, rounds=specs, repeat_penalty=7.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(4, 16), st.integers(1, 4), st.integers(2, 4))
def test_incremental_tables_match_recomputation(
    seed: int, n: int, rounds: int, groups: int
) -> None:
    model = _random_model(seed, n, rounds, groups)
    rng = random.Random(seed)
    state = _State(model, initial_assignment(model, seed=seed))
    current = evaluate(model, state.grp)
    for _ in range(60):
        r = rng.randrange(rounds)
        spec = model.rounds[r]
        x = rng.choice(spec.elements)
        g = state.grp[r][x]
        if rng.random() < 0.5:
            h = rng.randrange(groups)
            if h == g:
                continue
            current += state.move_gain(r, x, g, h)
            state.move(r, x, g, h)
        else:
            y = rng.choice(spec.elements)
            h = state.grp[r][y]
            if h == g:
                continue
            current += state.swap_gain(r, x, y, g, h)
            state.move(r, x, g, h)
            state.move(r, y, h, g)
    fresh = _State(model, state.grp)
    assert abs(evaluate(model, state.grp) - current) < 1e-6
    assert state.R == fresh.R
    assert state.C == fresh.C
    for a, b in zip(state.A, fresh.A, strict=True):
        assert abs(a - b).max() < 1e-6


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.integers(4, 9), st.integers(2, 3))
def test_mdgp_small_instances_are_solved_to_optimality(seed: int, n: int, k: int) -> None:
    rng = random.Random(seed)
    lo = tuple(rng.randint(1, max(1, n // k)) for _ in range(k))
    hi = tuple(lo_g + rng.randint(0, 3) for lo_g in lo)
    if sum(lo) > n or sum(hi) < n:
        return
    d = [[0.0] * n for _ in range(n)]
    for i, j in itertools.combinations(range(n), 2):
        d[i][j] = d[j][i] = round(rng.uniform(0, 10), 3)
    inst = MdgpInstance("random", n, lo, hi, tuple(tuple(r) for r in d))
    best = max(
        value(inst, labels)
        for labels in itertools.product(range(k), repeat=n)
        if all(lo[g] <= labels.count(g) <= hi[g] for g in range(k))
    )
    solution = solve_mdgp(inst, seed=seed, time_limit=20)
    assert abs(solution.value - best) < 1e-6
    assert all(lo[g] <= solution.groups.count(g) <= hi[g] for g in range(k))


def test_parse_mdgplib_format() -> None:
    text = "4 2 ss 2 2 2 2 \n0 1 1.5\n0 2 2\n0 3 3\n1 2 4\n1 3 5\n2 3 6.25\n"
    inst = parse_mdgp(text, "toy")
    assert (inst.n, inst.lo, inst.hi) == (4, (2, 2), (2, 2))
    assert inst.d[3][2] == 6.25
    assert solve_mdgp(inst, time_limit=5).value == max(1.5 + 6.25, 2 + 5, 3 + 4)


def test_search_returns_the_objective_of_its_assignment() -> None:
    model = _random_model(3, 14, 3, 3)
    result = search(model, initial_assignment(model, seed=3), seed=3, time_limit=5)
    assert abs(result.objective - evaluate(model, result.assignment)) < 1e-9


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10**6))
def test_tabu_phase_reports_the_gain_of_the_plan_it_returns(seed: int) -> None:
    model = _random_model(seed, 12, 3, 3)
    initial = initial_assignment(model, seed=seed)
    state = _State(model, initial)
    before = evaluate(model, initial)
    gain, found = tabu_repeats(
        state, _movables(model), random.Random(seed), steps=200, deadline=1e18
    )
    if found is None:
        assert gain == 0.0
    else:
        assert gain > 0
        assert abs(evaluate(model, found) - (before + gain)) < 1e-6
