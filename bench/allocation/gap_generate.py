"""Seeded generator of large GAP instances of the published families C, D (Chu & Beasley 1997)
and E (Laguna et al. 1995 / Yagiura, Ibaraki & Glover 2004), in the OR-Library format that
`hafennetz allocate --gap-instance FILE` reads (bench/allocation/README.md, "Generated GAP").

Rules (m agents i, n jobs j, resource use r_ij, cost c_ij, capacity b_i; all integers;
minimise cost, every job to exactly one agent):

* C: r_ij ~ U{5..25}, c_ij ~ U{10..50}, b_i = floor(0.8 * sum_j r_ij / m)
* D: r_ij ~ U{1..100}, c_ij = 111 - r_ij + e_ij with e_ij ~ U{-10..10},
  b_i = floor(0.8 * sum_j r_ij / m)
* E: r_ij = floor(1 - 10 ln u_ij) with u_ij ~ U(0,1], c_ij = floor(1000 / r_ij - 10 v_ij) with
  v_ij ~ U[0,1), b_i = max(floor(0.8 * sum_j r_ij / m), max_j r_ij)

The rounding was checked against the shared instances in gap/ (c10200, d05100, d10200: b_i is
the floor of 0.8 sum/m, d's c - (111 - r) spans exactly -10..10; e10200, e20100: 1000/r - c lies
in [0, 11), b_i = max(floor(0.8 sum/m), max_j r_ij)). The instances are generated, not the
published ones of the same size: no best-known value exists for them.

    .venv/bin/python bench/allocation/gap_generate.py --out bench/allocation/data/generated
"""

from __future__ import annotations

import argparse
import hashlib
import zlib
from pathlib import Path

import numpy as np

#: (type, agents, jobs) written by default: the three families at three sizes each, the
#: job/agent ratio 20 of the hardest published groups (Yagiura's c/d/e 20400 … 801600).
DEFAULT_SET: tuple[tuple[str, int, int], ...] = tuple(
    (t, m, n) for t in "cde" for m, n in ((20, 400), (40, 800), (80, 1600))
)


def seed_for(kind: str, m: int, n: int, index: int) -> int:
    """A seed that depends only on the instance's name (stable across runs and machines)."""
    return zlib.crc32(f"hafennetz-gap-{kind}-{m}-{n}-{index}".encode())


def generate(kind: str, m: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cost (m, n), resource use (m, n) and capacity (m,) as int64 arrays."""
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
        u = 1.0 - rng.random(size=(m, n))  # (0, 1]
        use = np.floor(1.0 - 10.0 * np.log(u))
        cost = np.floor(1000.0 / use - 10.0 * rng.random(size=(m, n)))
        cap = np.maximum(np.floor(0.8 * use.sum(axis=1) / m), use.max(axis=1))
    else:
        raise ValueError(f"unknown type {kind!r} (c, d or e)")
    return cost.astype(np.int64), use.astype(np.int64), cap.astype(np.int64)


def to_text(cost: np.ndarray, use: np.ndarray, cap: np.ndarray) -> str:
    """OR-Library layout: `m n`, then m cost rows, m resource rows, one capacity row."""
    m, n = cost.shape
    lines = [f"{m} {n}"]
    lines += [" ".join(map(str, row)) for row in cost.tolist()]
    lines += [" ".join(map(str, row)) for row in use.tolist()]
    lines.append(" ".join(map(str, cap.tolist())))
    return "\n".join(lines) + "\n"


def name_for(kind: str, m: int, n: int, index: int) -> str:
    # "g" for generated: never confused with the published c20400 etc. of the same size
    return f"g{kind}{m:02d}{n}" + (f"-{index}" if index else "")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="directory")
    p.add_argument(
        "--instance",
        action="append",
        default=[],
        metavar="TYPE:MxN",
        help="e.g. d:20x400 (repeatable); default: C, D, E at 20x400, 40x800, 80x1600",
    )
    p.add_argument("--index", type=int, default=0, help="instance number within its group")
    args = p.parse_args()
    todo = list(DEFAULT_SET)
    if args.instance:
        todo = []
        for spec in args.instance:
            kind, size = spec.split(":")
            m, n = (int(v) for v in size.lower().split("x"))
            todo.append((kind.lower(), m, n))
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = args.out / "MANIFEST.csv"
    rows = {}
    if manifest.exists():
        for line in manifest.read_text(encoding="utf-8").splitlines()[1:]:
            rows[line.split(",")[0]] = line
    for kind, m, n in todo:
        seed = seed_for(kind, m, n, args.index)
        text = to_text(*generate(kind, m, n, seed))
        name = name_for(kind, m, n, args.index)
        (args.out / name).write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode()).hexdigest()
        rows[name] = f"{name},{kind},{m},{n},{args.index},{seed},{digest}"
        print(
            f"{name}: type {kind.upper()}, {m} agents x {n} jobs, seed {seed}, sha256 {digest[:12]}"
        )
    header = "file,type,agents,jobs,index,seed,sha256"
    manifest.write_text("\n".join([header, *sorted(rows.values())]) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
