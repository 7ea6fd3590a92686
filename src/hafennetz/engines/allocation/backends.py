"""MIP backends for a `MipModel`: HiGHS (default, chosen by measurement: ADR 0020) and CP-SAT."""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass

import highspy
import numpy as np
from ortools.sat.python import cp_model

from .core import FloatArray
from .mip_model import MipModel


@dataclass
class MipOutcome:
    columns: FloatArray | None  # column values (None: no solution found)
    objective: float | None  # incl. offset
    bound: float | None  # proven upper bound incl. offset
    status: str  # "optimal", "feasible", "infeasible", "no_solution"
    row_dual: FloatArray | None = None  # LP only


_BANNER_SHOWN = False


def new_highs() -> highspy.Highs:
    """A silent Highs object; the one-time banner goes to stderr, not into the CLI summary."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            os.dup2(2, 1)
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    return h


_SCHEDULER_THREADS: int | None = None


def set_threads(h: highspy.Highs, threads: int) -> None:
    """HiGHS keeps one thread scheduler per process: a run asking for another thread count
    than the first fails at once (status kError, no solution). Reset it when the count changes
    (runs are sequential here, so no run is using it)."""
    global _SCHEDULER_THREADS
    threads = max(int(threads), 1)
    if _SCHEDULER_THREADS is not None and threads != _SCHEDULER_THREADS:
        highspy.Highs.resetThreadScheduler(True)
    _SCHEDULER_THREADS = threads
    h.setOptionValue("threads", threads)


def interrupt_after(h: highspy.Highs, seconds: float) -> None:
    """Stop a HiGHS MIP (and its LPs) at a wall-clock deadline. HiGHS' own time_limit was
    measured to be overshot by minutes on a loaded machine (root LP, sub-MIPs); the interrupt
    callbacks are checked often enough to hold the deadline."""
    deadline = time.monotonic() + max(seconds, 0.01)

    def stop(event: highspy.HighsCallbackEvent) -> None:
        event.interrupt(time.monotonic() > deadline)  # both ways: the flag is sticky

    h.cbMipInterrupt.subscribe(stop)
    h.cbSimplexInterrupt.subscribe(stop)  # the root LP of a MIP can be long, too
    h.cbIpmInterrupt.subscribe(stop)


def solve_highs(
    model: MipModel,
    *,
    time_limit: float,
    threads: int = 2,
    seed: int = 0,
    relax: bool = False,
    start: FloatArray | None = None,
    rel_gap: float = 1e-6,
    abs_gap: float = 1e-6,
) -> MipOutcome:
    h = new_highs()
    h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    h.setOptionValue("random_seed", int(seed) % 2_000_000_000)
    h.setOptionValue("mip_rel_gap", rel_gap)
    h.setOptionValue("mip_abs_gap", abs_gap)
    set_threads(h, threads)
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
    if not relax:
        interrupt_after(h, time_limit)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    if status == highspy.HighsModelStatus.kInfeasible:
        return MipOutcome(None, None, None, "infeasible")
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
        )
    bound = float(info.mip_dual_bound)
    if not math.isfinite(bound):
        bound = None  # type: ignore[assignment]
    if columns is None:
        return MipOutcome(None, None, bound, "no_solution")
    optimal = status == highspy.HighsModelStatus.kOptimal
    if optimal and objective is not None and (bound is None or bound < objective):
        bound = objective  # presolve can solve a model without setting the dual bound
    return MipOutcome(columns, objective, bound, "optimal" if optimal else "feasible")


def solve_cpsat(
    model: MipModel,
    *,
    time_limit: float,
    threads: int = 2,
    seed: int = 0,
    start: FloatArray | None = None,
    scale: float = 1000.0,
) -> MipOutcome:
    """CP-SAT needs integer coefficients: objective scaled by `scale` (1 if already integral)."""
    integral = bool(np.all(model.cost == np.round(model.cost)))
    s = 1.0 if integral else scale
    m = cp_model.CpModel()
    big = 10**9
    vars_: list[cp_model.IntVar] = []
    for j in range(model.n_cols):
        lo = model.col_lower[j]
        hi = model.col_upper[j]
        hi_i = big if math.isinf(hi) else math.floor(hi + 1e-9)
        vars_.append(m.new_int_var(math.ceil(lo - 1e-9), hi_i, f"c{j}"))
    for r in range(model.n_rows):
        a, b = int(model.start[r]), int(model.start[r + 1])
        coefs = model.value[a:b]
        mult = 1.0
        if not np.all(coefs == np.round(coefs)):
            mult = scale
        expr = sum(
            round(c * mult) * vars_[int(i)]
            for c, i in zip(coefs.tolist(), model.index[a:b].tolist(), strict=True)
        )
        lo, hi = model.row_lower[r], model.row_upper[r]
        if lo == hi:
            m.add(expr == round(lo * mult))
        else:
            if not math.isinf(hi):
                m.add(expr <= math.floor(hi * mult + 1e-9))
            if not math.isinf(lo):
                m.add(expr >= math.ceil(lo * mult - 1e-9))
    m.maximize(sum(round(c * s) * vars_[j] for j, c in enumerate(model.cost.tolist()) if c != 0))
    if start is not None:
        for j, v in enumerate(start.tolist()):
            m.add_hint(vars_[j], round(v))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(max(time_limit, 0.01))
    solver.parameters.num_workers = int(threads)
    solver.parameters.random_seed = int(seed) % 2_000_000_000
    code = solver.solve(m)
    if code == cp_model.INFEASIBLE:
        return MipOutcome(None, None, None, "infeasible")
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return MipOutcome(None, None, None, "no_solution")
    columns = np.array([solver.value(v) for v in vars_], dtype=np.float64)
    objective = float(np.dot(model.cost, columns)) + model.offset
    bound = solver.best_objective_bound / s + model.offset
    if not integral:
        bound += 1e-6 * abs(bound) + model.n_cols * 0.5 / s  # rounding of scaled coefficients
    return MipOutcome(
        columns, objective, bound, "optimal" if code == cp_model.OPTIMAL else "feasible"
    )
