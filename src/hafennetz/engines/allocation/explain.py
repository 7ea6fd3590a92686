"""Explanations: per household (why here, runner-up alternatives, why unplaced) and per
municipality (use of each resource). Reasons are structured (code + params) with an English
`message`; the web layer translates by code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping

from .compile import blocks_of, resource_list
from .keys import target_shares
from .model import (
    Alternative,
    Household,
    HouseholdExplanation,
    Instance,
    Municipality,
    MunicipalityExplanation,
    Reason,
    ResourceUse,
)
from .scoring import household_parts

FLAG_TEXT = {
    "barrier_free": "barrier-free housing",
    "dialysis": "dialysis",
    "trauma_therapy": "trauma therapy",
    "language_support": "language support",
    "psychosocial_support": "psychosocial support",
    "job_placement": "job placement",
}


def flag_text(flag: str) -> str:
    return FLAG_TEXT.get(flag, flag.replace("_", " "))


def _join(flags: list[str]) -> str:
    return " and ".join(flag_text(f) for f in flags)


def explain(
    instance: Instance,
    assignment: Mapping[str, str | None],
    *,
    alternatives: int = 3,
    unplaced_note: str | None = None,
    tick: Callable[[], object] | None = None,
) -> tuple[tuple[HouseholdExplanation, ...], tuple[MunicipalityExplanation, ...]]:
    """`tick()` is called every 256 households (progress and cancellation polls)."""
    munis = instance.municipalities
    by_ags = {m.ags: m for m in munis}
    resources = resource_list(instance)
    used: dict[str, dict[str, int]] = {m.ags: defaultdict(int) for m in munis}
    count: dict[str, int] = defaultdict(int)
    persons: dict[str, int] = defaultdict(int)
    for h in instance.households:
        ags = assignment.get(h.case_id)
        if ags is None or ags not in used:
            continue
        count[ags] += 1
        persons[ags] += h.size
        for r, v in h.resource_needs().items():
            used[ags][r] += v
    free = {m.ags: {r: m.capacity(r) - used[m.ags][r] for r in resources} for m in munis}
    hard = instance.hard_flags
    block_members: dict[str, list[Household]] = {}
    for block in blocks_of(instance):
        members = [instance.households[i] for i in block]
        for h in members:
            block_members[h.case_id] = members

    keyed = instance.weights.key_deviation_per_person > 0 and target_shares(instance) is not None
    out: list[HouseholdExplanation] = []
    compatible_cache: dict[tuple[str, ...], list[Municipality]] = {}
    ranked_cache: dict[tuple[tuple[str, ...], frozenset[str]], list[Municipality]] = {}
    weights = instance.weights
    for n_done, h in enumerate(instance.households):
        if tick is not None and n_done % 256 == 0:
            tick()
        ags = assignment.get(h.case_id)
        members = block_members[h.case_id]
        need = _block_need(members)
        need_hard = sorted(frozenset().union(*(g.flags for g in members)) & hard)
        hkey = tuple(need_hard)
        if hkey not in compatible_cache:
            compatible_cache[hkey] = [m for m in munis if set(need_hard) <= m.offers]
        compatible = compatible_cache[hkey]
        if ags is None or ags not in by_ags:
            reasons = _unplaced_reasons(h, members, need, need_hard, compatible, free, keyed)
            if unplaced_note and reasons and reasons[-1].code == "not_chosen":
                reasons = (*reasons[:-1], Reason("method", {"note": unplaced_note}, unplaced_note))
            out.append(HouseholdExplanation(h.case_id, None, (), (), {}, (), reasons))
            continue
        chosen = by_ags[ags]
        parts = household_parts(h, chosen, weights, hard)
        here = sum(parts.values())
        # candidates: best need fit for this flag set, preferences, outcome places
        soft = h.flags - hard
        rkey = (hkey, soft)
        if rkey not in ranked_cache:
            ranked_cache[rkey] = sorted(compatible, key=lambda m: (-len(soft & m.offers), m.ags))[
                : 2 * alternatives + 2
            ]
        pool = {m.ags: m for m in ranked_cache[rkey]}
        extra = list(h.preferences)
        if len(h.outcomes) <= 200:
            extra.extend(h.outcomes)
        else:
            extra.extend(sorted(h.outcomes, key=lambda a: -sum(h.outcomes[a]))[:20])
        for a in extra:
            m = by_ags.get(a)
            if m is not None and set(need_hard) <= m.offers:
                pool[a] = m
        alts: list[tuple[float, Municipality]] = []
        for m in pool.values():
            if m.ags != ags:
                alts.append((sum(household_parts(h, m, weights, hard).values()), m))
        alts.sort(key=lambda t: (-t[0], t[1].ags))
        alt_out = []
        for value, m in alts[:alternatives]:
            short = [r for r in resources if need.get(r, 0) > free[m.ags][r]]
            if short:
                note = Reason(
                    "capacity_taken",
                    {"ags": m.ags, "resource": short[0]},
                    f"{m.ags} has too few free {short[0]} places left",
                )
            elif value > here + 1e-9:
                note = Reason(
                    "overall_better",
                    {"ags": m.ags, "difference": round(value - here, 6)},
                    f"{m.ags} would score {value - here:.2f} more for this household, "
                    "but the overall allocation (other households, distribution key) is better",
                )
            else:
                note = Reason(
                    "lower_score",
                    {"ags": m.ags, "difference": round(here - value, 6)},
                    f"{m.ags} scores {here - value:.2f} less",
                )
            alt_out.append(Alternative(m.ags, value, note))
        met = tuple(sorted(h.flags & chosen.offers))
        unmet = tuple(sorted(h.flags - chosen.offers))
        why = [
            Reason(
                "needs_met",
                {"flags": ",".join(met), "ags": ags},
                f"{ags} offers {_join(list(met))}" if met else f"{ags} has free places",
            )
        ]
        for f in sorted(set(unmet) & hard):
            why.append(
                Reason(
                    "hard_need_unmet",
                    {"flag": f, "ags": ags},
                    f"{ags} does not offer {flag_text(f)} (status-quo method ignores needs)",
                )
            )
        out.append(
            HouseholdExplanation(h.case_id, ags, met, unmet, parts, tuple(alt_out), tuple(why))
        )

    shares = target_shares(instance)
    total = sum(persons.values())
    mexp = tuple(
        MunicipalityExplanation(
            m.ags,
            count[m.ags],
            persons[m.ags],
            None if shares is None else shares[m.ags] * total,
            tuple(ResourceUse(r, used[m.ags][r], m.capacity(r)) for r in resources),
        )
        for m in munis
    )
    return tuple(out), mexp


def _block_need(members: list[Household]) -> dict[str, int]:
    need: dict[str, int] = defaultdict(int)
    for g in members:
        for r, v in g.resource_needs().items():
            need[r] += v
    return dict(need)


def _unplaced_reasons(
    h: Household,
    members: list[Household],
    need: dict[str, int],
    need_hard: list[str],
    compatible: list[Municipality],
    free: dict[str, dict[str, int]],
    keyed: bool,
) -> tuple[Reason, ...]:
    reasons: list[Reason] = []
    if len(members) > 1:
        others = ",".join(sorted(g.case_id for g in members if g.case_id != h.case_id))
        reasons.append(
            Reason(
                "linked_households",
                {"with": others},
                f"must be placed together with {others}; their needs count jointly",
            )
        )
    if need_hard and not compatible:
        reasons.append(
            Reason(
                "no_offer",
                {"flags": ",".join(need_hard)},
                f"no municipality offers {_join(need_hard)}",
            )
        )
        return tuple(reasons)
    what = f" that offers {_join(need_hard)}" if need_hard else ""
    for r, v in sorted(need.items()):
        if v > 0 and all(m.capacity(r) < v for m in compatible):
            reasons.append(
                Reason(
                    "exceeds_every_capacity",
                    {"resource": r, "need": v, "flags": ",".join(need_hard)},
                    f"needs {v} {r} places, more than any municipality{what} pledged",
                )
            )
            return tuple(reasons)
    fitting = [m for m in compatible if all(free[m.ags].get(r, 0) >= v for r, v in need.items())]
    if not fitting:
        # name the resource that blocks most often
        short: dict[str, int] = defaultdict(int)
        for m in compatible:
            for r, v in need.items():
                if v > free[m.ags].get(r, 0):
                    short[r] += 1
        res = max(sorted(short), key=lambda r: short[r]) if short else "housing"
        reasons.append(
            Reason(
                "no_free_capacity",
                {"resource": res, "flags": ",".join(need_hard)},
                f"no municipality with free {res} capacity{what} left"
                if need_hard
                else f"no municipality has enough free {res} places left",
            )
        )
        if need_hard:
            reasons[-1] = Reason(
                "no_free_capacity",
                {"resource": res, "flags": ",".join(need_hard)},
                f"no municipality with free capacity offers {_join(need_hard)} "
                f"(short of {res} places)",
            )
        return tuple(reasons)
    why = (
        "would lower the total score (distribution key) or the search ended first"
        if keyed
        else "the search ended (time limit) before placing it"
    )
    reasons.append(
        Reason(
            "not_chosen",
            {"candidates": len(fitting)},
            f"{len(fitting)} municipalities still have room, but {why}",
        )
    )
    return tuple(reasons)
