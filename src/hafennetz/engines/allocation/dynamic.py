"""Dynamic mode: households arrive in batches (e.g. 52 weeks) against capacities that hold for a
year. Each batch is placed without knowing later ones.

Every look-ahead policy works on a *fluid forecast* of the remaining year: a pool of households
of the expected kind (last year's arrivals, optionally together with this year's arrivals so
far), each with a fractional multiplicity so that the pool adds up to the expected number of
arrivals in the remaining batches. The forecast never sees a later batch of this year.

* `reoptimize`: before each batch, solve (this batch, integer) + (the fluid forecast, continuous)
  jointly on the remaining capacities and commit only the batch's assignment (re-optimisation
  against the expected future; LP first, then a MIP on the LP's support, see `_reoptimize`).

The comparison policies `potentials` (Ahani et al. 2024) and `myopic` live in
bench/allocation/research/dynamic_policies.py (issue 12: no user reaches them); they plug in
through `policy=` as a `BatchPolicy`.

The result is compared with the hindsight optimum (all arrivals known in advance) and, as a
check of that figure, with the LP relaxation of the hindsight problem (an upper bound).

Progress and cancellation (ADR 0024) work as in `allocate`: every batch's solves run under a
`Control` that carries the caller's `progress` and `should_stop`; the callbacks never change a
decision. A cancelled run keeps only the batches placed before the cancellation (a batch is
committed whole or not at all) and says so (`stopped_by="cancelled"`, `batches_done`).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from .backends import solve_highs
from .compile import Compiled, blocks_of, compile_instance
from .control import (
    POLL_EVERY,
    PROGRESS_EVERY,
    Budget,
    Control,
    LogCallback,
    Progress,
    ProgressCallback,
    StopCheck,
)
from .core import (
    Arcs,
    CoreProblem,
    CoreSolution,
    FloatArray,
    all_arcs,
    is_feasible,
    make_arcs,
)
from .engine import ENGINE_VERSION, allocate, assignment_from_core
from .greedy import greedy
from .large import ITER_RATE, MIN_ITERATIONS_PER_ROW, UNLIMITED
from .mip_model import MipModel, build
from .model import Household, Instance, Municipality, ScoreBreakdown
from .optimal import mip_nodes_for, solve_optimal
from .scoring import evaluate
from .serialize import canonical_json, instance_to_dict, score_from_dict, score_to_dict

POLICIES = ("reoptimize",)

#: Simplex iterations of the look-ahead LP (batch + fluid forecast) of a `reoptimize` batch:
#: LP_SHARE x work x `large.ITER_RATE` / rows, at least `large.MIN_ITERATIONS_PER_ROW` per row
#: (so that small LPs always solve); `Budget.lp_iterations` overrides, wall-clock mode leaves
#: it unlimited. The LP is the main work of a batch: it is solved over all arcs of the batch
#: and the whole forecast pool (alliance scale: ~50,000 columns, a few thousand rows), while
#: the MIP after it keeps only the batch's arcs and the forecast arcs the LP uses and starts
#: from the rounded LP (its node limit is derived from the whole `work`, unchanged). Without
#: a solved LP there is no look-ahead at all, so the LP gets most of the budget: 0.8 (the
#: rest, in this accounting, for building the models and the MIP). A batch whose LP is not
#: solved within this is placed alone (myopic) under the batch budget.
LOOK_AHEAD_LP_SHARE = 0.8
#: The hindsight comparison's LP over all arcs (an upper bound and the guide of its MIP), in
#: the same way; `allocate` with the whole `hindsight_budget` runs before it, so the LP gets
#: half (alliance scale, 60 work-seconds: 11,464 rows, 65,423 columns, limit 57,320 - the
#: minimum per row - not hit in the 52-week runs of bench row 9b). Not solved within it: the
#: hindsight figure is `allocate`'s alone, with its bound (a note says so).
HINDSIGHT_LP_SHARE = 0.5


def lp_iterations_for(budget: Budget, share: float, n_rows: int) -> int:
    """Simplex iterations for an LP of `n_rows` rows given `share` of `budget.work`."""
    if budget.lp_iterations is not None:
        return int(budget.lp_iterations)
    if budget.wall_clock:
        return UNLIMITED
    rows = max(n_rows, 1)
    return max(int(share * budget.work * ITER_RATE / rows), MIN_ITERATIONS_PER_ROW * rows)


class BatchPolicy(Protocol):
    """Places one batch given the look-ahead problem (None: no forecast left). Returns (batch
    solution or None for the myopic fallback, proven optimal, a note)."""

    name: str

    def __call__(
        self, look: LookAhead | None, problem: CoreProblem, budget: Budget, seed: int
    ) -> tuple[CoreSolution | None, bool, str]: ...


@dataclass(frozen=True)
class DynamicResult:
    policy: str
    assignment: dict[str, str | None]
    score: ScoreBreakdown
    hindsight_score: float | None
    share_of_hindsight: float | None  # (score + P) / (hindsight + P), P = penalty x all persons
    batch_scores: tuple[float, ...]
    runtime_s: float
    hindsight_bound: float | None = None  # LP relaxation of the hindsight problem (upper bound)
    hindsight_status: str | None = None
    fallbacks: int = 0  # batches where the look-ahead solve failed and myopic placement was used
    placed_batches: tuple[tuple[str, ...], ...] = ()  # batches as placed (linked blocks wait)
    time_limited: int = 0  # batches whose solve stopped at its work limit (not proven optimal)
    #: batches whose look-ahead LP was not solved within its simplex-iteration limit (placed
    #: alone, myopic; also counted in `fallbacks`)
    lp_limited: int = 0
    #: English lines on what did not go as planned (LP limits hit, fallbacks), in order
    notes: tuple[str, ...] = ()
    #: "cancelled" when `should_stop()` ended the run: only the first `batches_done` batches of
    #: `placed_batches` are in `assignment` (the rest None), the hindsight figures may be None
    stopped_by: str | None = None
    batches_done: int = 0
    capped: int = 0  # solves stopped by a `Budget.time_cap` (then not reproducible)
    seed: int = 0
    engine_version: str = ""
    #: sha256 of the canonical JSON of the whole dynamic input (instance, batches, forecast,
    #: policy and its parameters)
    input_fingerprint: str = ""
    budget: dict[str, object] = field(default_factory=dict)  # `batch_budget.to_dict()`
    hindsight_budget: dict[str, object] = field(default_factory=dict)

    @property
    def reproducible(self) -> bool:
        """Neither cancelled nor stopped by a safety cap: the same input, seed, engine version
        and budgets give this result again on any machine."""
        return self.stopped_by is None and self.capped == 0

    def to_dict(self, *, timing: bool = True) -> dict[str, Any]:
        """JSON-ready data; `timing=False` leaves out the run time (byte-identical files)."""
        out: dict[str, Any] = {
            "engine_version": self.engine_version,
            "input_fingerprint": self.input_fingerprint,
            "policy": self.policy,
            "seed": self.seed,
            "budget": dict(self.budget),
            "hindsight_budget": dict(self.hindsight_budget),
            "stopped_by": self.stopped_by,
            "reproducible": self.reproducible,
            "batches_done": self.batches_done,
            "capped": self.capped,
            "fallbacks": self.fallbacks,
            "time_limited": self.time_limited,
            "lp_limited": self.lp_limited,
            "notes": list(self.notes),
            "score": score_to_dict(self.score),
            "hindsight_score": self.hindsight_score,
            "hindsight_bound": self.hindsight_bound,
            "hindsight_status": self.hindsight_status,
            "share_of_hindsight": self.share_of_hindsight,
            "batch_scores": list(self.batch_scores),
            "placed_batches": [list(b) for b in self.placed_batches],
            "assignment": [[c, a] for c, a in self.assignment.items()],
        }
        if timing:
            out["runtime_s"] = self.runtime_s
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DynamicResult:
        def opt_float(name: str) -> float | None:
            v = data.get(name)
            return None if v is None else float(v)

        status = data.get("hindsight_status")
        stopped = data.get("stopped_by")
        return cls(
            policy=str(data["policy"]),
            assignment={str(c): (None if a is None else str(a)) for c, a in data["assignment"]},
            score=score_from_dict(data["score"]),
            hindsight_score=opt_float("hindsight_score"),
            share_of_hindsight=opt_float("share_of_hindsight"),
            batch_scores=tuple(float(v) for v in data.get("batch_scores", ())),
            runtime_s=float(data.get("runtime_s", 0.0)),
            hindsight_bound=opt_float("hindsight_bound"),
            hindsight_status=None if status is None else str(status),
            fallbacks=int(data.get("fallbacks", 0)),
            placed_batches=tuple(tuple(str(c) for c in b) for b in data.get("placed_batches", ())),
            time_limited=int(data.get("time_limited", 0)),
            lp_limited=int(data.get("lp_limited", 0)),
            notes=tuple(str(n) for n in data.get("notes", ())),
            stopped_by=None if stopped is None else str(stopped),
            batches_done=int(data.get("batches_done", 0)),
            capped=int(data.get("capped", 0)),
            seed=int(data.get("seed", 0)),
            engine_version=str(data.get("engine_version", "")),
            input_fingerprint=str(data.get("input_fingerprint", "")),
            budget=dict(data.get("budget", {})),
            hindsight_budget=dict(data.get("hindsight_budget", {})),
        )


@dataclass
class _Run:
    """Progress and cancellation across one dynamic run. Each batch's solves get their own
    `Control` (the batch budget and its safety cap hold per batch) whose progress is mapped
    into this run's range for the batch and whose `should_stop` is `stop_requested`; a
    cancellation is latched, so once asked every later poll says stop. Nothing here feeds
    back into a decision."""

    progress: ProgressCallback | None
    should_stop: StopCheck | None
    log: LogCallback | None
    phase: str = "start"
    lo: float = 0.0
    hi: float = 0.0
    fraction: float = 0.0  # the last one sent: never decreases
    best: float | None = None
    bound: float | None = None
    cancelled: bool = False
    _last_poll: float = -math.inf
    _last_emit: float = -math.inf

    def stop_requested(self) -> bool:
        """Ask the caller (no throttling: the batch `Control`s poll every 0.1 s)."""
        if not self.cancelled and self.should_stop is not None and self.should_stop():
            self.cancelled = True
        return self.cancelled

    def halted(self) -> bool:
        """Between the steps of a batch: poll `should_stop` (every 0.1 s at most) and send
        progress when due."""
        now = time.monotonic()
        if not self.cancelled and now - self._last_poll >= POLL_EVERY:
            self._last_poll = now
            self.stop_requested()
        if now - self._last_emit >= PROGRESS_EVERY:
            self.emit()
        return self.cancelled

    def begin(
        self, phase: str, lo: float, hi: float, message: str = "", *, log: bool = False
    ) -> None:
        """A new phase covering [lo, hi] of the run; `log`: the message is also a log line."""
        self.phase, self.lo, self.hi = phase, lo, max(lo, hi)
        if log and self.log is not None:
            self.log(message)
        self.emit(lo, message)

    def inner(self, p: Progress) -> None:
        """Progress of a batch's `Control` (or of `allocate` for the hindsight figure)."""
        self.emit(self.lo + (self.hi - self.lo) * min(max(p.fraction, 0.0), 1.0), p.message)

    def emit(self, fraction: float | None = None, message: str = "") -> None:
        self._last_emit = time.monotonic()
        if fraction is not None:
            self.fraction = max(self.fraction, min(fraction, 1.0))
        if self.progress is not None:
            self.progress(Progress(self.phase, self.fraction, self.best, self.bound, message))

    def say(self, message: str, fraction: float | None = None) -> None:
        """A log line and a progress event carrying it."""
        if self.log is not None:
            self.log(message)
        self.emit(fraction, message)

    def control(self, budget: Budget) -> Control:
        return Control(budget, progress=self.inner, should_stop=self.stop_requested)


