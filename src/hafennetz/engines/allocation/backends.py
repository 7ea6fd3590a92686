"""HiGHS for a `MipModel` (chosen by measurement: ADR 0020), run under a `Control`.

No process-wide side effects here: HiGHS' banner (printed once per process when the first
`Highs` object is made) is hidden by the processes that own their stdout (the CLI and
`run_in_subprocess`), not by this library. `set_threads` is the one exception, documented there.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np

from .control import Control
from .core import FloatArray
from .mip_model import MipModel


@dataclass
class MipOutcome:
    columns: FloatArray | None  # column values (None: no solution found)
    objective: float | None  # incl. offset
    bound: float | None  # proven upper bound incl. offset
    status: str  # "optimal", "feasible", "infeasible", "no_solution"
    row_dual: FloatArray | None = None  # LP only
    nodes: int = 0  # branch-and-bound nodes used
    iterations: int = 0  # simplex iterations used
    col_dual: FloatArray | None = None  # LP only: reduced costs (maximising: <= 0 at lower bound)


#: HiGHS' integer options are 32-bit; "unlimited" counts (wall-clock mode) are clipped to this
HIGHS_INT_MAX = 2_147_483_647


def highs_int(value: int) -> int:
    return int(min(max(value, 1), HIGHS_INT_MAX))


def new_highs() -> highspy.Highs:
    """A silent Highs object (output off; the one-time banner is the process owner's matter)."""
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    return h


def hide_highs_banner() -> None:
    """For processes that own their stdout (CLI, spawned worker): make the first Highs object
    while fd 1 points to stderr, so the banner does not end up in the summary or a pipe.
    Never called by the library itself."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_SCHEDULER_THREADS: int | None = None


def set_threads(h: highspy.Highs, threads: int) -> None:
    """HiGHS keeps one thread scheduler per process: a run asking for another thread count
    than the first fails at once (status kError, no solution; measured with 1.16). When the
    count changes the scheduler is reset - a process-wide step, safe only while no other thread
    of the process runs HiGHS. The default (1 thread, `Budget.threads`) never changes it;
    servers run each allocation in its own process (`run_in_subprocess`)."""
    global _SCHEDULER_THREADS
    threads = max(int(threads), 1)
    if _SCHEDULER_THREADS is not None and threads != _SCHEDULER_THREADS:
        highspy.Highs.resetThreadScheduler(True)
    _SCHEDULER_THREADS = threads
    h.setOptionValue("threads", threads)


def watch(h: highspy.Highs, control: Control, *, report: bool = False) -> None:
    """Stop a HiGHS solve when the run is halted (safety cap, cancellation) or, in wall-clock
    mode, when its phase's time is up; HiGHS' own time_limit was measured to be overshot by
    minutes under load. With `report`, MIP incumbents and bounds go to the progress display
    (the MIP's objective is the run's score)."""

    def stop(event: highspy.HighsCallbackEvent) -> None:
        if report and event.callback_type == highspy.cb.HighsCallbackType.kCallbackMipInterrupt:
            d = event.data_out
            best = float(d.mip_primal_bound)
            bound = float(d.mip_dual_bound)
            control.update(
                best=best if math.isfinite(best) else None,
                bound=bound if math.isfinite(bound) else None,
            )
        # set the flag both ways: it is kept in the callback data, and a flag left at True
        # makes every later run() stop at once (measured)
        event.interrupt(control.phase_over())

    h.cbMipInterrupt.subscribe(stop)
    h.cbSimplexInterrupt.subscribe(stop)  # the root LP of a MIP can be long, too
    h.cbIpmInterrupt.subscribe(stop)


def configure(h: highspy.Highs, control: Control, *, seed: int, threads: int | None = None) -> None:
    """Seed, threads, and in wall-clock mode HiGHS' own time limit as a second line."""
    h.setOptionValue("random_seed", int(seed) % 2_000_000_000)
    set_threads(h, control.budget.threads if threads is None else threads)
    if control.budget.wall_clock:
        spent = float(h.getRunTime())
        h.setOptionValue("time_limit", spent + max(control.time_left(), 0.01))


def solve_highs(
    model: MipModel,
    *,
    control: Control,
    node_limit: int | None = None,
    seed: int = 0,
    relax: bool = False,
    start: FloatArray | None = None,
    rel_gap: float = 1e-6,
    abs_gap: float = 1e-6,
    report: bool = False,
    iteration_limit: int | None = None,
    sub_mip_heuristics: bool = True,
) -> MipOutcome:
    """Solve (or relax) `model`. Deterministic limits: `node_limit` branch-and-bound nodes,
    `iteration_limit` simplex iterations (LPs); the clock only through `control`."""
    h = new_highs()
    configure(h, control, seed=seed)
    h.setOptionValue("mip_rel_gap", rel_gap)
    h.setOptionValue("mip_abs_gap", abs_gap)
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", highs_int(node_limit))
    if iteration_limit is not None:
        h.setOptionValue("simplex_iteration_limit", highs_int(iteration_limit))
    if not sub_mip_heuristics:
        # RENS and RINS solve sub-MIPs at the root: measured to take half the root's time on
        # GAP type D, where the tabu search finds better solutions anyway
        h.setOptionValue("mip_heuristic_run_rens", False)
        h.setOptionValue("mip_heuristic_run_rins", False)
    lp = highspy.HighsLp()
    lp.num_col_ = model.n_cols
    lp.num_row_ = model.n_rows
    lp.col_cost_ = model.cost
    lp.col_lower_ = model.col_lower
    lp.col_upper_ = np.where(np.isinf(model.col_upper), highspy.kHighsInf, model.col_upper)
    lp.row_lower_ = np.where(np.isinf(model.row_lower), -highspy.kHighsInf, model.row_lower)
    lp.row_upper_ = np.where(np.isinf(model.row_upper), highspy.kHighsInf, model.row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = model.start
    lp.a_matrix_.index_ = model.index
    lp.a_matrix_.value_ = model.value
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.offset_ = model.offset
    if not relax:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
            for i in model.integer.tolist()
        ]
    h.passModel(lp)
    if start is not None and not relax:
        sol = highspy.HighsSolution()
        sol.col_value = start.tolist()
        sol.value_valid = True
        h.setSolution(sol)
    if model.n_cols == 0:
        empty = np.zeros(0)
        return MipOutcome(empty, model.offset, model.offset, "optimal", np.zeros(model.n_rows))
    watch(h, control, report=report)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    nodes = max(int(info.mip_node_count), 0)
    iterations = max(int(info.simplex_iteration_count), 0)
    control.count("mip_nodes", nodes)
    control.count("simplex_iterations", iterations)
    if status == highspy.HighsModelStatus.kInfeasible:
        return MipOutcome(None, None, None, "infeasible", nodes=nodes, iterations=iterations)
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    solution = h.getSolution()
    columns = np.array(solution.col_value, dtype=np.float64) if has_solution else None
    objective = float(info.objective_function_value) if has_solution else None
    if relax:
        done = status == highspy.HighsModelStatus.kOptimal
        return MipOutcome(
            columns,
            objective,
            objective if done else None,
            "optimal" if done else "no_solution" if columns is None else "feasible",
            np.array(solution.row_dual, dtype=np.float64) if done else None,
            nodes,
            iterations,
            np.array(solution.col_dual, dtype=np.float64) if done else None,
        )
    bound: float | None = float(info.mip_dual_bound)
    if bound is not None and not math.isfinite(bound):
        bound = None
    if columns is None:
        return MipOutcome(None, None, bound, "no_solution", nodes=nodes, iterations=iterations)
    optimal = status == highspy.HighsModelStatus.kOptimal
    if optimal and objective is not None:
        # proven optimal (within the gap tolerances): presolve can solve a model without
        # setting the dual bound, or report it without the objective offset (measured)
        bound = objective
    return MipOutcome(
        columns,
        objective,
        bound,
        "optimal" if optimal else "feasible",
        nodes=nodes,
        iterations=iterations,
    )
