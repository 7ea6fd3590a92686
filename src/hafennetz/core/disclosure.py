"""Statistical disclosure control for every aggregate the platform publishes (ADR 0040).

A published figure is a two-way table, rows x columns (the Lagebild: state x size class), with
all its marginals: the cells (r, c), the row totals (r, ALL), the column totals (ALL, c) and the
grand total (ALL, ALL). Users filter and compare, so over all their requests they see every
cell of that table; the pattern of hidden cells is therefore computed once per table over the
whole data set, and every view shows its cells through that one pattern.

1. Primary suppression. A cell is sensitive when 1 or 2 members contribute to it (a member of a
   cell of two knows the total minus its own value), or when one contributor dominates it
   (p %-rule: the contributions other than the two largest add up to less than p % of the
   largest, so the second-largest could estimate the largest). Checked twice: over all
   contributors (outsiders know none of them) and over the contributors logged-in members do
   not already see (answers a member did not share with the other members).
2. Secondary suppression with an exact audit. For every attacker (an outsider; a logged-in
   member, who sees the shared answers and its own; a member that is the only non-shared
   contributor of its cell; and, optionally, a state coordination that sees every report of
   one row), the cells the attacker already knows are treated as published. A sensitive cell
   (or the unknown part of a cell) is exposed when its indicator vector lies in the span of the
   published cells: then some linear combination of shown numbers (a difference of two cells, a
   total minus its parts, ...) equals it. While an exposure exists, the cheapest published cell
   that every such combination needs (found from one SVD of the published cells) is hidden too.
   The pattern only grows, so this ends; at worst every non-empty cell is hidden.

Values are linear statistics per contributor (sums, counts at some level, sums of figures), so a
pattern that protects the sum of a cell protects every other such statistic of the same cells:
means, counts and shares are shown or hidden together. Empty cells ("no report") are shown.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

ALL = "*"
MIN_CONTRIBUTORS = 3
P_PERCENT = 10.0
_EPS = 1e-8

Key = tuple[Hashable, Hashable]


@dataclass(frozen=True)
class Contributors:
    """Who makes up a cell: how many, their sum, and the two largest contributions."""

    n: int = 0
    total: float = 0.0
    top: tuple[float, ...] = ()

    @classmethod
    def of(cls, values: Iterable[float]) -> Contributors:
        ordered = sorted((float(v) for v in values), reverse=True)
        return cls(n=len(ordered), total=float(sum(ordered)), top=tuple(ordered[:2]))

    @classmethod
    def same(cls, value: float, count: int) -> Contributors:
        """`count` contributors of the same value (e.g. a strain level tally)."""
        return cls(n=count, total=float(value) * count, top=(float(value),) * min(count, 2))

    def __add__(self, other: Contributors) -> Contributors:
        top = tuple(sorted(self.top + other.top, reverse=True)[:2])
        return Contributors(n=self.n + other.n, total=self.total + other.total, top=top)


def is_sensitive(
    cell: Contributors,
    *,
    min_contributors: int = MIN_CONTRIBUTORS,
    p_percent: float = P_PERCENT,
) -> bool:
    """The primary rule: fewer than `min_contributors`, or dominated (p %-rule)."""
    if cell.n == 0:
        return False
    if cell.n < min_contributors:
        return True
    largest = cell.top[0] if cell.top else 0.0
    second = cell.top[1] if len(cell.top) > 1 else 0.0
    return largest > 0 and cell.total - largest - second < p_percent / 100 * largest


@dataclass(frozen=True)
class Contribution:
    """The input per inner cell: all contributors, and those logged-in members do not see
    individually (not shared)."""

    everyone: Contributors
    private: Contributors

    @classmethod
    def of(cls, values: Iterable[tuple[float, bool]]) -> Contribution:
        """From (value, shared) pairs."""
        pairs = list(values)
        return cls(
            everyone=Contributors.of(v for v, _ in pairs),
            private=Contributors.of(v for v, shared in pairs if not shared),
        )


def table_keys(rows: Sequence[Hashable], cols: Sequence[Hashable]) -> list[Key]:
    """Every cell of the table with marginals: inner cells, row/column totals, grand total."""
    return [(r, c) for r in [*rows, ALL] for c in [*cols, ALL]]


def protect(
    cells: Mapping[Any, Contribution],
    rows: Sequence[Hashable],
    cols: Sequence[Hashable],
    *,
    rows_known_to_insiders: bool = True,
) -> frozenset[Key]:
    """The cells (of `table_keys(rows, cols)`) to hide. `cells` holds the inner cells, keyed by
    (row, column) (missing ones are empty). `rows_known_to_insiders`: someone (a state
    coordination) sees every contribution of a row; the pattern then also holds against that
    knowledge."""
    empty = Contribution(Contributors(), Contributors())
    frozen = tuple(cells.get((r, c), empty) for r in rows for c in cols)
    return _protect(tuple(rows), tuple(cols), frozen, rows_known_to_insiders)


@lru_cache(maxsize=2048)
def _protect(
    rows: tuple[Hashable, ...],
    cols: tuple[Hashable, ...],
    inner: tuple[Contribution, ...],
    rows_known: bool,
) -> frozenset[Key]:
    return _Table(rows, cols, inner, rows_known).pattern()


class _Table:
    def __init__(
        self,
        rows: tuple[Hashable, ...],
        cols: tuple[Hashable, ...],
        inner: tuple[Contribution, ...],
        rows_known: bool,
    ) -> None:
        self.keys = table_keys(rows, cols)
        n_cols = len(cols)
        base = len(inner)
        self.mask = np.zeros((len(self.keys), base), dtype=bool)
        for t, (r, c) in enumerate(self.keys):
            for i, row in enumerate(rows):
                for j, col in enumerate(cols):
                    if r in (ALL, row) and c in (ALL, col):
                        self.mask[t, i * n_cols + j] = True
        self._arrays = {
            private: (
                np.array([(c.private if private else c.everyone).n for c in inner]),
                np.array([(c.private if private else c.everyone).total for c in inner]),
                np.array(
                    [
                        [*(c.private if private else c.everyone).top, -np.inf, -np.inf][:2]
                        for c in inner
                    ]
                ).reshape(len(inner), 2),
            )
            for private in (False, True)
        }
        self.everyone = [self._sum(m, private=False) for m in self.mask]
        self.private = [self._sum(m, private=True) for m in self.mask]
        self.cost = [
            (e.n, k[0] == ALL or k[1] == ALL) for e, k in zip(self.everyone, self.keys, strict=True)
        ]
        empty_base = np.array([c.everyone.n == 0 for c in inner], dtype=bool)
        all_shared = np.array([c.private.n == 0 for c in inner], dtype=bool)
        self.inner = inner
        insider = empty_base | all_shared
        # Two kinds of knowledge: outsiders know only the empty cells; insiders also know the
        # cells of shared answers only. Each attacker adds cells it knows as a whole.
        self.bases = [empty_base, insider]
        extras: list[tuple[int, np.ndarray]] = [(0, np.zeros(base, dtype=bool))]
        extras.append((1, np.zeros(base, dtype=bool)))
        for b, contribution in enumerate(inner):
            if contribution.private.n == 1:  # its only non-shared member knows the whole cell
                extra = np.zeros(base, dtype=bool)
                extra[b] = True
                extras.append((1, extra & ~insider))
        if rows_known:
            for i in range(len(rows)):
                extra = np.zeros(base, dtype=bool)
                extra[i * n_cols : (i + 1) * n_cols] = True
                extras.append((1, extra & ~insider))
        seen: set[tuple[int, bytes]] = set()
        self.attackers: list[tuple[int, np.ndarray, list[np.ndarray]]] = []
        for kind, extra in extras:
            if (kind, extra.tobytes()) in seen:
                continue
            seen.add((kind, extra.tobytes()))
            targets = self._targets(self.bases[kind] | extra, private=kind == 1)
            if targets:
                self.attackers.append((kind, extra, targets))

    def _sum(self, mask: np.ndarray, *, private: bool) -> Contributors:
        n, total, top = self._arrays[private]
        if not mask.any():
            return Contributors()
        largest = np.sort(top[mask].ravel())[::-1][:2]
        return Contributors(
            n=int(n[mask].sum()),
            total=float(total[mask].sum()),
            top=tuple(float(v) for v in largest if v != -np.inf),
        )

    def _targets(self, known: np.ndarray, private: bool) -> list[np.ndarray]:
        """The unknown parts of cells that are sensitive for this attacker (deduplicated)."""
        found: dict[bytes, np.ndarray] = {}
        for mask in self.mask:
            unknown = mask & ~known
            if not unknown.any():
                continue
            stats = self._sum(unknown, private=private)
            if is_sensitive(stats):
                found.setdefault(unknown.tobytes(), unknown)
        return list(found.values())

    def primary(self) -> set[int]:
        return {
            t
            for t in range(len(self.keys))
            if is_sensitive(self.everyone[t]) or is_sensitive(self.private[t])
        }

    def _system(self, known: np.ndarray, hidden: set[int]) -> _Reduced:
        """The published cells restricted to the attacker's unknown inner cells, reduced."""
        unknown_cols = np.flatnonzero(~known)
        published = [
            t for t in range(len(self.keys)) if t not in hidden and self.mask[t][unknown_cols].any()
        ]
        matrix = self.mask[np.ix_(np.array(published, dtype=np.intp), unknown_cols)].astype(float)
        return _Reduced(matrix, published, unknown_cols)

    def exposures(self, hidden: set[int]) -> dict[int, list[np.ndarray]]:
        """Per attacker, the targets that are a linear combination of shown cells (and of the
        cells the attacker knows). One reduction per kind of knowledge: a cell known on top of
        it is a unit row, so a target is derivable iff its null-space component lies in the
        span of those unit rows' null-space components."""
        found: dict[int, list[np.ndarray]] = {}
        systems = [self._system(known, hidden) for known in self.bases]
        for a, (kind, extra, targets) in enumerate(self.attackers):
            system = systems[kind]
            null = system.null
            extra_rows = null[extra[system.cols]]  # (extra cells) x (null dimension)
            gram = extra_rows @ extra_rows.T if extra_rows.size else None
            for target in targets:
                residual = target[system.cols].astype(float) @ null
                if gram is not None and residual.size:
                    z = np.linalg.solve(gram + 1e-12 * np.eye(len(gram)), extra_rows @ residual)
                    residual = residual - z @ extra_rows
                if residual.size == 0 or np.abs(residual).max() < 1e-6:
                    found.setdefault(a, []).append(target)
        return found

    def breakers(self, attacker: int, targets: list[np.ndarray], hidden: set[int]) -> set[int]:
        """Published cells to hide so the targets are no longer derivable: per target the
        cheapest cell every derivation needs (its coefficient is fixed and non-zero), else the
        cheapest cell one derivation uses."""
        kind, extra, _targets = self.attackers[attacker]
        system = self._system(self.bases[kind] | extra, hidden)
        chosen: set[int] = set()
        for target in targets:
            coeffs = system.solve(target[system.cols].astype(float))
            if coeffs is None:
                continue
            used = [i for i, y in enumerate(coeffs) if abs(y) > 1e-6]
            if any(system.published[i] in chosen for i in used):
                continue  # a cell chosen for another target may already break this one
            essential = [i for i in used if system.essential(i)]
            pool = essential or used
            best = min(pool, key=lambda i: (self.cost[system.published[i]], system.published[i]))
            chosen.add(system.published[best])
        return chosen

    def pattern(self) -> frozenset[Key]:
        hidden = self.primary()
        while True:
            exposed = self.exposures(hidden)
            if not exposed:
                break
            added: set[int] = set()
            for attacker, targets in exposed.items():
                added |= self.breakers(attacker, targets, hidden)
            if not added:
                # The two reductions disagreed (rounding): hide the cheapest shown cell that
                # overlaps an exposed target, so the loop still makes progress.
                targets = [t for found in exposed.values() for t in found]
                overlapping = [
                    t
                    for t in range(len(self.keys))
                    if t not in hidden
                    and self.everyone[t].n
                    and any((self.mask[t] & target).any() for target in targets)
                ]
                shown = [t for t in range(len(self.keys)) if t not in hidden and self.everyone[t].n]
                if not shown:
                    break  # nothing is shown any more
                # Fail safe: without an overlapping cell, hide every shown one.
                added = (
                    {min(overlapping, key=lambda t: (self.cost[t], t))}
                    if overlapping
                    else set(shown)
                )
            hidden |= added
        return frozenset(self.keys[t] for t in hidden if self.everyone[t].n)