def dynamic_fingerprint(
    instance: Instance,
    batches: Sequence[Sequence[str]],
    forecast: Sequence[Household],
    *,
    policy: str,
    discount: float,
    keep_slack: float | None,
    learn: bool,
) -> str:
    """sha256 (hex) of the canonical JSON of a dynamic run's input."""
    data = {
        "instance": instance_to_dict(instance),
        "batches": [list(b) for b in batches],
        "forecast": instance_to_dict(
            replace(instance, households=tuple(forecast), municipalities=())
        )["households"],
        "policy": policy,
        "discount": discount,
        "keep_slack": keep_slack,
        "learn": learn,
    }
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


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


def _stack(batch: CoreProblem, future: CoreProblem) -> CoreProblem:
    """One core problem with the batch's items first, then the forecast's (compiled apart, so
    that no batch household is aggregated with a forecast one). Same agents and resources."""
    n_rows = batch.rows.shape[0]
    return replace(
        batch,
        rows=np.vstack([batch.rows, future.rows]),
        use=np.concatenate([batch.use, future.use], axis=0),
        item_row=np.concatenate([batch.item_row, future.item_row + n_rows]),
        item_count=np.concatenate([batch.item_count, future.item_count]),
        item_persons=np.concatenate([batch.item_persons, future.item_persons]),
        item_penalty=np.concatenate([batch.item_penalty, future.item_penalty]),
        item_const=np.concatenate([batch.item_const, future.item_const]),
        item_bonus=list(batch.item_bonus) + list(future.item_bonus),
        pairs=list(batch.pairs),
    )


