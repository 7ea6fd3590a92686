"""Reads for meetings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hafennetz.core.exports import Shown
from hafennetz.meetings import planning
from hafennetz.meetings.models import (
    CalendarFeed,
    FollowUp,
    FollowUpStatus,
    GroupAssignment,
    GroupPlan,
    Meeting,
    Registration,
    RegistrationStatus,
)

# Check-in (code or attendance list) is accepted from shortly before the start until a few days
# after the end (organisers complete the list afterwards), never weeks ahead.
CHECKIN_OPENS_BEFORE = dt.timedelta(hours=3)
CHECKIN_CLOSES_AFTER = dt.timedelta(days=3)


def checkin_window(meeting: Meeting) -> tuple[dt.datetime, dt.datetime]:
    return meeting.starts_at - CHECKIN_OPENS_BEFORE, meeting.ends_at + CHECKIN_CLOSES_AFTER


def checkin_is_open(meeting: Meeting, now: dt.datetime | None = None) -> bool:
    opens, closes = checkin_window(meeting)
    return opens <= (now or timezone.now()) <= closes


def meetings_list() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("state").annotate(
        confirmed=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
        ),
        waiting=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
        ),
    )


def meetings_by_date(now: dt.datetime | None = None) -> tuple[list[Meeting], list[Meeting]]:
    """The meetings that have not ended (soonest first) and the past ones (latest first)."""
    now = now or timezone.now()
    upcoming = list(meetings_list().filter(ends_at__gte=now).order_by("starts_at", "pk"))
    past = list(meetings_list().filter(ends_at__lt=now).order_by("-starts_at", "-pk"))
    return upcoming, past


def registration_of(meeting: Meeting, user: Any) -> Registration | None:
    if not user.is_authenticated:
        return None
    return (
        meeting.registrations.exclude(status=RegistrationStatus.CANCELLED).filter(user=user).first()
    )


def registrations(meeting: Meeting) -> QuerySet[Registration]:
    return meeting.registrations.select_related("user", "member", "member__state").order_by(
        "status", "created_at", "id"
    )


def counts(meeting: Meeting) -> dict[str, int]:
    data = dict(
        meeting.registrations.values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {status: data.get(status, 0) for status in RegistrationStatus.values}


@dataclass
class PlanGroup:
    index: int
    topic: str
    people: list[Registration]
    states: int


@dataclass
class PlanRound:
    block_id: int
    title: str
    groups: list[PlanGroup]


def plan_rounds(group_plan: GroupPlan) -> list[PlanRound]:
    """The stored plan as rounds of groups of registrations, in agenda order."""
    blocks = planning.small_group_blocks(group_plan.meeting)
    grouped: dict[int, dict[int, list[GroupAssignment]]] = defaultdict(lambda: defaultdict(list))
    for a in group_plan.assignments.select_related(
        "registration__user", "registration__member__state"
    ).order_by("registration__role", "registration__id"):
        grouped[a.block_id][a.group].append(a)
    rounds = []
    for block in blocks:
        groups = []
        for index in sorted(grouped[block.pk]):
            members = grouped[block.pk][index]
            people = sorted(
                (a.registration for a in members), key=lambda r: r.role != "facilitator"
            )
            groups.append(
                PlanGroup(
                    index=index,
                    topic=members[0].topic if members else "",
                    people=people,
                    states=len({r.member.state_id for r in people}),
                )
            )
        rounds.append(PlanRound(block_id=block.pk, title=block.title, groups=groups))
    return rounds


@dataclass
class CompactRow:
    registration: Registration
    groups: list[int | None]  # the person's group number per round (None: not in that round)


def compact_plan(rounds: list[PlanRound]) -> list[CompactRow]:
    """All rounds on one screen: one row per person, one column per round."""
    people: dict[int, Registration] = {}
    numbers: dict[int, list[int | None]] = {}
    for position, plan_round in enumerate(rounds):
        for group in plan_round.groups:
            for registration in group.people:
                people.setdefault(registration.pk, registration)
                row = numbers.setdefault(registration.pk, [None] * len(rounds))
                row[position] = group.index + 1
    ordered = sorted(
        people.values(),
        key=lambda r: (r.user.get_full_name() or r.user.email).casefold(),
    )
    return [CompactRow(registration=r, groups=numbers[r.pk]) for r in ordered]


def my_groups(
    group_plan: GroupPlan | None, registration: Registration | None
) -> list[dict[str, Any]]:
    """Per round the person's group, with its other members (shown to the participant)."""
    if group_plan is None or registration is None:
        return []
    result = []
    for plan_round in plan_rounds(group_plan):
        for group in plan_round.groups:
            if any(r.pk == registration.pk for r in group.people):
                result.append(
                    {
                        "round": plan_round.title,
                        "group": group.index + 1,
                        "topic": group.topic,
                        "others": [r for r in group.people if r.pk != registration.pk],
                    }
                )
    return result


