"""The bridge between a meeting in the database and the breakout planner
(`hafennetz.engines.grouping`): registrations become participants, small-group blocks become
rounds, earlier meetings' plans become the encounter history. Reads only."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hafennetz.engines.grouping.model import (
    Group,
    Issue,
    Participant,
    Plan,
    Problem,
    Role,
    Round,
    RoundPlan,
)
from hafennetz.meetings.models import (
    AgendaBlock,
    BlockKind,
    GroupAssignment,
    GroupPlan,
    Meeting,
    ParticipantRole,
    Registration,
    RegistrationStatus,
)

DEFAULT_MIN_SIZE = 5
DEFAULT_MAX_SIZE = 7

# German (translatable) texts for the planner's stable issue codes; others show the engine's
# English message.
ISSUE_TEXTS = {
    "sizes_cannot_fit": gettext_noop(
        "Round %(round1)s: %(people)s people cannot be split into groups of "
        "%(min_size)s–%(max_size)s."
    ),
    "too_few_facilitators": gettext_noop(
        "Round %(round1)s: %(groups_needed)s groups need one facilitator "
        "each, but only %(facilitators)s facilitators are registered."
    ),
    "too_many_facilitators": gettext_noop(
        "Round %(round1)s: %(facilitators)s facilitators need one group "
        "each, but %(people)s people fill at most %(max_groups)s groups of at least %(min_size)s."
    ),
    "member_exceeds_groups": gettext_noop(
        "Round %(round1)s: member %(member)s has %(people)s people but there "
        "are only %(groups)s groups."
    ),
    "same_member": gettext_noop(
        "Round %(round1)s, group %(group1)s: %(people)s people of the same member (%(member)s)."
    ),
    "facilitator_count": gettext_noop(
        "Round %(round1)s, group %(group1)s: %(facilitators)s facilitators instead of exactly one."
    ),
    "group_too_small": gettext_noop(
        "Round %(round1)s, group %(group1)s: %(size)s people, minimum %(min_size)s."
    ),
    "group_too_large": gettext_noop(
        "Round %(round1)s, group %(group1)s: %(size)s people, maximum %(max_size)s."
    ),
    "unassigned": gettext_noop("Round %(round1)s: a participant has no group."),
    "no_feasible_assignment": gettext_noop(
        "Round %(round1)s: no assignment satisfies all rules together "
        "(sizes, members, facilitators)."
    ),
    "empty_round": gettext_noop(
        "Round %(round1)s: nobody attends.",
    ),
    "too_many_topics": gettext_noop(
        "Round %(round1)s: %(topics)s topics for only %(groups)s groups; "
        "fewer topics or smaller groups are needed."
    ),
}


def issue_text(issue: Issue) -> str:
    template = ISSUE_TEXTS.get(issue.code)
    if template is None:
        return issue.message
    params: dict[str, str | int] = dict(issue.params)
    for name in ("round", "group", "room", "pinned"):
        value = params.get(name)
        if isinstance(value, int):
            params[name + "1"] = value + 1
    try:
        text = _(template) % params
    except (KeyError, TypeError, ValueError):
        return issue.message
    if issue.suggestion:
        text += " " + _("Nearest feasible setting: %(s)s") % {"s": issue.suggestion}
    return text


def small_group_blocks(meeting: Meeting) -> list[AgendaBlock]:
    return list(meeting.blocks.filter(kind=BlockKind.SMALL_GROUPS).order_by("starts_at"))


def confirmed_registrations(meeting: Meeting) -> list[Registration]:
    return list(
        meeting.registrations.filter(status=RegistrationStatus.CONFIRMED)
        .select_related("user", "member", "member__state")
        .order_by("id")
    )


def participant(registration: Registration) -> Participant:
    member = registration.member
    return Participant(
        id=str(registration.pk),
        name=registration.user.get_full_name() or registration.user.email,
        email=registration.user.email,
        member=member.ags,
        member_name=member.name,
        state=member.state_id,
        role=Role.FACILITATOR
        if registration.role == ParticipantRole.FACILITATOR
        else Role.PARTICIPANT,
        size_class=member.size_class.name.lower(),
        # The person, not the registration, is what earlier meetings remember.
        person_key=f"user:{registration.user_id}",
    )


def encounter_history(meeting: Meeting) -> tuple[tuple[str, str], ...]:
    """Pairs of people who shared a group at earlier meetings (current plans only)."""
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    rows = GroupAssignment.objects.filter(
        plan__is_current=True, plan__meeting__starts_at__lt=meeting.starts_at
    ).values_list("plan_id", "block_id", "group", "registration__user_id")
    for plan_id, block_id, group, user_id in rows:
        groups[(plan_id, block_id, group)].append(user_id)
    pairs: set[tuple[str, str]] = set()
    for users in groups.values():
        for a, b in combinations(sorted(set(users)), 2):
            pairs.add((f"user:{a}", f"user:{b}"))
    return tuple(sorted(pairs))


def build_problem(
    meeting: Meeting,
    *,
    min_size: int = DEFAULT_MIN_SIZE,
    max_size: int = DEFAULT_MAX_SIZE,
    registrations: list[Registration] | None = None,
) -> tuple[Problem, list[AgendaBlock]]:
    blocks = small_group_blocks(meeting)
    registrations = confirmed_registrations(meeting) if registrations is None else registrations
    problem = Problem(
        participants=tuple(participant(r) for r in registrations),
        rounds=tuple(
            Round(min_size=min_size, max_size=max_size, topics=tuple(b.topic_list)) for b in blocks
        ),
        history=encounter_history(meeting),
    )
    return problem, blocks


def stored_plan(group_plan: GroupPlan, blocks: list[AgendaBlock]) -> Plan:
    """The engine's Plan for a stored plan (rounds in agenda order)."""
    by_block: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    topics: dict[tuple[int, int], str] = {}
    facilitators: dict[tuple[int, int], str] = {}
    for a in group_plan.assignments.select_related("registration"):
        by_block[a.block_id][a.group].append(str(a.registration_id))
        topics[(a.block_id, a.group)] = a.topic
        if a.registration.role == ParticipantRole.FACILITATOR:
            facilitators[(a.block_id, a.group)] = str(a.registration_id)
    rounds = []
    for index, block in enumerate(blocks):
        groups = by_block.get(block.pk, {})
        rounds.append(
            RoundPlan(
                index=index,
                groups=tuple(
                    Group(
                        index=g,
                        participant_ids=tuple(groups[g]),
                        topic=topics.get((block.pk, g)) or None,
                        facilitator_id=facilitators.get((block.pk, g)),
                    )
                    for g in sorted(groups)
                ),
            )
        )
    return Plan(rounds=tuple(rounds))