@dataclass
class LookAhead:
    """(batch + fluid forecast) on the remaining capacities: forecast items get multiplicity
    count x `scale` and continuous columns. The forecast's values are multiplied by
    1 - `discount`: a household at hand beats an identical expected one."""

    stacked: CoreProblem
    n_batch_items: int
    scale: float
    discount: float

    def model(self, arcs: Arcs, integer: bool) -> MipModel:
        """The batch's columns are integer if `integer`, the forecast's always continuous."""
        model = build(self.stacked, arcs)
        fut_cols = np.flatnonzero(arcs.item >= self.n_batch_items)
        model.col_upper[fut_cols] *= self.scale
        model.cost[fut_cols] *= 1.0 - self.discount
        model.integer[fut_cols] = False
        if not integer:
            model.integer[:] = False
        fut_rows = model.item_row[np.arange(self.n_batch_items, self.stacked.n_items)]
        model.row_upper[fut_rows[fut_rows >= 0]] *= self.scale
        return model


def _look_ahead(
    sub: Instance,
    compiled: Compiled,
    future: Sequence[Household],
    scale: float,
    discount: float,
    tick: Callable[[], object] | None = None,
) -> LookAhead | None:
    fut = compile_instance(replace(sub, households=tuple(future)), tick=tick)
    if fut.resources != compiled.resources or fut.agents != compiled.agents:
        return None
    stacked = _stack(compiled.problem, fut.problem)
    return LookAhead(stacked, compiled.problem.n_items, scale, discount)


