"""OR-Library GAP instances (Beasley; Chu & Beasley 1997; Yagiura et al. 2004) as core problems.

Format (whitespace separated): `m n`, cost c[i][j] (m rows of n), resource use a[i][j]
(m rows of n), capacity b[i] (m values). Each job goes to exactly one agent; minimise cost.
The core solver maximises, so values are -cost and `must_place` is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .core import CoreProblem
from .errors import InputError


@dataclass(frozen=True)
class GapInstance:
    name: str
    cost: np.ndarray  # (m, n)
    use: np.ndarray  # (m, n)
    capacity: np.ndarray  # (m,)

    @property
    def agents(self) -> int:
        return int(self.cost.shape[0])

    @property
    def jobs(self) -> int:
        return int(self.cost.shape[1])


def read_gap(path: str | Path) -> GapInstance:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), None, None, f"cannot read file: {exc}") from exc
    tokens = text.split()
    try:
        numbers = [int(t) for t in tokens]
    except ValueError as exc:
        bad = next(t for t in tokens if not t.lstrip("-").isdigit())
        line = next(i for i, ln in enumerate(text.splitlines(), 1) if bad in ln.split())
        raise InputError(str(path), line, None, f"not an integer: {bad!r}") from exc
    if len(numbers) < 2:
        raise InputError(str(path), 1, "m n", "expected the numbers of agents and jobs")
    m, n = numbers[0], numbers[1]
    expected = 2 + 2 * m * n + m
    if m <= 0 or n <= 0 or len(numbers) != expected:
        raise InputError(
            str(path),
            None,
            None,
            f"expected {expected} numbers for m={m}, n={n}, found {len(numbers)}",
        )
    arr = np.array(numbers[2:], dtype=np.float64)
    cost = arr[: m * n].reshape(m, n)
    use = arr[m * n : 2 * m * n].reshape(m, n)
    capacity = arr[2 * m * n :]
    if np.any(capacity < 0) or np.any(use < 0):
        raise InputError(str(path), None, "capacity", "negative capacity or resource use")
    return GapInstance(path.name, cost, use, capacity)


def gap_to_core(gap: GapInstance) -> CoreProblem:
    m, n = gap.agents, gap.jobs
    return CoreProblem(
        capacity=gap.capacity.reshape(m, 1).copy(),
        rows=-gap.cost.T.copy(),
        use=gap.use.T.reshape(n, m, 1).copy(),
        item_row=np.arange(n, dtype=np.int64),
        item_count=np.ones(n, dtype=np.int64),
        item_persons=np.ones(n),
        item_penalty=np.zeros(n),
        item_const=np.zeros(n),
        item_bonus=[{} for _ in range(n)],
        must_place=True,
    )
