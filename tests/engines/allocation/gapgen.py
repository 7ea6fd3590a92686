"""Seeded generator of GAP instances by the published rules (Chu & Beasley 1997 types C and D,
Yagiura et al. 2004 type E), for tests; bench/allocation/gap_generate.py writes files by the
same rules."""

from __future__ import annotations

import numpy as np

from hafennetz.engines.allocation.gap_io import GapInstance


def generate(kind: str, m: int, n: int, seed: int) -> GapInstance:
    rng = np.random.Generator(np.random.PCG64(seed))
    if kind == "c":
        use = rng.integers(5, 26, size=(m, n))
        cost = rng.integers(10, 51, size=(m, n))
        cap = np.floor(0.8 * use.sum(axis=1) / m)
    elif kind == "d":
        use = rng.integers(1, 101, size=(m, n))
        cost = 111 - use + rng.integers(-10, 11, size=(m, n))
        cap = np.floor(0.8 * use.sum(axis=1) / m)
    elif kind == "e":
        u = 1.0 - rng.random(size=(m, n))
        use = np.floor(1.0 - 10.0 * np.log(u))
        cost = np.floor(1000.0 / use - 10.0 * rng.random(size=(m, n)))
        cap = np.maximum(np.floor(0.8 * use.sum(axis=1) / m), use.max(axis=1))
    else:
        raise ValueError(kind)
    return GapInstance(
        f"g{kind}{m}x{n}",
        cost.astype(np.float64),
        use.astype(np.float64),
        cap.astype(np.float64),
    )


def to_text(gap: GapInstance) -> str:
    lines = [f"{gap.agents} {gap.jobs}"]
    lines += [" ".join(str(int(v)) for v in row) for row in gap.cost.tolist()]
    lines += [" ".join(str(int(v)) for v in row) for row in gap.use.tolist()]
    lines.append(" ".join(str(int(v)) for v in gap.capacity.tolist()))
    return "\n".join(lines) + "\n"
