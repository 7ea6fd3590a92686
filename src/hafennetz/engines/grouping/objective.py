"""Meeting goals -> the search model's pairwise matrices and person-group affinities.

Pair weight inside a group (higher is better):
    - same_state          if both come from the same federal state
    - same_size_class     if both members have the same size class
    - same_member         if both come from the same member (only when that rule is off)
    - repeat_from_history x the number of earlier meetings at which the pair met
    - even_sizes          for every pair (the sum over groups is smallest for equal sizes)
    + strain_mix          on a topic group: one is strained (level >= 3), the other copes (<= 2)
Person weight: + topic_preference when the group's topic is one of the person's topics.
Across rounds: - repeat_in_meeting for every extra round a pair shares a group.
"""

from __future__ import annotations

from collections import Counter

from .model import STRAIN_AT_LIMIT, Participant, Problem, Weights


def history_counts(problem: Problem) -> Counter[tuple[str, str]]:
    """(key_a, key_b) with key_a < key_b -> number of earlier meetings."""
    counts: Counter[tuple[str, str]] = Counter()
    for a, b in problem.history:
        a, b = a.strip().lower(), b.strip().lower()
        if a != b:
            counts[(a, b) if a < b else (b, a)] += 1
    return counts


def pair_key(p: Participant) -> str:
    return p.key.strip().lower()


def strained_mix(a: Participant, b: Participant, topic: str) -> bool:
    la, lb = a.strain_on(topic), b.strain_on(topic)
    if la is None or lb is None:
        return False
    return (la >= STRAIN_AT_LIMIT) != (lb >= STRAIN_AT_LIMIT)


def base_pair_weight(
    a: Participant,
    b: Participant,
    weights: Weights,
    history: Counter[tuple[str, str]],
    same_member_soft: bool,
) -> float:
    w = -weights.even_sizes
    if a.state and a.state == b.state:
        w -= weights.same_state
    if a.size_class and a.size_class == b.size_class:
        w -= weights.same_size_class
    if same_member_soft and a.member and a.member == b.member:
        w -= weights.same_member
    ka, kb = pair_key(a), pair_key(b)
    met = history.get((ka, kb) if ka < kb else (kb, ka), 0)
    if met:
        w -= weights.repeat_from_history * met
    return w


def pair_weight(
    a: Participant,
    b: Participant,
    topic: str | None,
    weights: Weights,
    history: Counter[tuple[str, str]],
    same_member_soft: bool,
) -> float:
    w = base_pair_weight(a, b, weights, history, same_member_soft)
    if topic is not None and strained_mix(a, b, topic):
        w += weights.strain_mix
    return w


def person_weight(p: Participant, topic: str | None, weights: Weights) -> float:
    return weights.topic_preference if topic is not None and topic in p.topics else 0.0