def _reduced_costs(model: MipModel, row_dual: FloatArray) -> FloatArray:
    """cost - A^T y for every column (maximisation: <= 0 at an LP optimum)."""
    rows = np.repeat(np.arange(model.n_rows), np.diff(model.start))
    dual_use = np.bincount(
        model.index, weights=model.value * row_dual[rows], minlength=model.n_cols
    )
    return np.asarray(model.cost - dual_use, dtype=np.float64)


def _reoptimize(
    look: LookAhead,
    problem: CoreProblem,
    *,
    control: Control,
    seed: int,
    keep_slack: float | None,
) -> tuple[CoreSolution | None, bool, str, bool]:
    """Joint MIP (batch integer, forecast continuous), committing only the batch.

    First the LP over all arcs, limited to `lp_iterations_for(budget, LOOK_AHEAD_LP_SHARE,
    rows)` simplex iterations. Start: its batch part rounded down and completed greedily in
    the capacity the LP leaves free (after the forecast's share), the forecast part as in the
    LP — feasible and close to the LP value, so a MIP stopped at its time limit (measured: often,
    under load) still ends at least there. The MIP keeps every batch arc but only the forecast
    arcs the LP uses or prices within `keep_slack` of zero; the better of MIP and start (joint
    objective) is committed. With `keep_slack` None only the forecast arcs the LP uses are kept:
    at alliance scale the LP is highly degenerate (19,000 of 51,000 arcs at reduced cost >= 0),
    and keeping all arcs within 1 of zero (45,000) let the MIP stop at its 10-s limit in most
    weeks. Returns (batch solution or None, proven optimal on the kept arcs, a note, whether
    the LP stopped at its iteration limit).
    """
    t0 = time.monotonic()
    control.begin("lp", 0.0, 0.3)  # progress only: phases are ended by their work limits
    arcs = all_arcs(look.stacked)
    lp_model = look.model(arcs, integer=False)
    its = lp_iterations_for(control.budget, LOOK_AHEAD_LP_SHARE, lp_model.n_rows)
    lp = solve_highs(lp_model, control=control, relax=True, seed=seed, iteration_limit=its)
    if lp.columns is None or lp.row_dual is None:
        if lp.status == "infeasible" or control.stopped_by is not None:
            return None, False, f"LP not solved ({lp.status})", False
        return (
            None,
            False,
            f"look-ahead LP not solved within {its} simplex iterations "
            f"({lp_model.n_rows} rows, {lp_model.n_cols} columns): batch placed alone (myopic)",
            True,
        )
    x_lp = lp.columns[: lp_model.n_x]
    rc = _reduced_costs(lp_model, lp.row_dual)[: lp_model.n_x]
    mine = arcs.item < look.n_batch_items
    keep = mine | (x_lp > 1e-9)
    if keep_slack is not None:
        keep |= rc >= -keep_slack
    sub_arcs = make_arcs(look.stacked, arcs.item[keep], arcs.agent[keep])
    # make_arcs sorts by (item, agent) like all_arcs: the kept columns keep their order
    x_keep = x_lp[keep]
    sub_mine = sub_arcs.item < look.n_batch_items
    batch_arcs = make_arcs(problem, sub_arcs.item[sub_mine], sub_arcs.agent[sub_mine])
    future_use = np.zeros_like(problem.capacity)
    fut = np.flatnonzero(~sub_mine)
    np.add.at(future_use, sub_arcs.agent[fut], sub_arcs.use[fut] * x_keep[fut, None])
    free = replace(problem, capacity=np.maximum(problem.capacity - future_use, 0.0) + 1e-7)
    floor = np.floor(x_keep[sub_mine] + 1e-9).astype(np.int64)
    completed = greedy(free, batch_arcs, seed=seed, initial_x=floor)
    x_start = x_keep.copy()
    x_start[sub_mine] = completed.x
    model = look.model(sub_arcs, integer=True)
    start = model.full_start(look.stacked, sub_arcs, x_start)  # type: ignore[arg-type]
    start_obj = float(model.cost @ start)
    t_lp = time.monotonic() - t0
    nodes = mip_nodes_for(control.budget, control.budget.work, model.n_cols, model.n_rows)
    control.begin("mip", 0.3, 1.0)
    out = solve_highs(model, control=control, node_limit=nodes, seed=seed, start=start)
    candidates = [(start_obj, completed.x)]
    if out.columns is not None:
        mip_x = np.rint(out.columns[: model.n_x][sub_mine]).astype(np.int64)
        candidates.insert(0, (float(model.cost @ out.columns), mip_x))
    candidates.sort(key=lambda c: -c[0])  # stable: the MIP first on a tie
    for obj, x in candidates:
        cand = CoreSolution(batch_arcs, x)
        if is_feasible(problem, cand):
            note = (
                f"LP {t_lp:.1f} s, MIP on {sub_arcs.size} arcs: {out.status}, "
                f"{time.monotonic() - t0 - t_lp:.1f} s, gain over start {obj - start_obj:.2f}"
            )
            return cand, out.status == "optimal", note, False
    return None, False, "no feasible batch assignment", False


