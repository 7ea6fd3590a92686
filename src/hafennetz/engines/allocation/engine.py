"""Entry point of the library: `allocate(instance, options) -> AllocationResult`.

One product path for the CLI, the Python API and the platform (ADR 0024): the `optimal`
method under a work `Budget` is reproducible - the same input, seed, engine version and budget
give the same assignment on any machine under any load.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .baselines import quota, random_assignment
from .compile import Compiled, compile_instance
from .control import Budget, Control, LogCallback, ProgressCallback, Status, StopCheck
from .core import CoreSolution, all_arcs, core_objective
from .explain import explain
from .greedy import greedy
from .large import LargePlan
from .model import (
    AllocationResult,
    HouseholdExplanation,
    Instance,
    Method,
    MunicipalityExplanation,
)
from .optimal import DENSE_ARC_LIMIT, solve_optimal
from .scoring import evaluate
from .serialize import fingerprint

#: changes whenever the same input, seed and budget may give another assignment
ENGINE_VERSION = "2.2.0"


@dataclass(frozen=True)
class Options:
    """How to allocate. Plain data: it crosses process boundaries (`run_in_subprocess`)."""

    method: Method = Method.OPTIMAL
    seed: int = 0
    budget: Budget = field(default_factory=Budget)
    explanations: bool = True
    #: above this many feasible household x municipality arcs the large-instance path is used
    dense_arc_limit: int = DENSE_ARC_LIMIT
    large_plan: LargePlan = field(default_factory=LargePlan)


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
    options: Options | None = None,
    *,
    method: Method | str | None = None,
    seed: int | None = None,
    budget: Budget | None = None,
    explanations: bool | None = None,
    progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
    log: LogCallback | None = None,
) -> AllocationResult:
    """Allocate households to municipalities.

    `options` (or the keyword overrides) choose method, seed and budget. `progress` receives a
    `Progress` about twice a second; `should_stop()` is polled at least every 0.1 s of work and
    ends the run with the best assignment so far (`result.stopped_by == "cancelled"`).
    Reproducible for the same input, seed, engine version and budget unless stopped.

    Hard requirements (capacities, hard need flags, required links) are never violated by
    `optimal` and `greedy`; `quota` and `random` ignore need flags (status quo) but keep
    capacities and links. Households that cannot be placed are reported with reasons.
    Call `validate(instance)` first: `allocate` assumes a valid instance.
    """
    opts = options or Options()
    if method is not None:
        opts = replace(opts, method=Method(method))
    if seed is not None:
        opts = replace(opts, seed=seed)
    if budget is not None:
        opts = replace(opts, budget=budget)
    if explanations is not None:
        opts = replace(opts, explanations=explanations)
    control = Control(opts.budget, progress=progress, should_stop=should_stop, log=log)
    method_ = Method(opts.method)
    bound: float | None = None
    objective: float | None = None
    notes: list[str] = []
    limits: dict[str, int] = {}
    status = Status.HEURISTIC
    unplaced_note = None
    control.begin("start", 0.0, 0.0)
    digest = fingerprint(instance)
    if method_ in (Method.QUOTA, Method.RANDOM):
        control.say(f"{method_.value}: placing {len(instance.households)} households")
        fn = quota if method_ is Method.QUOTA else random_assignment
        assignment = fn(instance, seed=opts.seed)
        status = Status.BASELINE
        unplaced_note = f"not placed by the {method_.value} method"
    else:
        control.say("compiling instance")
        compiled = compile_instance(instance, tick=control.halted)
        p = compiled.problem
        control.say(
            f"{len(instance.households)} households -> {p.n_items} items "
            f"({p.rows.shape[0]} types), {p.n_agents} municipalities"
        )
        if method_ is Method.GREEDY:
            sol = greedy(p, all_arcs(p), seed=opts.seed)
        else:
            out = solve_optimal(
                p,
                control=control,
                seed=opts.seed,
                dense_arc_limit=opts.dense_arc_limit,
                large_plan=opts.large_plan,
            )
            sol = out.solution
            bound = out.bound
            status = out.status
            notes.extend(out.notes)
            limits = out.counts
        objective = core_objective(p, sol)
        assignment = assignment_from_core(compiled, sol)
    score = evaluate(instance, assignment)
    gap = None
    if bound is not None:
        gap = max(0.0, (bound - score.total) / max(abs(bound), 1.0))
    hexp: tuple[HouseholdExplanation, ...] = ()
    mexp: tuple[MunicipalityExplanation, ...] = ()
    if opts.explanations:
        control.begin("explaining", 1.0, 1.0)
        hexp, mexp = explain(
            instance, assignment, unplaced_note=unplaced_note, tick=control.emit_due
        )
    if control.stopped_by is not None:
        notes.append(
            "stopped by the safety cap" if control.stopped_by == "time_cap" else "cancelled"
        )
    control.update(1.0, best=score.total, bound=bound)
    control.begin("done", 1.0, 1.0)
    return AllocationResult(
        method=method_,
        seed=opts.seed,
        assignment=assignment,
        score=score,
        bound=bound,
        gap=gap,
        status=status,
        runtime_s=control.elapsed(),
        objective=objective,
        households=hexp,
        municipalities=mexp,
        notes=tuple(notes),
        engine_version=ENGINE_VERSION,
        input_fingerprint=digest,
        budget=opts.budget.to_dict(),
        limits=limits,
        used=dict(control.used),
        stopped_by=control.stopped_by,
    )
