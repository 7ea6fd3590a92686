"""Benchmark 3: a realistic meeting — 300 participants from 125 members in all 16 states,
4 rounds, groups of 5-7, one facilitator per group (fixed room) — planner vs random assignment
(what the video platforms do), on the same participants.

    .venv/bin/python bench/grouping/bench_meeting.py [--seeds 3] [--time-limit 10] [--random 100]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from hafennetz.engines.grouping.csvio import parse_participants
from hafennetz.engines.grouping.model import Group, Plan, Problem, QualityReport, Round, RoundPlan
from hafennetz.engines.grouping.planner import plan
from hafennetz.engines.grouping.scoring import check, quality

HERE = Path(__file__).parent


def random_plan(problem: Problem, groups: int, seed: int) -> Plan:
    """Random split into `groups` rooms of (almost) equal size each round, ignoring roles."""
    rng = random.Random(seed)
    ids = [p.id for p in problem.participants]
    rounds = []
    for r in range(len(problem.rounds)):
        rng.shuffle(ids)
        rooms = [tuple(ids[g::groups]) for g in range(groups)]
        rounds.append(RoundPlan(r, tuple(Group(g, m) for g, m in enumerate(rooms))))
    return Plan(tuple(rounds))


def row(name: str, q: QualityReport, facilitators: float, members: float, secs: str) -> str:
    return (
        f"| {name} | {q.repeated_pairs} | {q.min_states_per_group} | "
        f"{q.mean_states_per_group:.2f} | "
        f"{q.groups_below_5_states} | {facilitators} | {members} | "
        f"{q.new_contacts_mean:.1f} | {secs} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--random", type=int, default=100, help="random assignments to average")
    args = ap.parse_args()
    path = HERE / "data" / "meeting_300.csv"
    people = parse_participants(path.read_text(encoding="utf-8"), str(path), rounds=4)
    problem = Problem(tuple(people), tuple(Round(5, 7) for _ in range(4)))
    members = len({p.member for p in people})
    states = len({p.state for p in people})
    facilitators = sum(p.is_facilitator for p in people)
    print(f"{len(people)} participants, {members} members, {states} states, ", end="")
    print(f"{facilitators} facilitators")
    print()
    print(
        "| method | repeated pairs | min states/group | mean states/group | groups < 5 states "
        "| groups without exactly 1 facilitator | same-member groups | new contacts/person "
        "| seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for seed in range(args.seeds):
        started = time.perf_counter()
        result = plan(problem, seed=seed, time_limit=args.time_limit)
        secs = time.perf_counter() - started
        issues = check(problem, result)
        fac = sum(1 for i in issues if i.code == "facilitator_count")
        mem = sum(1 for i in issues if i.code == "same_member")
        q = quality(problem, result)
        print(
            row(
                f"planner, seed {seed}",
                q,
                fac,
                mem,
                f"{secs:.1f} ({result.stats.stopped_by if result.stats else ''})",
            )
        )
    groups = len(result.rounds[0].groups)
    totals = {"rep": 0.0, "min": 0.0, "mean": 0.0, "below": 0.0, "fac": 0.0, "mem": 0.0, "new": 0.0}
    worst_min = 99
    for seed in range(args.random):
        rp = random_plan(problem, groups, seed)
        q = quality(problem, rp)
        issues = check(problem, rp)
        totals["rep"] += q.repeated_pairs
        totals["min"] += q.min_states_per_group
        totals["mean"] += q.mean_states_per_group
        totals["below"] += q.groups_below_5_states
        totals["fac"] += sum(1 for i in issues if i.code == "facilitator_count")
        totals["mem"] += sum(1 for i in issues if i.code == "same_member")
        totals["new"] += q.new_contacts_mean
        worst_min = min(worst_min, q.min_states_per_group)
    n = args.random
    print(
        f"| random rooms, mean of {n} | {totals['rep'] / n:.1f} | "
        f"{totals['min'] / n:.2f} (worst {worst_min}) | "
        f"{totals['mean'] / n:.2f} | {totals['below'] / n:.1f} | {totals['fac'] / n:.1f} | "
        f"{totals['mem'] / n:.1f} | {totals['new'] / n:.1f} | – |"
    )
    print()
    print(f"{groups} groups per round, {4 * groups} groups in all")


if __name__ == "__main__":
    main()