def _future_pool(
    forecast: Sequence[Household], observed: Sequence[Household]
) -> tuple[Household, ...]:
    """Forecast households under ids of their own, without links (their partners are not
    known); `observed` (this year's arrivals so far) join the pool as further samples."""
    pool = [
        replace(h, case_id=f"__future_{i}", links=())
        for i, h in enumerate(list(forecast) + list(observed))
    ]
    return tuple(pool)


def _place_batch(
    sub: Instance,
    pool: tuple[Household, ...],
    expected: float,
    *,
    policy: str | BatchPolicy,
    discount: float,
    keep_slack: float | None,
    seed: int,
    budget: Budget,
    run: _Run,
) -> tuple[Compiled, CoreSolution, str, tuple[int, int, int, int]] | None:
    """One batch (`sub`: its households on the remaining capacities). Returns the compiled
    batch, its solution, a note and (fallbacks, time-limited solves, capped solves, look-ahead
    LPs stopped at their iteration limit), or None when the run was cancelled meanwhile
    (nothing of the batch is kept then). Fallback (no look-ahead, or its solve gave nothing):
    the batch alone through `solve_optimal` under a fresh `budget` (myopic)."""
    compiled = compile_instance(sub, tick=run.halted)
    problem = compiled.problem
    solution: CoreSolution | None = None
    note = ""
    fallbacks = limited = capped = lp_limited = 0
    look = None
    if pool and expected > 0 and not run.halted():
        look = _look_ahead(sub, compiled, pool, expected / len(pool), discount, run.halted)
        if look is None:
            fallbacks += 1
    if run.halted():
        return None
    if look is not None and policy == "reoptimize":
        control = run.control(budget)
        solution, proven, note, lp_hit = _reoptimize(
            look, problem, control=control, seed=seed, keep_slack=keep_slack
        )
        capped += control.stopped_by == "time_cap"
        limited += not proven
        lp_limited += lp_hit
        if solution is None:
            fallbacks += 1
    elif not isinstance(policy, str):
        solution, proven, note = policy(look, problem, budget, seed)
        limited += solution is not None and not proven
    if run.cancelled:
        return None
    if solution is None:
        control = run.control(budget)
        res = solve_optimal(problem, control=control, seed=seed)
        capped += control.stopped_by == "time_cap"
        limited += res.status != "optimal"
        solution = res.solution
    if run.cancelled:
        return None
    return compiled, solution, note, (fallbacks, limited, capped, lp_limited)


