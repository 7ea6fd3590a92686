"""Entry point of the library: `allocate(instance, method=..., seed=...) -> AllocationResult`."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .baselines import quota, random_assignment
from .compile import Compiled, compile_instance
from .core import CoreSolution, all_arcs, core_objective
from .explain import explain
from .greedy import greedy
from .model import (
    AllocationResult,
    HouseholdExplanation,
    Instance,
    Method,
    MunicipalityExplanation,
)
from .optimal import solve_optimal
from .scoring import evaluate

Progress = Callable[[str], None]


def assignment_from_core(compiled: Compiled, sol: CoreSolution) -> dict[str, str | None]:
    assignment: dict[str, str | None] = {h.case_id: None for h in compiled.households}
    next_block = [0] * len(compiled.items)
    for k in np.flatnonzero(sol.x).tolist():
        j = int(sol.arcs.item[k])
        ags = compiled.agents[int(sol.arcs.agent[k])]
        for _ in range(int(sol.x[k])):
            for i in compiled.items[j][next_block[j]]:
                assignment[compiled.households[i].case_id] = ags
            next_block[j] += 1
    return assignment


def allocate(
    instance: Instance,
    *,
    method: Method | str = Method.OPTIMAL,
    seed: int = 0,
    time_limit: float = 60.0,
    threads: int = 2,
    backend: str = "highs",
    explanations: bool = True,
    progress: Progress | None = None,
) -> AllocationResult:
    """Allocate households to municipalities. Deterministic for a given seed.

    Hard requirements (capacities, hard need flags, required links) are never violated by
    `optimal` and `greedy`; `quota` and `random` ignore need flags (status quo) but keep
    capacities and links. Households that cannot be placed are reported with reasons.
    """
    method = Method(method)
    say = progress or (lambda _msg: None)
    t0 = time.monotonic()
    bound: float | None = None
    objective: float | None = None
    notes: list[str] = []
    status = "heuristic"
    unplaced_note = None
    if method in (Method.QUOTA, Method.RANDOM):
        say(f"{method.value}: placing {len(instance.households)} households")
        fn = quota if method is Method.QUOTA else random_assignment
        assignment = fn(instance, seed=seed)
        status = "baseline"
        unplaced_note = f"not placed by the {method.value} method"
    else:
        say("compiling instance")
        compiled = compile_instance(instance)
        p = compiled.problem
        say(
            f"{len(instance.households)} households -> {p.n_items} items "
            f"({p.rows.shape[0]} types), {p.n_agents} municipalities"
        )
        if method is Method.GREEDY:
            arcs = all_arcs(p)
            sol = greedy(p, arcs, seed=seed)
        else:
            # the time limit covers the whole call, compiling included (national scale: ~15 s)
            left = max(time_limit - (time.monotonic() - t0), 0.1 * time_limit)
            out = solve_optimal(
                p, time_limit=left, seed=seed, threads=threads, backend=backend, progress=say
            )
            sol = out.solution
            bound = out.bound
            status = out.status
            notes.extend(out.notes)
        objective = core_objective(p, sol)
        assignment = assignment_from_core(compiled, sol)
    score = evaluate(instance, assignment)
    gap = None
    if bound is not None:
        gap = max(0.0, (bound - score.total) / max(abs(bound), 1.0))
    hexp: tuple[HouseholdExplanation, ...] = ()
    mexp: tuple[MunicipalityExplanation, ...] = ()
    if explanations:
        say("explaining")
        hexp, mexp = explain(instance, assignment, unplaced_note=unplaced_note)
    return AllocationResult(
        method=method,
        seed=seed,
        assignment=assignment,
        score=score,
        bound=bound,
        gap=gap,
        status=status,
        runtime_s=time.monotonic() - t0,
        objective=objective,
        households=hexp,
        municipalities=mexp,
        notes=tuple(notes),
    )
