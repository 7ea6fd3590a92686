"""Compile an `Instance` into a `CoreProblem`.

* Households linked with `same_municipality` form one block (union-find); blocks never split.
* Single households without preferences, outcomes or district links are aggregated by type
  (needs, hard flags, soft flags): one item with a multiplicity (see docs/allocation/methods.md).
* Values are the score of `scoring.household_parts`, computed vectorised per type.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .core import CoreProblem, IntArray
from .keys import target_shares
from .model import RESOURCES, Household, Instance, LinkKind
from .scoring import aggregate_outcome, district_link_pairs


@dataclass
class Compiled:
    problem: CoreProblem
    resources: tuple[str, ...]
    agents: tuple[str, ...]  # AGS per agent index
    items: list[list[list[int]]]  # item -> blocks -> household indices
    block_of: dict[str, int]  # case_id -> item
    households: tuple[Household, ...]


def blocks_of(instance: Instance) -> list[list[int]]:
    """Groups of household indices tied by required links (unknown partners are ignored)."""
    index = {h.case_id: i for i, h in enumerate(instance.households)}
    parent = list(range(len(instance.households)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(instance.households):
        for link in h.links:
            j = index.get(link.other)
            if link.kind is LinkKind.SAME_MUNICIPALITY and j is not None:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(parent)):
        groups[find(i)].append(i)
    return [groups[k] for k in sorted(groups)]


def resource_list(instance: Instance) -> tuple[str, ...]:
    extra: set[str] = set()
    for m in instance.municipalities:
        extra.update(m.capacities)
    for h in instance.households:
        extra.update(h.needs)
    return tuple(RESOURCES) + tuple(sorted(extra - set(RESOURCES)))


def compile_instance(instance: Instance, tick: Callable[[], object] | None = None) -> Compiled:
    """`tick()` is called every 256 blocks (progress and cancellation polls)."""
    hh = instance.households
    munis = instance.municipalities
    w = instance.weights
    resources = resource_list(instance)
    res_index = {r: k for k, r in enumerate(resources)}
    m = len(munis)
    capacity = np.array(
        [[float(mu.capacity(r)) for r in resources] for mu in munis], dtype=np.float64
    ).reshape(m, len(resources))
    agents = tuple(mu.ags for mu in munis)
    agent_index = {a: i for i, a in enumerate(agents)}
    flags_all = sorted({f for h in hh for f in h.flags})
    offers = np.array([[f in mu.offers for f in flags_all] for mu in munis], dtype=bool).reshape(
        m, len(flags_all)
    )
    flag_index = {f: k for k, f in enumerate(flags_all)}
    hard = instance.hard_flags

    pair_list = district_link_pairs(hh)
    in_pairs = {c for p in pair_list for c in p}
    blocks = blocks_of(instance)

    rows: list[np.ndarray] = []
    uses: list[np.ndarray] = []
    row_key: dict[tuple[tuple[int, ...], frozenset[str]], int] = {}

    def row_for(needs: tuple[int, ...], flags: frozenset[str]) -> int:
        key = (needs, flags)
        if key in row_key:
            return row_key[key]
        soft = [flag_index[f] for f in flags - hard]
        hard_idx = [flag_index[f] for f in flags & hard]
        value = w.need_fit * offers[:, soft].sum(axis=1).astype(np.float64)
        ok = offers[:, hard_idx].all(axis=1) if hard_idx else np.ones(m, dtype=bool)
        row = np.where(ok, value, -np.inf)
        row_key[key] = len(rows)
        rows.append(row)
        uses.append(np.array(needs, dtype=np.float64))
        return row_key[key]

    def needs_vector(members: list[int]) -> tuple[int, ...]:
        vec = [0] * len(resources)
        for i in members:
            for r, amount in hh[i].resource_needs().items():
                vec[res_index[r]] += amount
        return tuple(vec)

    item_row: list[int] = []
    item_count: list[int] = []
    item_persons: list[float] = []
    item_const: list[float] = []
    item_bonus: list[dict[int, float]] = []
    items: list[list[list[int]]] = []
    aggregated: dict[tuple[int, float], int] = {}  # (row, persons) -> item
    for n_done, block in enumerate(blocks):
        if tick is not None and n_done % 256 == 0:
            tick()
        needs = needs_vector(block)
        members = [hh[i] for i in block]
        persons = float(sum(h.size for h in members))
        if len(block) == 1:
            flags = members[0].flags
        else:
            # a block goes where every member's hard need is offered; soft flags are scored
            # per member via the bonus below
            flags = frozenset().union(*(h.flags & hard for h in members))
        simple = (
            len(block) == 1
            and not members[0].preferences
            and not members[0].outcomes
            and members[0].case_id not in in_pairs
        )
        t = row_for(needs, flags)
        if simple and (t, persons) in aggregated:
            j = aggregated[(t, persons)]
            item_count[j] += 1
            items[j].append(block)
            continue
        j = len(item_row)
        if simple:
            aggregated[(t, persons)] = j
        item_row.append(t)
        item_count.append(1)
        item_persons.append(persons)
        item_const.append(0.0)
        bonus: dict[int, float] = defaultdict(float)
        if len(block) > 1:
            for h in members:
                soft = [flag_index[f] for f in h.flags - hard]
                if soft:
                    extra = w.need_fit * offers[:, soft].sum(axis=1)
                    for a in np.flatnonzero(extra).tolist():
                        bonus[a] += float(extra[a])
        for h in members:
            for rank, ags in enumerate(h.preferences, start=1):
                pa = agent_index.get(ags)
                if pa is not None:
                    bonus[pa] += w.preference / rank
            for ags, probs in h.outcomes.items():
                oa = agent_index.get(ags)
                if oa is not None and probs:
                    bonus[oa] += w.outcome * aggregate_outcome(probs, w.outcome_aggregation)
        item_bonus.append({a: v for a, v in bonus.items() if v != 0.0})
        items.append([block])

    block_of: dict[str, int] = {}
    for j, its in enumerate(items):
        for block in its:
            for i in block:
                block_of[hh[i].case_id] = j

    # district-link pairs: inside one block they always hold (constant); else z variables
    groups = sorted({mu.district_key for mu in munis})
    group_index = {g: k for k, g in enumerate(groups)}
    agent_group: IntArray = np.array([group_index[mu.district_key] for mu in munis], dtype=np.int64)
    pairs: list[tuple[int, int, float]] = []
    for ca, cb in pair_list:
        ja, jb = block_of[ca], block_of[cb]
        if ja == jb:
            item_const[ja] += w.same_district_link
        else:
            pairs.append((min(ja, jb), max(ja, jb), w.same_district_link))

    shares = target_shares(instance)
    share_arr = None if shares is None else np.array([shares[a] for a in agents])
    n_res = len(resources)
    problem = CoreProblem(
        capacity=capacity,
        rows=np.array(rows, dtype=np.float64).reshape(len(rows), m),
        use=np.array(uses, dtype=np.float64).reshape(len(uses), 1, n_res),
        item_row=np.array(item_row, dtype=np.int64),
        item_count=np.array(item_count, dtype=np.int64),
        item_persons=np.array(item_persons, dtype=np.float64),
        item_penalty=w.unplaced_per_person * np.array(item_persons, dtype=np.float64),
        item_const=np.array(item_const, dtype=np.float64),
        item_bonus=item_bonus,
        share=share_arr,
        key_weight=w.key_deviation_per_person if share_arr is not None else 0.0,
        pairs=pairs,
        agent_group=agent_group,
    )
    return Compiled(problem, resources, agents, items, block_of, hh)