def current_plan(meeting: Meeting) -> GroupPlan | None:
    return meeting.plans.filter(is_current=True).first()


def planned_registrations(group_plan: GroupPlan) -> list[Registration]:
    return list(
        Registration.objects.filter(pk__in=group_plan.assignments.values("registration_id"))
        .select_related("user", "member", "member__state")
        .order_by("id")
    )


def plan_problem(group_plan: GroupPlan) -> tuple[Problem, list[AgendaBlock], Plan]:
    """The problem a stored plan solves (its people and size bounds) and the plan itself."""
    problem, blocks = build_problem(
        group_plan.meeting,
        min_size=group_plan.min_size,
        max_size=group_plan.max_size,
        registrations=planned_registrations(group_plan),
    )
    return problem, blocks, stored_plan(group_plan, blocks)


def plan_version(meeting: Meeting) -> str:
    """What a plan for `meeting` depends on, as one string: the confirmed registrations (person,
    member, role), the small-group rounds (times, topics) and the current plan. Planning compares
    it before and after the (lock-free) computation and stores only if it is unchanged."""
    registrations = list(
        meeting.registrations.filter(status=RegistrationStatus.CONFIRMED)
        .order_by("pk")
        .values_list("pk", "user_id", "member_id", "role")
    )
    blocks = list(
        meeting.blocks.filter(kind=BlockKind.SMALL_GROUPS)
        .order_by("pk")
        .values_list("pk", "starts_at", "ends_at", "topics")
    )
    current = meeting.plans.filter(is_current=True).values_list("pk", flat=True).first()
    return repr((registrations, blocks, current))
