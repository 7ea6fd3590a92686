"""Comparison policies of dynamic mode (moved out of the product code by issue 12).

* `Potentials(alpha)` (after Ahani et al., Operations Research 2024): the LP relaxation of
  (batch + fluid forecast) on the remaining capacities; its capacity duals, scaled by `alpha`,
  are the value of a place kept for later. The batch is then solved exactly with each arc's
  value reduced by the priced places it uses.
* `Myopic()`: each batch optimal with no look-ahead.

Both plug into `allocate_dynamic(..., policy=...)` as a `BatchPolicy`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hafennetz.engines.allocation.backends import solve_highs
from hafennetz.engines.allocation.control import Budget, Control, Status
from hafennetz.engines.allocation.core import CoreProblem, CoreSolution, all_arcs
from hafennetz.engines.allocation.dynamic import LookAhead
from hafennetz.engines.allocation.optimal import solve_optimal


@dataclass(frozen=True)
class Potentials:
    alpha: float = 1.0
    name: str = "potentials"

    def __call__(
        self, look: LookAhead | None, problem: CoreProblem, budget: Budget, seed: int
    ) -> tuple[CoreSolution | None, bool, str]:
        if look is None:
            return None, False, "no forecast left: myopic"
        lp_model = look.model(all_arcs(look.stacked), integer=False)
        out = solve_highs(lp_model, control=Control(budget), relax=True, seed=seed)
        if out.row_dual is None:
            return None, False, "LP not solved"
        price = np.zeros_like(problem.capacity)
        for (a, r), row in lp_model.cap_row.items():
            price[a, r] = max(0.0, float(out.row_dual[row]))
        use = problem.use[:, 0, :]  # (T, R)
        priced = replace(problem, rows=problem.rows - self.alpha * (use @ price.T))
        res = solve_optimal(priced, control=Control(budget), seed=seed)
        return res.solution, res.status is Status.OPTIMAL, ""


@dataclass(frozen=True)
class Myopic:
    name: str = "myopic"

    def __call__(
        self, look: LookAhead | None, problem: CoreProblem, budget: Budget, seed: int
    ) -> tuple[CoreSolution | None, bool, str]:
        # None: allocate_dynamic places the batch optimally on its own (no look-ahead)
        return None, False, ""


def policy_named(name: str, alpha: float = 1.0) -> str | Potentials | Myopic:
    if name == "potentials":
        return Potentials(alpha)
    if name == "myopic":
        return Myopic()
    return name


ALL_POLICIES = ("reoptimize", "potentials", "myopic")
