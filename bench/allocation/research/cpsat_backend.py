"""CP-SAT backend for a `MipModel`, kept for comparisons only (ADR 0020 chose HiGHS; issue 12
moved this out of the product code, since no user reaches it).

    from research.cpsat_backend import solve_cpsat   # with bench/allocation on sys.path
"""

from __future__ import annotations

import math

import numpy as np
from ortools.sat.python import cp_model

from hafennetz.engines.allocation.backends import MipOutcome
from hafennetz.engines.allocation.core import FloatArray
from hafennetz.engines.allocation.mip_model import MipModel


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
