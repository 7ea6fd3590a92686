"""Benchmark 1: social golfer instances — g groups of s people for w rounds, no pair meeting
twice. For each instance, w grows from 2 until a w is not reached within the time limit
(60 s per w); the largest w reached is reported.

Runs the planner's own model and search (`build_model` + `search`) with all goal weights at 0
except repeat_in_meeting = 1, so the objective is minus the number of repeat meetings and
the search stops when it reaches 0.

    .venv/bin/python bench/grouping/bench_golfers.py [--time-limit 60] [--only 8x4]
"""

from __future__ import annotations

import argparse
import time

from hafennetz.engines.grouping.construct import initial_assignment
from hafennetz.engines.grouping.layout import build_layout
from hafennetz.engines.grouping.model import Participant, Problem, Round, Weights
from hafennetz.engines.grouping.planner import build_model
from hafennetz.engines.grouping.search import search

INSTANCES = ((8, 4), (5, 5), (6, 6), (10, 5))
KNOWN = {
    (8, 4): "10 (Aguado 2004; first found by a metaheuristic: Triska & Musliu 2012)",
    (5, 5): "6 (affine plane of order 5)",
    (6, 6): "3 (4 rounds would need two orthogonal Latin squares of order 6)",
    (10, 5): "not stated here",
}


def solve(groups: int, size: int, rounds: int, time_limit: float, seed: int) -> tuple[int, float]:
    """(repeat meetings left, seconds)."""
    people = tuple(Participant(id=f"g{i}") for i in range(groups * size))
    weights = Weights(
        repeat_in_meeting=1.0,
        repeat_from_history=0.0,
        same_state=0.0,
        strain_mix=0.0,
        topic_preference=0.0,
        same_size_class=0.0,
        same_member=0.0,
        even_sizes=0.0,
    )
    problem = Problem(people, (Round(size, size, num_groups=groups),) * rounds, weights=weights)
    started = time.perf_counter()
    model = build_model(problem, build_layout(problem))
    initial = initial_assignment(model, seed=seed)
    result = search(model, initial, seed=seed, time_limit=time_limit, target=0.0, patience=10**9)
    return round(-result.objective), time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", help="e.g. 8x4")
    args = ap.parse_args()
    print(
        "| instance (groups x size) | largest w reached | seconds for it "
        "| next w: repeats left after the limit | known maximum |"
    )
    print("|---|---:|---:|---|---|")
    for groups, size in INSTANCES:
        if args.only and args.only != f"{groups}x{size}":
            continue
        reached, reached_secs, miss = 1, 0.0, ""
        w = 2
        while True:
            left, secs = solve(groups, size, w, args.time_limit, args.seed)
            print(f"  {groups}x{size} w={w}: repeats left {left}, {secs:.1f}s", flush=True)
            if left == 0:
                reached, reached_secs = w, secs
                w += 1
                continue
            miss = f"w={w}: {left} after {secs:.0f}s"
            break
        print(
            f"| {groups}x{size} ({groups * size} people) | {reached} | {reached_secs:.1f} | {miss} "
            f"| {KNOWN[(groups, size)]} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