class _Reduced:
    """Gauss-Jordan reduction of a 0/1 matrix (rows: published cells, columns: unknown inner
    cells), keeping the row operations: which combinations of published cells give each basis
    row, and which combinations vanish (dependencies between published cells). Plain numpy
    element-wise operations: these matrices are at most 85 x 64."""

    def __init__(self, matrix: np.ndarray, published: list[int], cols: np.ndarray) -> None:
        self.published, self.cols = published, cols
        rows, width = matrix.shape
        work = np.hstack([matrix, np.eye(rows)])
        pivots: list[int] = []
        rank = 0
        for j in range(width):
            if rank == rows:
                break
            column = np.abs(work[rank:, j])
            p = int(column.argmax()) + rank
            if column[p - rank] < 1e-9:
                continue
            if p != rank:
                work[[rank, p]] = work[[p, rank]]
            work[rank] /= work[rank, j]
            factors = work[:, j].copy()
            factors[rank] = 0.0
            work -= factors[:, None] * work[rank][None, :]
            pivots.append(j)
            rank += 1
        self.rank, self.pivots = rank, pivots
        self.basis = work[:rank, :width]
        self.combos = work[:rank, width:]
        self.dependencies = work[rank:, width:]
        free = [j for j in range(width) if j not in set(pivots)]
        null = np.zeros((width, len(free)))
        for k, f in enumerate(free):
            null[f, k] = 1.0
            null[pivots, k] = -self.basis[:, f]
        self.null = null

    def solve(self, vector: np.ndarray) -> np.ndarray | None:
        """Coefficients over the published cells that give `vector`, or None if none do."""
        weights = vector[self.pivots]
        if np.abs(vector - weights @ self.basis).max(initial=0.0) > 1e-6:
            return None
        coefficients: np.ndarray = weights @ self.combos
        return coefficients

    def essential(self, row: int) -> bool:
        """Every combination giving a vector uses this row with the same coefficient."""
        return not self.dependencies.size or np.abs(self.dependencies[:, row]).max() < 1e-6


def cells_from(values: Iterable[tuple[Key, float, bool]]) -> dict[Key, Contribution]:
    """Inner cells from (key, value, shared) rows, one row per contributor."""
    grouped: dict[Key, list[tuple[float, bool]]] = {}
    for key, value, shared in values:
        grouped.setdefault(key, []).append((value, shared))
    return {key: Contribution.of(pairs) for key, pairs in grouped.items()}