def meetings_of_user(user: Any) -> QuerySet[Meeting]:
    return Meeting.objects.filter(
        registrations__user=user, registrations__status=RegistrationStatus.CONFIRMED
    ).distinct()


def situation_summary(meeting: Meeting, viewer: Any) -> dict[str, Any] | None:
    """The Lagebild for preparing the meeting: per topic the mean strain and the share at levels
    3-4 in the latest survey round that ended before the meeting (for a state meeting: that
    state). None when the situation module is not installed or has no round yet."""
    from django.apps import apps

    if not apps.is_installed("hafennetz.situation"):
        return None
    from hafennetz.situation import selectors as situation

    day = meeting.starts_at.date()
    rounds = situation.rounds()
    survey_round = rounds.filter(deadline__lt=day).first() or rounds.first()
    if survey_round is None:
        return None
    board = situation.dashboard(
        survey_round=survey_round,
        filters=situation.Filters(state=meeting.state_id),
        viewer=viewer,
        with_points=False,
    )
    return {
        "round": survey_round,
        "rows": [(topic, board.topic_totals.get(topic.pk)) for topic in board.topics],
        "reports": board.reports,
    }


def has_ended(meeting: Meeting, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= meeting.ends_at


def calendar_feed_of(user: Any) -> CalendarFeed | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return CalendarFeed.objects.filter(user_id=user.pk).first()


def _local(value: dt.datetime | None) -> Shown | str:
    """Exports show Berlin time, as the pages do (stored in UTC)."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return Shown(local.strftime("%Y-%m-%d %H:%M"), local.strftime("%d.%m.%Y %H:%M"))


def registration_rows(meeting: Meeting) -> list[list[Any]]:
    """The registrations as rows for `hafennetz.core.exports` (header first; times local)."""
    questions = meeting.question_list
    rows: list[list[Any]] = [
        [
            Shown("name", _("Name")),
            Shown("email", _("E-mail")),
            Shown("member", _("Member")),
            Shown("state", _("State")),
            Shown("status", _("Status")),
            Shown("role", _("Role")),
            Shown("registered_at", _("Registered")),
            Shown("checked_in_at", _("Checked in")),
            *questions,
        ]
    ]
    for r in registrations(meeting):
        answers = [str(a) for a in r.answers] if isinstance(r.answers, list) else []
        rows.append(
            [
                r.user.get_full_name() or r.user.email,
                r.user.email,
                r.member.name,
                r.member.state.name,
                Shown(r.status, r.get_status_display()),
                Shown(r.role, r.get_role_display()),
                _local(r.created_at),
                _local(r.checked_in_at),
                *(answers + [""] * len(questions))[: len(questions)],
            ]
        )
    return rows


# --- start pages ("Mein Überblick") -------------------------------------------------------------


def upcoming_meetings(
    *, states: Sequence[str] | None = None, member_state: str | None = None, limit: int = 5
) -> list[Meeting]:
    """The next meetings that have not ended, soonest first: with `states` the state meetings
    of those states; with `member_state` the federal meetings and those of that state; with
    neither, all of them."""
    found = Meeting.objects.filter(ends_at__gte=timezone.now()).select_related("state")
    if states is not None:
        found = found.filter(level="state", state_id__in=list(states))
    elif member_state is not None:
        found = found.filter(Q(level="federal") | Q(state_id=member_state))
    return list(found.order_by("starts_at", "pk")[:limit])


@dataclass
class MyMeeting:
    meeting: Meeting
    registration: Registration
    groups: list[dict[str, Any]]


def my_upcoming(user: Any, limit: int = 3) -> list[MyMeeting]:
    """The person's next meetings with an active registration, each with the person's small
    groups when a plan exists (a bounded number of queries per meeting, at most `limit`)."""
    registrations_ = list(
        Registration.objects.filter(user_id=user.pk, meeting__ends_at__gte=timezone.now())
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("meeting", "meeting__state")
        .order_by("meeting__starts_at")[:limit]
    )
    result = []
    for registration in registrations_:
        meeting = registration.meeting
        plan = planning.current_plan(meeting) if not meeting.is_cancelled else None
        result.append(
            MyMeeting(
                meeting=meeting, registration=registration, groups=my_groups(plan, registration)
            )
        )
    return result


def open_follow_ups(member_id: int, limit: int = 10) -> list[FollowUp]:
    """Follow-up tasks of meetings that the member is responsible for and has not done."""
    return list(
        FollowUp.objects.filter(owner_id=member_id)
        .exclude(status=FollowUpStatus.DONE)
        .select_related("meeting")
        .order_by("due_on", "pk")[:limit]
    )
