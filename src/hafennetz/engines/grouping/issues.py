"""Structured conflicts and violations: a stable code, parameters, an English message.

The web layer translates by `code` and fills in `params`; the CLI prints `message` and
`suggestion`. Rounds and groups appear 1-based in messages and 0-based in `params`.
"""

from __future__ import annotations

from .model import Issue

#: code -> English message template (str.format with the params; `round1`/`group1` are 1-based).
MESSAGES: dict[str, str] = {
    # impossible settings (PlanningError)
    "duplicate_participant": "participant id {participant} appears more than once",
    "no_rounds": "no rounds to plan",
    "size_bounds_invalid": "round {round1}: size bounds {min_size}-{max_size} are not valid",
    "empty_round": "round {round1}: nobody attends",
    "sizes_cannot_fit": (
        "round {round1}: {people} people cannot be split into groups of {min_size}-{max_size}"
    ),
    "groups_cannot_fit": (
        "round {round1}: {people} people cannot be split into {groups} groups "
        "of {min_size}-{max_size}"
    ),
    "too_few_facilitators": (
        "round {round1}: {groups_needed} groups need one facilitator each, "
        "but only {facilitators} facilitators attend"
    ),
    "too_many_facilitators": (
        "round {round1}: {facilitators} facilitators need one group each, but {people} people "
        "fill at most {max_groups} groups of at least {min_size}"
    ),
    "member_exceeds_groups": (
        "round {round1}: member {member} has {people} people but there are only {groups} groups "
        "(two people of one member may not share a group)"
    ),
    "too_many_topics": "round {round1}: {topics} topics given for only {groups} groups",
    "pin_unknown_participant": "pin: unknown participant {participant}",
    "pin_round_out_of_range": "pin: round {round1} does not exist",
    "pin_group_out_of_range": (
        "pin: participant {participant} pinned to group {group1} of round {round1}, "
        "which has only {groups} groups"
    ),
    "pin_not_attending": "pin: participant {participant} does not attend round {round1}",
    "pin_twice": "pin: participant {participant} pinned twice in round {round1}",
    "pin_facilitator_room": (
        "pin: facilitator {participant} keeps room {room1}, cannot be pinned to group {group1}"
    ),
    "pins_same_member": (
        "pins put two people of member {member} into group {group1} of round {round1}"
    ),
    "pins_two_facilitators": "pins put two facilitators into group {group1} of round {round1}",
    "pins_exceed_size": (
        "pins put {people} people into group {group1} of round {round1} (maximum {max_size})"
    ),
    "no_feasible_assignment": (
        "round {round1}: no assignment satisfies all hard rules together "
        "(sizes, members, facilitators, pins)"
    ),
    "no_assignment_in_time": (
        "round {round1}: no assignment keeping all hard rules was found within the time limit"
    ),
    # hard-rule violations of a plan (check)
    "round_missing": "round {round1} is missing from the plan",
    "unknown_participant": "round {round1}: unknown participant {participant} in the plan",
    "not_attending": "round {round1}: participant {participant} does not attend but is placed",
    "unassigned": "round {round1}: participant {participant} has no group",
    "assigned_twice": "round {round1}: participant {participant} is in more than one group",
    "group_too_small": "round {round1}, group {group1}: {size} people, minimum {min_size}",
    "group_too_large": "round {round1}, group {group1}: {size} people, maximum {max_size}",
    "same_member": (
        "round {round1}, group {group1}: {people} people of member {member} in one group"
    ),
    "facilitator_count": (
        "round {round1}, group {group1}: {facilitators} facilitators instead of exactly one"
    ),
    "facilitator_room": (
        "round {round1}: facilitator {participant} is in group {group1} instead of "
        "their room {room1}"
    ),
    "pin_broken": (
        "round {round1}: participant {participant} is in group {group1}, pinned to {pinned1}"
    ),
}


def make_issue(code: str, suggestion: str = "", **params: str | int) -> Issue:
    fmt: dict[str, str | int] = dict(params)
    for name in ("round", "group", "room", "pinned"):
        value = params.get(name)
        if isinstance(value, int):
            fmt[name + "1"] = value + 1
    message = MESSAGES[code].format(**fmt)
    return Issue(
        code=code, params=tuple(sorted(params.items())), message=message, suggestion=suggestion
    )
