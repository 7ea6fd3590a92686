"""Dataclasses in, dataclasses out: the planner's input and output types.

Indices are 0-based everywhere in the Python API (round 0 is the first round, group 0 the first
group); CSV files and printed lists show them 1-based.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..issues import Issue as Issue  # re-exported: grouping code and tests import it here


class Role(StrEnum):
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"


#: Strain levels as the municipal surveys ask them (Belastungsstufe).
STRAIN_RELAXED = 1  # entspannt
STRAIN_CHALLENGING = 2  # herausfordernd, aber machbar
STRAIN_AT_LIMIT = 3  # an der Belastungsgrenze
STRAIN_OVERLOADED = 4  # überlastet / Notfallmodus


@dataclass(frozen=True, slots=True)
class Participant:
    """One person registered for the meeting.

    `id` is unique within the meeting (the meetings module passes the registration id).
    `person_key` is the stable key across meetings that the history refers to; when empty, the
    lower-cased e-mail is used, and when that is empty too, the id (see `key`).
    """

    id: str
    name: str = ""
    email: str = ""
    member: str = ""  # member municipality or district (AGS); empty = no member
    member_name: str = ""  # shown in printed lists
    state: str = ""  # federal state (AGS or name)
    role: Role = Role.PARTICIPANT
    size_class: str = ""  # e.g. "small", "medium", "large", "metro"
    strain: tuple[tuple[str, int], ...] = ()  # (topic, level 1..4)
    topics: tuple[str, ...] = ()  # topics of interest
    languages: tuple[str, ...] = ()
    rounds: tuple[int, ...] | None = None  # rounds the person attends; None = all
    person_key: str = ""

    @property
    def key(self) -> str:
        return self.person_key or self.email.strip().lower() or self.id

    @property
    def is_facilitator(self) -> bool:
        return self.role is Role.FACILITATOR

    def attends(self, round_index: int) -> bool:
        return self.rounds is None or round_index in self.rounds

    def strain_on(self, topic: str) -> int | None:
        for name, level in self.strain:
            if name == topic:
                return level
        return None


@dataclass(frozen=True, slots=True)
class Round:
    """One breakout round: size bounds or a number of groups, optional topic per group.

    `topics[g]` is the topic table of group g; groups beyond the tuple have no topic.
    `num_groups` None lets the planner choose (the number of available facilitators when the
    facilitator rule applies, otherwise the count that gives sizes nearest the middle of the
    bounds).
    """

    min_size: int = 5
    max_size: int = 7
    num_groups: int | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Pin:
    """Keep `participant_id` in group `group` of round `round` (both 0-based)."""

    participant_id: str
    round: int
    group: int


@dataclass(frozen=True, slots=True)
class Rules:
    """Hard rules; each can be switched off."""

    distinct_members: bool = True  # never two people of the same member in one group
    one_facilitator: bool = True  # exactly one facilitator per group, where facilitators exist
    fixed_facilitators: bool = True  # a facilitator keeps the same room (group index) each round


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the goals (the planner maximises the weighted sum, see docs/grouping)."""

    repeat_in_meeting: float = 100.0  # per extra meeting of a pair within this meeting
    repeat_from_history: float = 20.0  # per round a pair that met before shares a group
    same_state: float = 6.0  # per pair of the same state in a group
    strain_mix: float = 2.0  # per pair strained (level >= 3) + coping (<= 2) on the topic
    topic_preference: float = 5.0  # per person placed on a topic of interest
    same_size_class: float = 1.0  # per pair of the same size class in a group
    same_member: float = 50.0  # per same-member pair, only when that hard rule is off
    even_sizes: float = 3.0  # per pair in any group: favours groups of equal size


@dataclass(frozen=True, slots=True)
class Problem:
    participants: tuple[Participant, ...]
    rounds: tuple[Round, ...]
    history: tuple[tuple[str, str], ...] = ()  # pairs of person keys that met before
    pins: tuple[Pin, ...] = ()
    rules: Rules = field(default_factory=Rules)
    weights: Weights = field(default_factory=Weights)


@dataclass(frozen=True, slots=True)
class Group:
    index: int
    participant_ids: tuple[str, ...]
    topic: str | None = None
    facilitator_id: str | None = None


@dataclass(frozen=True, slots=True)
class RoundPlan:
    index: int
    groups: tuple[Group, ...]

    def group_of(self, participant_id: str) -> int | None:
        for group in self.groups:
            if participant_id in group.participant_ids:
                return group.index
        return None


@dataclass(frozen=True, slots=True)
class SearchStats:
    seed: int
    iterations: int
    seconds: float
    stopped_by: str  # "converged", "time_limit", "iteration_limit"


@dataclass(frozen=True, slots=True)
class Plan:
    rounds: tuple[RoundPlan, ...]
    objective: float = 0.0  # the planner's weighted objective (re-scored by `quality`)
    stats: SearchStats | None = None

    def assignment(self) -> dict[tuple[int, str], int]:
        """(round, participant id) -> group index."""
        return {
            (rp.index, pid): g.index
            for rp in self.rounds
            for g in rp.groups
            for pid in g.participant_ids
        }


class PlanningError(Exception):
    """The settings cannot be met; `issues` names each conflict."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(i.message for i in issues))
        self.issues = issues


@dataclass(frozen=True, slots=True)
class QualityReport:
    objective: float
    rounds: int
    groups: int
    repeated_pairs: int  # pairs meeting more than once within this meeting
    repeat_meetings: int  # sum over pairs of (times met - 1) within this meeting
    history_repeats: int  # pairs in this meeting that met at earlier meetings
    min_states_per_group: int
    mean_states_per_group: float
    groups_below_5_states: int
    preferences_possible: int  # person-rounds on a topic round where the person has interests
    preferences_met: int
    new_contacts_min: int  # distinct people met for the first time, per person
    new_contacts_mean: float
    new_contacts_max: int
    strain_mixed_groups: int  # topic groups with both strained and coping members
    topic_groups: int
    mean_size_classes_per_group: float
    violations: int  # hard-rule violations found by `check`


@dataclass(frozen=True, slots=True)
class LateJoin:
    participant: Participant
    from_round: int = 0


@dataclass(frozen=True, slots=True)
class DropOut:
    participant_id: str
    from_round: int = 0


Change = LateJoin | DropOut
