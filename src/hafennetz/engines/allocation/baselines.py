"""Status-quo baselines on households directly: `quota` and `random`.

Both keep linked households together and never exceed pledged capacities, but ignore need
flags and scores — as distribution by quota and chance does today.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .compile import blocks_of, resource_list
from .keys import target_shares
from .model import DistributionKey, Instance


def _setup(instance: Instance) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
    resources = resource_list(instance)
    blocks = blocks_of(instance)
    needs = np.zeros((len(blocks), len(resources)))
    for b, block in enumerate(blocks):
        for i in block:
            for r, v in instance.households[i].resource_needs().items():
                needs[b, resources.index(r)] += v
    free = np.array(
        [[float(m.capacity(r)) for r in resources] for m in instance.municipalities]
    ).reshape(len(instance.municipalities), len(resources))
    return blocks, needs, free


def quota(instance: Instance, *, seed: int = 0) -> dict[str, str | None]:
    """Arrival order (seeded), each block to the municipality furthest below its key target."""
    key = instance.key if instance.key is not DistributionKey.NONE else DistributionKey.POPULATION
    shares = target_shares(replace(instance, key=key)) or {}
    blocks, needs, free = _setup(instance)
    total = sum(h.size for h in instance.households)
    munis = instance.municipalities
    target = np.array([shares.get(m.ags, 0.0) * total for m in munis])
    got = np.zeros(len(munis))
    assignment: dict[str, str | None] = {h.case_id: None for h in instance.households}
    rng = np.random.default_rng(seed)
    for b in rng.permutation(len(blocks)).tolist():
        ok = np.all(free >= needs[b], axis=1)
        if not ok.any():
            continue
        i = int(np.argmax(np.where(ok, target - got, -np.inf)))
        free[i] -= needs[b]
        got[i] += sum(instance.households[h].size for h in blocks[b])
        for h in blocks[b]:
            assignment[instance.households[h].case_id] = munis[i].ags
    return assignment


def random_assignment(instance: Instance, *, seed: int = 0) -> dict[str, str | None]:
    """Arrival order (seeded), each block to a uniformly random municipality where it fits."""
    blocks, needs, free = _setup(instance)
    munis = instance.municipalities
    assignment: dict[str, str | None] = {h.case_id: None for h in instance.households}
    rng = np.random.default_rng(seed)
    for b in rng.permutation(len(blocks)).tolist():
        ok = np.flatnonzero(np.all(free >= needs[b], axis=1))
        if ok.shape[0] == 0:
            continue
        i = int(ok[int(rng.integers(ok.shape[0]))])
        free[i] -= needs[b]
        for h in blocks[b]:
            assignment[instance.households[h].case_id] = munis[i].ags
    return assignment
