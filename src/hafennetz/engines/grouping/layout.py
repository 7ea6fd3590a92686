"""Settings -> per-round layout (who attends, how many groups, pins), or the conflicts.

Every impossible setting is reported at once, each with the nearest feasible setting.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from .issues import make_issue
from .model import Issue, Participant, PlanningError, Problem, Round


@dataclass(frozen=True, slots=True)
class RoundLayout:
    index: int
    people: tuple[str, ...]  # attending participant ids, in input order
    num_groups: int
    min_size: int
    max_size: int
    topics: tuple[str | None, ...]  # per group
    facilitators: tuple[str, ...]  # attending facilitators, room g = facilitators[g] if fixed
    pinned: dict[str, int]  # participant id -> group (pins and fixed facilitators)


def facilitator_rule_applies(problem: Problem) -> bool:
    return problem.rules.one_facilitator and any(p.is_facilitator for p in problem.participants)


def _size_suggestion(people: int, lo: int, hi: int) -> str:
    """Nearest size bounds that can hold `people` (changing one bound as little as possible)."""
    options: list[tuple[int, int, int]] = []
    k = math.ceil(people / hi)
    options.append((lo - min(lo, people // k), min(lo, people // k), hi))
    k2 = max(1, people // lo)
    new_hi = max(hi, math.ceil(people / k2))
    options.append((new_hi - hi, lo, new_hi))
    _, a, b = min(options)
    return f"use group sizes {a}-{b}"


def _round_groups(
    problem: Problem, r: int, spec: Round, people: list[Participant], issues: list[Issue]
) -> int | None:
    n = len(people)
    lo, hi = spec.min_size, spec.max_size
    facilitators = [p for p in people if p.is_facilitator]
    if facilitator_rule_applies(problem):
        f = len(facilitators)
        if spec.num_groups is not None and spec.num_groups != f:
            code = "too_few_facilitators" if spec.num_groups > f else "too_many_facilitators"
            if code == "too_few_facilitators":
                issues.append(
                    make_issue(
                        code,
                        f"plan {f} groups, or add {spec.num_groups - f} facilitators",
                        round=r,
                        groups_needed=spec.num_groups,
                        facilitators=f,
                    )
                )
            else:
                issues.append(
                    make_issue(
                        code,
                        f"plan {f} groups, or give the role participant to "
                        f"{f - spec.num_groups} facilitators",
                        round=r,
                        facilitators=f,
                        people=n,
                        max_groups=spec.num_groups,
                        min_size=lo,
                    )
                )
            return None
        if f * hi < n:
            need = math.ceil(n / hi)
            issues.append(
                make_issue(
                    "too_few_facilitators",
                    f"add {need - f} facilitators, or raise the maximum group size to "
                    f"{math.ceil(n / max(f, 1))}",
                    round=r,
                    groups_needed=need,
                    facilitators=f,
                )
            )
            return None
        if f * lo > n:
            max_groups = n // lo
            issues.append(
                make_issue(
                    "too_many_facilitators",
                    f"give the role participant to {f - max_groups} facilitators, or lower the "
                    f"minimum group size to {n // f}",
                    round=r,
                    facilitators=f,
                    people=n,
                    max_groups=max_groups,
                    min_size=lo,
                )
            )
            return None
        return f
    if spec.num_groups is not None:
        k = spec.num_groups
        if k < 1 or k * lo > n or k * hi < n:
            k_lo, k_hi = math.ceil(n / hi), n // lo
            if k_lo > k_hi:
                hint = _size_suggestion(n, lo, hi)
            else:
                hint = f"use {k_lo} groups" if k_lo == k_hi else f"use {k_lo}-{k_hi} groups"
            if k >= 1:
                hint += f", or group sizes {min(lo, n // k)}-{max(hi, math.ceil(n / k))}"
            issues.append(
                make_issue(
                    "groups_cannot_fit", hint, round=r, people=n, groups=k, min_size=lo, max_size=hi
                )
            )
            return None
        return k
    k_lo, k_hi = math.ceil(n / hi), n // lo
    if k_lo > k_hi:
        issues.append(
            make_issue(
                "sizes_cannot_fit",
                _size_suggestion(n, lo, hi),
                round=r,
                people=n,
                min_size=lo,
                max_size=hi,
            )
        )
        return None
    if problem.rules.distinct_members:
        biggest = max(Counter(p.member for p in people if p.member).values(), default=0)
        k_lo = max(k_lo, min(biggest, k_hi))
    target = round(n / ((lo + hi) / 2))
    return min(max(target, k_lo), k_hi)


def build_layout(problem: Problem) -> list[RoundLayout]:
    """Check the settings and lay out every round; raise PlanningError naming all conflicts."""
    issues: list[Issue] = []
    seen: set[str] = set()
    for p in problem.participants:
        if p.id in seen:
            issues.append(
                make_issue(
                    "duplicate_participant", "give every participant its own id", participant=p.id
                )
            )
        seen.add(p.id)
    if not problem.rounds:
        issues.append(make_issue("no_rounds", "plan at least one round"))
    layouts: list[RoundLayout] = []
    by_id = {p.id: p for p in problem.participants}
    for r, spec in enumerate(problem.rounds):
        if spec.min_size < 1 or spec.max_size < spec.min_size:
            issues.append(
                make_issue(
                    "size_bounds_invalid",
                    "use bounds with 1 <= minimum <= maximum",
                    round=r,
                    min_size=spec.min_size,
                    max_size=spec.max_size,
                )
            )
            continue
        people = [p for p in problem.participants if p.attends(r)]
        if not people:
            issues.append(make_issue("empty_round", "drop the round", round=r))
            continue
        k = _round_groups(problem, r, spec, people, issues)
        if k is None:
            continue
        if problem.rules.distinct_members:
            counts = Counter(p.member for p in people if p.member)
            for member, count in sorted(counts.items()):
                if count > k:
                    lo_needed = math.ceil(len(people) / count)
                    hint = f"let at most {k} people of member {member} attend this round"
                    if count * spec.min_size <= len(people) and not facilitator_rule_applies(
                        problem
                    ):
                        hint += f", or plan {count} groups"
                    elif lo_needed <= spec.min_size:
                        hint += f", or lower the minimum group size to {len(people) // count}"
                    hint += ", or allow people of one member in the same group"
                    issues.append(
                        make_issue(
                            "member_exceeds_groups",
                            hint,
                            round=r,
                            member=member,
                            people=count,
                            groups=k,
                        )
                    )
        if len(spec.topics) > k:
            issues.append(
                make_issue(
                    "too_many_topics",
                    f"give at most {k} topics, or plan {len(spec.topics)} groups",
                    round=r,
                    topics=len(spec.topics),
                    groups=k,
                )
            )
        facilitators = tuple(p.id for p in people if p.is_facilitator)
        pinned: dict[str, int] = {}
        fixed = facilitator_rule_applies(problem) and problem.rules.fixed_facilitators
        if fixed:
            pinned.update({fid: g for g, fid in enumerate(facilitators)})
        topics: tuple[str | None, ...] = tuple(spec.topics[:k]) + (None,) * (k - len(spec.topics))
        layouts.append(
            RoundLayout(
                index=r,
                people=tuple(p.id for p in people),
                num_groups=k,
                min_size=spec.min_size,
                max_size=spec.max_size,
                topics=topics,
                facilitators=facilitators,
                pinned=pinned,
            )
        )
    by_round = {lay.index: lay for lay in layouts}
    pinned_once: set[tuple[str, int]] = set()
    for pin in problem.pins:
        if pin.participant_id not in by_id:
            issues.append(
                make_issue(
                    "pin_unknown_participant", "remove the pin", participant=pin.participant_id
                )
            )
            continue
        if not 0 <= pin.round < len(problem.rounds):
            issues.append(make_issue("pin_round_out_of_range", "remove the pin", round=pin.round))
            continue
        lay = by_round.get(pin.round)
        if lay is None:
            continue  # the round itself is in conflict already
        if pin.participant_id not in lay.people:
            issues.append(
                make_issue(
                    "pin_not_attending",
                    "remove the pin",
                    participant=pin.participant_id,
                    round=pin.round,
                )
            )
            continue
        if not 0 <= pin.group < lay.num_groups:
            issues.append(
                make_issue(
                    "pin_group_out_of_range",
                    f"pin to a group between 1 and {lay.num_groups}",
                    participant=pin.participant_id,
                    round=pin.round,
                    group=pin.group,
                    groups=lay.num_groups,
                )
            )
            continue
        if (pin.participant_id, pin.round) in pinned_once:
            issues.append(
                make_issue(
                    "pin_twice", "keep one pin", participant=pin.participant_id, round=pin.round
                )
            )
            continue
        pinned_once.add((pin.participant_id, pin.round))
        room = lay.pinned.get(pin.participant_id)
        if room is not None and room != pin.group:
            issues.append(
                make_issue(
                    "pin_facilitator_room",
                    "remove the pin or switch off fixed facilitator rooms",
                    participant=pin.participant_id,
                    round=pin.round,
                    group=pin.group,
                    room=room,
                )
            )
            continue
        lay.pinned[pin.participant_id] = pin.group
    for lay in layouts:
        per_group: dict[int, list[Participant]] = {}
        for pid, g in lay.pinned.items():
            per_group.setdefault(g, []).append(by_id[pid])
        for g, members in sorted(per_group.items()):
            if len(members) > lay.max_size:
                issues.append(
                    make_issue(
                        "pins_exceed_size",
                        "remove pins from this group",
                        round=lay.index,
                        group=g,
                        people=len(members),
                        max_size=lay.max_size,
                    )
                )
            if facilitator_rule_applies(problem) and sum(p.is_facilitator for p in members) > 1:
                issues.append(
                    make_issue(
                        "pins_two_facilitators",
                        "pin one facilitator per group",
                        round=lay.index,
                        group=g,
                    )
                )
            if problem.rules.distinct_members:
                counts = Counter(p.member for p in members if p.member)
                for member, count in sorted(counts.items()):
                    if count > 1:
                        issues.append(
                            make_issue(
                                "pins_same_member",
                                "pin them to different groups",
                                round=lay.index,
                                group=g,
                                member=member,
                            )
                        )
    if issues:
        raise PlanningError(issues)
    return layouts
