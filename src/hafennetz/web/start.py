"""The start page after login ("Mein Überblick"): per role what is due today, each item linking
to the place where it is done. It only gathers: every app answers through its own selectors,
and what a role sees follows from `members.access.roles_of`. The number of queries does not grow
with the data (tests/web/test_start.py counts them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from hafennetz.members import selectors as member_selectors
from hafennetz.members.access import Roles, check_logged_in, roles_of
from hafennetz.members.models import Member

# Pledges that end within this many days are shown to the member for renewal.
PLEDGE_EXPIRY_DAYS = 30
LIST_LIMIT = 8


@dataclass
class MemberDay:
    member: Member
    reports: list[Any] = field(default_factory=list)
    meetings: list[Any] = field(default_factory=list)
    open_meetings: list[Any] = field(default_factory=list)
    follow_ups: list[Any] = field(default_factory=list)
    placements: int = 0
    expiring_pledges: list[Any] = field(default_factory=list)
    exchange: list[Any] = field(default_factory=list)


@dataclass
class StateDay:
    states: list[str]
    rounds: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[Any] = field(default_factory=list)


@dataclass
class OfficeDay:
    review: list[dict[str, Any]] = field(default_factory=list)
    late: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[Any] = field(default_factory=list)
    invitations: list[Any] = field(default_factory=list)
    invitations_total: int = 0
    runs: list[Any] = field(default_factory=list)


def member_day(user: Any, member: Member, today: dt.date) -> MemberDay:
    from hafennetz.meetings import selectors as meetings
    from hafennetz.situation import selectors as situation

    day = MemberDay(member=member)
    day.reports = situation.member_todo(member, today)
    day.meetings = meetings.my_upcoming(user)
    registered = {m.meeting.pk for m in day.meetings}
    day.open_meetings = [
        m
        for m in meetings.upcoming_meetings(member_state=member.state_id, limit=LIST_LIMIT)
        if m.pk not in registered
        and not m.is_cancelled
        and m.registration_opens_at <= timezone.now() <= m.registration_closes_at
    ][:3]
    day.follow_ups = meetings.open_follow_ups(member.pk)
    if apps.is_installed("hafennetz.exchange"):
        from hafennetz.exchange import selectors as exchange

        received = exchange.requests_of(user)["received"]
        day.exchange = [r for r in received if r.status == "open"][:LIST_LIMIT]
    if apps.is_installed("hafennetz.admission"):
        from hafennetz.admission import selectors as admission

        day.placements = admission.placements_to_confirm(member).count()
        day.expiring_pledges = list(
            admission.pledges_of(member).filter(
                status__in=admission.ACTIVE,
                valid_until__gte=today,
                valid_until__lte=today + dt.timedelta(days=PLEDGE_EXPIRY_DAYS),
            )
        )
    return day


def state_day(roles: Roles, today: dt.date) -> StateDay:
    from hafennetz.meetings import selectors as meetings
    from hafennetz.situation import selectors as situation

    states = sorted(roles.coordinated_states)
    day = StateDay(states=states)
    for survey_round in situation.current_rounds(today, states):
        late = situation.late_members(survey_round, states)
        day.rounds.append(
            {
                "round": survey_round,
                "progress": situation.round_progress(survey_round, states),
                "late": late[:LIST_LIMIT],
                "late_total": len(late),
                "state": states[0] if len(states) == 1 else None,
            }
        )
    day.meetings = meetings.upcoming_meetings(states=states)
    return day


def office_day(today: dt.date) -> OfficeDay:
    from hafennetz.meetings import selectors as meetings
    from hafennetz.situation import selectors as situation

    day = OfficeDay()
    current = situation.current_rounds(today)
    counts = situation.review_counts([r.pk for r in current])
    day.review = [{"round": r, "open": counts.get(r.pk, 0)} for r in current]
    for survey_round in current:
        if survey_round.deadline < today:
            rows = [
                p for p in situation.round_progress(survey_round, None) if p.missing or p.drafts
            ]
            if rows:
                day.late.append({"round": survey_round, "states": rows})
    day.meetings = meetings.upcoming_meetings()
    invitations = member_selectors.open_invitations()
    day.invitations = list(invitations[:LIST_LIMIT])
    day.invitations_total = (
        len(day.invitations) if len(day.invitations) < LIST_LIMIT else invitations.count()
    )
    if apps.is_installed("hafennetz.admission"):
        from hafennetz.admission import selectors as admission

        day.runs = list(admission.runs_awaiting_approval()[:LIST_LIMIT])
    return day


@require_safe
def my_overview(request: HttpRequest) -> HttpResponse:
    check_logged_in(request.user)
    roles = roles_of(request.user)
    today = timezone.localdate()
    member = (
        Member.objects.select_related("state").filter(pk=roles.member_id).first()
        if roles.member_id
        else None
    )
    return render(
        request,
        "web/overview.html",
        {
            "office": office_day(today) if roles.is_coordination_office else None,
            "state": state_day(roles, today) if roles.is_state_coordination else None,
            "mine": member_day(request.user, member, today) if member else None,
            "today": today,
        },
    )
