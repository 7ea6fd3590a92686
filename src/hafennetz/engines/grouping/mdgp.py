"""The maximally diverse grouping problem (MDGP) on its own: MDGPLIB instances, same core.

MDGPLIB format (Gallego, Laguna, Martí, Duarte 2013): line 1 `M G type a_1 b_1 … a_G b_G`,
then one line `i j d_ij` per pair (0-based, i < j). Maximise the sum of d_ij over pairs that
share a group, group g having between a_g and b_g elements.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from .construct import initial_assignment
from .search import RoundSpec, SearchModel, search


@dataclass(frozen=True, slots=True)
class MdgpInstance:
    name: str
    n: int
    lo: tuple[int, ...]
    hi: tuple[int, ...]
    d: tuple[tuple[float, ...], ...]  # symmetric, zero diagonal


@dataclass(frozen=True, slots=True)
class MdgpSolution:
    groups: tuple[int, ...]  # element -> group
    value: float
    iterations: int
    seconds: float


def parse_mdgp(text: str, name: str = "") -> MdgpInstance:
    lines = text.split("\n")
    head = lines[0].split()
    n, k = int(head[0]), int(head[1])
    bounds = [int(v) for v in head[3 : 3 + 2 * k]]
    d = [[0.0] * n for _ in range(n)]
    for line in lines[1:]:
        parts = line.split()
        if len(parts) == 3:
            i, j, v = int(parts[0]), int(parts[1]), float(parts[2])
            d[i][j] = d[j][i] = v
    return MdgpInstance(
        name=name,
        n=n,
        lo=tuple(bounds[0::2]),
        hi=tuple(bounds[1::2]),
        d=tuple(tuple(row) for row in d),
    )


def read_mdgp(path: Path) -> MdgpInstance:
    return parse_mdgp(path.read_text(encoding="utf-8"), path.name)


def value(instance: MdgpInstance, groups: tuple[int, ...] | list[int]) -> float:
    return sum(
        instance.d[i][j] for i, j in combinations(range(instance.n), 2) if groups[i] == groups[j]
    )


def to_model(instance: MdgpInstance) -> SearchModel:
    k = len(instance.lo)
    spec = RoundSpec(
        elements=list(range(instance.n)),
        num_groups=k,
        lo=list(instance.lo),
        hi=list(instance.hi),
        matrix_of_group=[0] * k,
    )
    return SearchModel(n=instance.n, matrices=[[list(row) for row in instance.d]], rounds=[spec])


def solve_mdgp(
    instance: MdgpInstance,
    seed: int = 0,
    time_limit: float = 10.0,
    max_iterations: int | None = None,
    patience: int = 3,
) -> MdgpSolution:
    """The planner's search on one MDGP round (the same code path as `plan`)."""
    model = to_model(instance)
    initial = initial_assignment(model, seed=seed)
    result = search(
        model,
        initial,
        seed=seed,
        time_limit=time_limit,
        max_iterations=max_iterations,
        patience=patience,
    )
    groups = tuple(result.assignment[0])
    return MdgpSolution(groups, value(instance, groups), result.iterations, result.seconds)