def allocate_dynamic(
    instance: Instance,
    batches: Sequence[Sequence[str]],
    *,
    forecast: Sequence[Household] = (),
    policy: str | BatchPolicy = "reoptimize",
    discount: float = 0.001,
    keep_slack: float | None = None,
    learn: bool = True,
    seed: int = 0,
    batch_budget: Budget | None = None,
    hindsight_budget: Budget | None = None,
    hindsight: bool = True,
    progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
    log: LogCallback | None = None,
) -> DynamicResult:
    """Place `batches` (lists of case ids, in arrival order) one after the other.

    `forecast`: households of the kind expected to arrive (e.g. last year's); the number
    expected in the remaining batches is len(forecast) x remaining / all batches. `learn`: this
    year's arrivals so far join the forecast pool (same total). `policy`: "reoptimize" or a
    `BatchPolicy` (comparisons in bench/allocation/research); `discount` lowers the
    forecast's values (see `LookAhead`); `keep_slack`:
    forecast arcs priced within this of zero by the LP also stay in `reoptimize`'s MIP (None:
    only those the LP uses). Each batch's solves are limited by counted work (`batch_budget`,
    default 10 reference seconds; the hindsight comparison by `hindsight_budget`, default 60),
    so the result is reproducible for a seed (`time_limited` counts batches whose solve ended
    at its work limit, not proven optimal).

    `progress` receives a `Progress` at the start of every batch (phase "batch k/n") and about
    twice a second within it (fraction over the whole run: every non-empty batch weighs its
    `batch_budget.work`, the hindsight figure its `hindsight_budget.work`; `best`: the summed
    scores of the batches placed so far, at the end the run's score and the hindsight bound).
    `should_stop()` is polled at least every 0.1 s of work, inside the batch solves too (a
    `BatchPolicy` other than "reoptimize" only between batches); when it returns True the
    batch under way is dropped and the result holds the batches placed before it
    (`stopped_by="cancelled"`, `batches_done`). `log` gets one English line per batch. The
    callbacks never change a decision.
    """
    batch_budget = batch_budget or Budget(work=10.0)
    hindsight_budget = hindsight_budget or Budget(work=60.0)
    if isinstance(policy, str) and policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; expected one of {POLICIES}")
    name = policy if isinstance(policy, str) else policy.name
    run = _Run(progress, should_stop, log)
    t0 = time.monotonic()
    digest = dynamic_fingerprint(
        instance,
        batches,
        forecast,
        policy=name,
        discount=discount,
        keep_slack=keep_slack,
        learn=learn,
    )
    batches = _keep_blocks_together(instance, batches)
    by_id = {h.case_id: h for h in instance.households}
    used: dict[str, dict[str, int]] = {}
    assignment: dict[str, str | None] = {h.case_id: None for h in instance.households}
    batch_scores: list[float] = []
    n_batches = len(batches)
    per_batch = len(forecast) / n_batches if n_batches else 0.0
    seen: list[Household] = []
    fallbacks = time_limited = capped = lp_limited = 0
    notes: list[str] = []
    # the share of the run's progress each part stands for: its work budget
    n_busy = sum(1 for b in batches if b)
    weight = n_busy * batch_budget.work + (hindsight_budget.work if hindsight else 0.0)
    step = batch_budget.work / weight if weight else 0.0
    done = 0  # batches whose placement is committed (empty ones included)
    busy_done = 0
    run.begin("start", 0.0, 0.0, f"{n_batches} batches, policy {name}")
    for k, batch in enumerate(batches):
        if run.stop_requested():  # asked before every batch, then every 0.1 s within it
            break
        if not batch:
            done += 1
            continue
        t_batch = time.monotonic()
        run.begin(
            f"batch {k + 1}/{n_batches}",
            busy_done * step,
            (busy_done + 1) * step,
            f"batch {k + 1}/{n_batches}: {len(batch)} households",
        )
        munis = _remaining(instance.municipalities, used)
        batch_hh = tuple(by_id[c] for c in batch)
        sub = replace(instance, households=batch_hh, municipalities=munis)
        expected = per_batch * (n_batches - k - 1)
        pool = _future_pool(forecast, seen if learn else ())
        placed = _place_batch(
            sub,
            pool,
            expected,
            policy=policy,
            discount=discount,
            keep_slack=keep_slack,
            seed=seed,
            budget=batch_budget,
            run=run,
        )
        if placed is None:
            break  # cancelled: the batch is dropped whole
        compiled, solution, note, counts = placed
        fallbacks += counts[0]
        time_limited += counts[1]
        capped += counts[2]
        if counts[3]:
            lp_limited += counts[3]
            notes.append(f"batch {k + 1}/{n_batches}: {note}")
        batch_assignment = assignment_from_core(compiled, solution)
        for case_id, ags in batch_assignment.items():
            assignment[case_id] = ags
            if ags is not None:
                u = used.setdefault(ags, {})
                for res_name, amount in by_id[case_id].resource_needs().items():
                    u[res_name] = u.get(res_name, 0) + amount
        seen.extend(batch_hh)
        batch_scores.append(evaluate(sub, batch_assignment).total)
        done += 1
        busy_done += 1
        run.best = sum(batch_scores)
        run.say(
            f"batch {k + 1}/{n_batches}: {len(batch)} households, "
            f"{sum(1 for v in batch_assignment.values() if v)} placed ({name}, "
            f"{time.monotonic() - t_batch:.1f} s, {time_limited} at the time limit so far)"
            + (f"; {note}" if note else ""),
            run.hi,  # the batch is done
        )
    score = evaluate(instance, assignment)
    bound = share = None
    status = None
    hindsight_score = None
    if hindsight and not run.cancelled:
        found = _hindsight(instance, seed, hindsight_budget, run, busy_done * step, 1.0)
        if found is not None:
            hindsight_score, bound, status, hindsight_capped, hindsight_note = found
            capped += hindsight_capped
            if hindsight_note:
                notes.append(hindsight_note)
            # the score is value minus a penalty per unplaced person, so it is often negative;
            # the share is taken on the gain over placing nobody (score + penalty x all persons)
            offset = instance.weights.unplaced_per_person * sum(h.size for h in instance.households)
            total = hindsight_score + offset
            share = (score.total + offset) / total if total else None
    stopped_by = "cancelled" if run.cancelled else None
    run.best, run.bound = score.total, bound
    run.begin(
        "done",
        1.0,
        1.0,
        f"cancelled after {done} of {n_batches} batches" if stopped_by else "done",
    )
    return DynamicResult(
        policy=name,
        assignment=assignment,
        score=score,
        hindsight_score=hindsight_score,
        share_of_hindsight=share,
        batch_scores=tuple(batch_scores),
        runtime_s=time.monotonic() - t0,
        hindsight_bound=bound,
        hindsight_status=status,
        fallbacks=fallbacks,
        time_limited=time_limited,
        lp_limited=lp_limited,
        notes=tuple(notes),
        placed_batches=tuple(tuple(b) for b in batches),
        stopped_by=stopped_by,
        batches_done=done,
        capped=capped,
        seed=seed,
        engine_version=ENGINE_VERSION,
        input_fingerprint=digest,
        budget=batch_budget.to_dict(),
        hindsight_budget=hindsight_budget.to_dict() if hindsight else {},
    )


