"""Dynamic mode: households arrive in batches (e.g. 52 weeks) against capacities that hold for a
year. Each batch is placed without knowing later ones.

Policy `potentials` (after Ahani et al., Operations Research 2024): before each batch, solve the
LP relaxation of (this batch + a sample of the expected future arrivals, drawn from a forecast
such as last year's arrivals) on the remaining capacities; its capacity duals are the value of a
place kept for later. The batch is then solved exactly with each arc's value reduced by the
duals of the places it uses. Policy `myopic` places each batch optimally with no look-ahead.
The result is compared with the hindsight optimum (all arrivals known in advance).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .backends import solve_highs
from .compile import blocks_of, compile_instance
from .core import all_arcs
from .engine import allocate, assignment_from_core
from .mip_model import build
from .model import Household, Instance, Municipality, ScoreBreakdown
from .optimal import solve_optimal
from .scoring import evaluate

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DynamicResult:
    policy: str
    assignment: dict[str, str | None]
    score: ScoreBreakdown
    hindsight_score: float | None
    share_of_hindsight: float | None  # (score + P) / (hindsight + P), P = penalty x all persons
    batch_scores: tuple[float, ...]
    runtime_s: float


def _remaining(
    munis: Sequence[Municipality], used: dict[str, dict[str, int]]
) -> tuple[Municipality, ...]:
    return tuple(
        replace(
            m,
            capacities={r: v - used.get(m.ags, {}).get(r, 0) for r, v in m.capacities.items()},
        )
        for m in munis
    )


def _keep_blocks_together(instance: Instance, batches: Sequence[Sequence[str]]) -> list[list[str]]:
    """Households tied by a required link are placed together: a block waits for the batch of
    its last-arriving member (otherwise each batch would place its part on its own)."""
    batch_of = {c: k for k, b in enumerate(batches) for c in b}
    out: list[list[str]] = [[] for _ in batches]
    ids = [h.case_id for h in instance.households]
    for block in blocks_of(instance):
        members = [ids[i] for i in block if ids[i] in batch_of]
        if not members:
            continue
        k = max(batch_of[c] for c in members)
        out[k].extend(members)
    # keep the arrival order inside each batch
    order = {c: i for b in batches for i, c in enumerate(b)}
    return [sorted(b, key=lambda c: (batch_of[c], order[c])) for b in out]


def allocate_dynamic(
    instance: Instance,
    batches: Sequence[Sequence[str]],
    *,
    forecast: Sequence[Household] = (),
    policy: str = "potentials",
    seed: int = 0,
    time_limit_per_batch: float = 10.0,
    hindsight_time_limit: float = 60.0,
    threads: int = 2,
    progress: Progress | None = None,
) -> DynamicResult:
    say = progress or (lambda _msg: None)
    t0 = time.monotonic()
    batches = _keep_blocks_together(instance, batches)
    by_id = {h.case_id: h for h in instance.households}
    rng = np.random.default_rng(seed)
    used: dict[str, dict[str, int]] = {}
    assignment: dict[str, str | None] = {h.case_id: None for h in instance.households}
    batch_scores: list[float] = []
    n_batches = len(batches)
    for k, batch in enumerate(batches):
        munis = _remaining(instance.municipalities, used)
        batch_hh = tuple(by_id[c] for c in batch)
        if not batch_hh:
            continue
        sub = replace(instance, households=batch_hh, municipalities=munis)
        compiled = compile_instance(sub)
        problem = compiled.problem
        if policy == "potentials" and forecast and k < n_batches - 1:
            expected = round(len(forecast) * (n_batches - k - 1) / n_batches)
            pick = rng.choice(len(forecast), size=min(expected, len(forecast)), replace=False)
            future = tuple(
                replace(forecast[int(i)], case_id=f"__future_{int(i)}", links=()) for i in pick
            )
            look = replace(sub, households=batch_hh + future)
            lc = compile_instance(look)
            lp = lc.problem
            arcs = all_arcs(lp)
            model = build(lp, arcs)
            out = solve_highs(model, time_limit=time_limit_per_batch, threads=threads, relax=True)
            if out.row_dual is not None:
                duals = np.zeros_like(lp.capacity)
                for (a, r), row in model.cap_row.items():
                    duals[a, r] = out.row_dual[row]
                # map resources by name (both compiled from the same municipalities)
                col = [lc.resources.index(r) for r in compiled.resources]
                price = duals[:, col]  # (m, R) in the batch's resource order
                use = problem.use[:, 0, :]  # (T, R)
                problem.rows = problem.rows - use @ price.T
        res = solve_optimal(problem, time_limit=time_limit_per_batch, seed=seed, threads=threads)
        batch_assignment = assignment_from_core(compiled, res.solution)
        for case_id, ags in batch_assignment.items():
            assignment[case_id] = ags
            if ags is not None:
                u = used.setdefault(ags, {})
                for res_name, amount in by_id[case_id].resource_needs().items():
                    u[res_name] = u.get(res_name, 0) + amount
        batch_scores.append(evaluate(sub, batch_assignment).total)
        say(f"batch {k + 1}/{n_batches}: {len(batch)} households placed ({policy})")
    score = evaluate(instance, assignment)
    hindsight = None
    share = None
    if hindsight_time_limit > 0:
        say("hindsight optimum (all arrivals known)")
        best = allocate(
            instance,
            method="optimal",
            seed=seed,
            time_limit=hindsight_time_limit,
            threads=threads,
            explanations=False,
        )
        hindsight = best.score.total
        # the score is value minus a penalty per unplaced person, so it is often negative; the
        # share is taken on the gain over placing nobody (score + penalty x all persons)
        offset = instance.weights.unplaced_per_person * sum(h.size for h in instance.households)
        share = (score.total + offset) / (hindsight + offset) if hindsight + offset else None
    return DynamicResult(
        policy=policy,
        assignment=assignment,
        score=score,
        hindsight_score=hindsight,
        share_of_hindsight=share,
        batch_scores=tuple(batch_scores),
        runtime_s=time.monotonic() - t0,
    )
