"""Re-score a plan from scratch: the weighted objective, the quality report, the hard rules.

Independent of the search code on purpose: tests compare both.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from .issues import make_issue
from .layout import build_layout, facilitator_rule_applies
from .model import STRAIN_AT_LIMIT, Issue, Participant, Plan, Problem, QualityReport
from .objective import history_counts, pair_key, pair_weight, person_weight


def _pair_counts(plan: Plan) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for rp in plan.rounds:
        for group in rp.groups:
            for a, b in combinations(sorted(group.participant_ids), 2):
                counts[(a, b)] += 1
    return counts


def objective(problem: Problem, plan: Plan) -> float:
    """The weighted objective the planner maximises (see objective.py)."""
    by_id = {p.id: p for p in problem.participants}
    weights = problem.weights
    history = history_counts(problem)
    soft_member = not problem.rules.distinct_members
    total = 0.0
    for rp in plan.rounds:
        for group in rp.groups:
            members = [by_id[pid] for pid in group.participant_ids]
            for p in members:
                total += person_weight(p, group.topic, weights)
            for a, b in combinations(members, 2):
                total += pair_weight(a, b, group.topic, weights, history, soft_member)
    extra = sum(c - 1 for c in _pair_counts(plan).values() if c > 1)
    return total - weights.repeat_in_meeting * extra


def check(problem: Problem, plan: Plan) -> list[Issue]:
    """Hard-rule violations of a plan (for manual moves); empty when the plan is valid.

    Raises PlanningError when the settings themselves are impossible.
    """
    layouts = build_layout(problem)
    by_id = {p.id: p for p in problem.participants}
    pins = {(pin.round, pin.participant_id): pin.group for pin in problem.pins}
    fixed_rooms = facilitator_rule_applies(problem) and problem.rules.fixed_facilitators
    issues: list[Issue] = []
    plan_rounds = {rp.index: rp for rp in plan.rounds}
    for lay in layouts:
        r = lay.index
        rp = plan_rounds.get(r)
        if rp is None:
            issues.append(make_issue("round_missing", round=r))
            continue
        where: dict[str, list[int]] = {}
        for group in rp.groups:
            for pid in group.participant_ids:
                where.setdefault(pid, []).append(group.index)
        attending = set(lay.people)
        for pid in where:
            if pid not in by_id:
                issues.append(make_issue("unknown_participant", round=r, participant=pid))
            elif pid not in attending:
                issues.append(make_issue("not_attending", round=r, participant=pid))
            elif len(where[pid]) > 1:
                issues.append(make_issue("assigned_twice", round=r, participant=pid))
        for pid in lay.people:
            if pid not in where:
                issues.append(make_issue("unassigned", round=r, participant=pid))
        spec = problem.rounds[r]
        for group in rp.groups:
            size = len(group.participant_ids)
            g = group.index
            if size < spec.min_size:
                issues.append(
                    make_issue(
                        "group_too_small", round=r, group=g, size=size, min_size=spec.min_size
                    )
                )
            if size > spec.max_size:
                issues.append(
                    make_issue(
                        "group_too_large", round=r, group=g, size=size, max_size=spec.max_size
                    )
                )
            members = [by_id[pid] for pid in group.participant_ids if pid in by_id]
            if problem.rules.distinct_members:
                counts = Counter(p.member for p in members if p.member)
                for member, count in sorted(counts.items()):
                    if count > 1:
                        issues.append(
                            make_issue("same_member", round=r, group=g, member=member, people=count)
                        )
            if facilitator_rule_applies(problem):
                count = sum(p.is_facilitator for p in members)
                if count != 1:
                    issues.append(
                        make_issue("facilitator_count", round=r, group=g, facilitators=count)
                    )
        if fixed_rooms:
            for room, fid in enumerate(lay.facilitators):
                placed = where.get(fid, [])
                if placed and placed[0] != room:
                    issues.append(
                        make_issue(
                            "facilitator_room", round=r, participant=fid, group=placed[0], room=room
                        )
                    )
        for (pin_round, pid), g in sorted(pins.items()):
            if pin_round == r and pid in where and where[pid][0] != g:
                issues.append(
                    make_issue(
                        "pin_broken", round=r, participant=pid, group=where[pid][0], pinned=g
                    )
                )
    return issues


def _states(members: list[Participant]) -> int:
    return len({p.state for p in members if p.state})


def quality(problem: Problem, plan: Plan) -> QualityReport:
    by_id = {p.id: p for p in problem.participants}
    pair_counts = _pair_counts(plan)
    history = history_counts(problem)
    history_pairs = 0
    met: dict[str, set[str]] = {p.id: set() for p in problem.participants}
    for a, b in pair_counts:
        if a in by_id and b in by_id:
            ka, kb = pair_key(by_id[a]), pair_key(by_id[b])
            seen_before = (ka, kb) in history or (kb, ka) in history
            history_pairs += seen_before
            if not seen_before:
                met[a].add(b)
                met[b].add(a)
    states: list[int] = []
    size_classes: list[int] = []
    possible = met_prefs = 0
    mixed = topic_groups = 0
    for rp in plan.rounds:
        topic_round = any(g.topic is not None for g in rp.groups)
        for group in rp.groups:
            members = [by_id[pid] for pid in group.participant_ids if pid in by_id]
            if not members:
                continue
            states.append(_states(members))
            size_classes.append(len({p.size_class for p in members if p.size_class}))
            if topic_round:
                for p in members:
                    if p.topics:
                        possible += 1
                        met_prefs += group.topic is not None and group.topic in p.topics
            if group.topic is not None:
                topic_groups += 1
                levels = [p.strain_on(group.topic) for p in members]
                known = [lv for lv in levels if lv is not None]
                if any(lv >= STRAIN_AT_LIMIT for lv in known) and any(
                    lv < STRAIN_AT_LIMIT for lv in known
                ):
                    mixed += 1
    attending = [
        pid for pid in met if any(pid in g.participant_ids for rp in plan.rounds for g in rp.groups)
    ]
    contacts = [len(met[pid]) for pid in attending] or [0]
    return QualityReport(
        objective=objective(problem, plan),
        rounds=len(plan.rounds),
        groups=sum(len(rp.groups) for rp in plan.rounds),
        repeated_pairs=sum(1 for c in pair_counts.values() if c > 1),
        repeat_meetings=sum(c - 1 for c in pair_counts.values() if c > 1),
        history_repeats=history_pairs,
        min_states_per_group=min(states, default=0),
        mean_states_per_group=sum(states) / len(states) if states else 0.0,
        groups_below_5_states=sum(1 for s in states if s < 5),
        preferences_possible=possible,
        preferences_met=met_prefs,
        new_contacts_min=min(contacts),
        new_contacts_mean=sum(contacts) / len(contacts),
        new_contacts_max=max(contacts),
        strain_mixed_groups=mixed,
        topic_groups=topic_groups,
        mean_size_classes_per_group=sum(size_classes) / len(size_classes) if size_classes else 0.0,
        violations=len(check(problem, plan)),
    )