def _hindsight(
    instance: Instance, seed: int, budget: Budget, run: _Run, lo: float, hi: float
) -> tuple[float, float | None, str, int, str] | None:
    """Hindsight optimum (all arrivals known): the better of the engine's `optimal` and an
    LP-guided MIP (LP over all arcs; MIP over the arcs the LP uses or prices within 2 of zero,
    started from the LP solution rounded down and completed greedily). Upper bound: the LP
    relaxation over all arcs (or the engine's bound if lower). The LP is limited to
    `lp_iterations_for(budget, HINDSIGHT_LP_SHARE, rows)` simplex iterations; not solved within
    them, the figure is `optimal`'s alone (score and bound) and the note says so. Returns
    (score, bound, status, solves stopped by the safety cap, a note or ""), or None when the
    run was cancelled meanwhile."""
    mid = lo + (hi - lo) / 2
    run.begin("hindsight", lo, mid, "hindsight optimum (all arrivals known)", log=True)
    best = allocate(
        instance,
        method="optimal",
        seed=seed,
        budget=budget,
        explanations=False,
        progress=run.inner,
        should_stop=run.stop_requested,
    )
    if run.cancelled or best.stopped_by == "cancelled":
        return None
    capped = int(best.stopped_by == "time_cap")
    score = best.score.total
    bounds = [b for b in (best.bound,) if b is not None]
    run.begin("hindsight", mid, hi, "hindsight: LP-guided MIP")
    compiled = compile_instance(instance, tick=run.halted)
    problem = compiled.problem
    arcs = all_arcs(problem)
    model = build(problem, arcs)
    control = run.control(budget)
    its = lp_iterations_for(budget, HINDSIGHT_LP_SHARE, model.n_rows)
    lp = solve_highs(model, control=control, relax=True, seed=seed, iteration_limit=its)
    if run.cancelled:
        return None
    note = ""
    if lp.row_dual is None and lp.status != "infeasible" and control.stopped_by is None:
        note = (
            f"hindsight: LP not solved within {its} simplex iterations ({model.n_rows} rows, "
            f"{model.n_cols} columns): score and bound of `optimal` alone"
        )
    if lp.bound is not None and lp.columns is not None and lp.row_dual is not None:
        bounds.append(lp.bound)
        x_lp = lp.columns[: model.n_x]
        rc = _reduced_costs(model, lp.row_dual)[: model.n_x]
        keep = (x_lp > 1e-9) | (rc >= -2.0)
        sub = make_arcs(problem, arcs.item[keep], arcs.agent[keep])
        start = greedy(problem, sub, seed=seed, initial_x=np.floor(x_lp[keep] + 1e-9).astype(int))
        sub_model = build(problem, sub)
        out = solve_highs(
            sub_model,
            control=control,
            node_limit=mip_nodes_for(budget, budget.work, sub_model.n_cols, sub_model.n_rows),
            seed=seed,
            start=sub_model.full_start(problem, sub, start.x),
        )
        if run.cancelled:
            return None
        for x in ([] if out.columns is None else [out.columns[: sub_model.n_x]]) + [start.x]:
            sol = CoreSolution(sub, np.rint(x).astype(np.int64))
            if is_feasible(problem, sol):
                value = evaluate(instance, assignment_from_core(compiled, sol)).total
                score = max(score, value)
                break
    capped += control.stopped_by == "time_cap"
    bound = min(bounds) if bounds else None
    close = bound is not None and bound - score <= 1e-6 * max(1.0, abs(bound))
    return score, bound, "optimal" if close else "feasible", capped, note
