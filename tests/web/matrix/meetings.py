"""Matrix rows of working meetings.

The meeting of the rows is the demo's NRW state meeting (in 20 days, co-organised by the NRW
state coordination). `meeting_context` adds what the POST rows need: confirmed registrations
(one of them of the Schleswig-Holstein coordination's login, so that role can cancel and check
in), a current small-group plan with a late joiner, a second NRW meeting that ended yesterday
(check-in and closing need a meeting that took place) and calendar feeds of the fixed logins.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from .common import (
    DENY,
    LOGGED_IN,
    LOGIN,
    MANAGE_MEETING,
    NOT_ALLOWED,
    NOT_FOUND,
    OFFICE_ONLY,
    OK,
    REDIRECT,
    ROLES,
    Post,
    with_answer,
)

# Only the method check answers a GET to a POST-only URL, for everyone.
POST_ONLY = dict.fromkeys(ROLES, NOT_ALLOWED)
CREATORS = {**OFFICE_ONLY, "state_same": OK, "state_other": OK}

GET = {
    "meeting-list": ({}, LOGGED_IN),
    "meeting-create": ({}, CREATORS),
    "meeting-calendar": ({}, LOGGED_IN),
    "meeting-calendar-renew": ({}, POST_ONLY),
    "meeting-calendar-revoke": ({}, POST_ONLY),
    "meeting-calendar-feed": ({"token": "not-a-valid-token"}, dict.fromkeys(ROLES, NOT_FOUND)),
    "meeting-detail": ({"pk": "{meeting}"}, LOGGED_IN),
    "meeting-edit": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-ics": ({"pk": "{meeting}"}, LOGGED_IN),
    "meeting-agenda": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-agenda-delete": ({"pk": "{meeting}", "block_id": "{block}"}, POST_ONLY),
    "meeting-agenda-edit": ({"pk": "{meeting}", "block_id": "{block}"}, MANAGE_MEETING),
    "meeting-call-off": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-reopen": ({"pk": "{closed_meeting}"}, OFFICE_ONLY),
    "meeting-register": ({"pk": "{meeting}"}, POST_ONLY),
    "meeting-cancel": ({"pk": "{meeting}"}, POST_ONLY),
    "meeting-registrations": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-registrations-export": ({"pk": "{meeting}", "fmt": "csv"}, MANAGE_MEETING),
    "meeting-message": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-plan": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-plan-repair": ({"pk": "{meeting}"}, POST_ONLY),
    "meeting-plan-move": ({"pk": "{meeting}"}, POST_ONLY),
    "meeting-plan-export": ({"pk": "{meeting}", "kind": "print"}, MANAGE_MEETING),
    "meeting-self-checkin": ({"pk": "{past_meeting}"}, POST_ONLY),
    "meeting-checkin": ({"pk": "{past_meeting}"}, MANAGE_MEETING),
    "meeting-minutes": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-close": ({"pk": "{past_meeting}"}, MANAGE_MEETING),
    "meeting-follow-up-status": (
        {"pk": "{meeting}", "follow_up_id": "{follow_up}"},
        POST_ONLY,
    ),
}

SAVED_MANAGE = with_answer(REDIRECT, MANAGE_MEETING)
LOCAL = "%Y-%m-%dT%H:%M"


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime(LOCAL)


def _meeting(context: Mapping[str, Any]) -> Any:
    from hafennetz.meetings.models import Meeting

    return Meeting.objects.get(pk=context["{meeting}"])


def _create(_context: Mapping[str, Any]) -> dict[str, Any]:
    start = timezone.localtime() + dt.timedelta(days=40)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    return {
        "title": "Matrix-Landestreffen",
        "level": "state",
        "state": "05",
        "format": "digital",
        "video_link": "https://video.example.org/matrix",
        "starts_at": start.strftime(LOCAL),
        "ends_at": (start + dt.timedelta(hours=3)).strftime(LOCAL),
        "registration_opens_at": (start - dt.timedelta(days=30)).strftime(LOCAL),
        "registration_closes_at": (start - dt.timedelta(days=1)).strftime(LOCAL),
    }


def _edit(context: Mapping[str, Any]) -> dict[str, Any]:
    meeting = _meeting(context)
    return {
        "title": meeting.title + " (geändert)",
        "level": meeting.level,
        "state": meeting.state_id,
        "format": meeting.format,
        "video_link": meeting.video_link,
        "place": meeting.place,
        "starts_at": _local(meeting.starts_at),
        "ends_at": _local(meeting.ends_at),
        "registration_opens_at": _local(meeting.registration_opens_at),
        "registration_closes_at": _local(meeting.registration_closes_at),
        "slots_total": meeting.slots_total or "",
        "slots_per_member": meeting.slots_per_member or "",
        "questions": meeting.questions,
        "co_organisers": [m.pk for m in meeting.co_organisers.all()],
    }


def _agenda_block(context: Mapping[str, Any]) -> dict[str, Any]:
    """A block in the first gap of the agenda (the demo agenda has a break between blocks)."""
    meeting = _meeting(context)
    blocks = list(meeting.blocks.order_by("starts_at"))
    for before, after in itertools.pairwise(blocks):
        if after.starts_at - before.ends_at >= dt.timedelta(minutes=10):
            start, end = before.ends_at, after.starts_at
            break
    else:
        raise AssertionError("the demo agenda has no gap")
    return {"kind": "break", "title": "Pause", "starts_at": _local(start), "ends_at": _local(end)}


def _block_edit(context: Mapping[str, Any]) -> dict[str, Any]:
    from hafennetz.meetings.models import AgendaBlock

    block = AgendaBlock.objects.get(pk=context["{block}"])
    return {
        "kind": block.kind,
        "title": block.title + " (geändert)",
        "starts_at": _local(block.starts_at),
        "ends_at": _local(block.ends_at),
        "topics": block.topics,
    }


POST: dict[str, Post] = {
    "meeting-agenda-edit": Post(
        {"pk": "{meeting}", "block_id": "{block}"}, _block_edit, SAVED_MANAGE
    ),
    "meeting-call-off": Post(
        {"pk": "{meeting}"}, {"reason": "Raum fällt aus", "confirm": "on"}, SAVED_MANAGE
    ),
    # Reopening a closed meeting is the office's alone.
    "meeting-reopen": Post(
        {"pk": "{closed_meeting}"},
        {"reason": "Anwesenheit nachtragen"},
        with_answer(REDIRECT, OFFICE_ONLY),
    ),
    # An NRW meeting: the Schleswig-Holstein coordination may not hold it.
    "meeting-create": Post({}, _create, {**with_answer(REDIRECT, CREATORS), "state_other": DENY}),
    "meeting-calendar-renew": Post({}, {}, with_answer(REDIRECT, LOGGED_IN)),
    # Only the fixed logins have a feed (made in the context); the others have none to revoke.
    "meeting-calendar-revoke": Post(
        {},
        {},
        {
            "anonymous": LOGIN,
            "own_member": REDIRECT,
            "other_member": NOT_FOUND,
            "state_same": NOT_FOUND,
            "state_other": REDIRECT,
            "office": REDIRECT,
        },
    ),
    "meeting-edit": Post({"pk": "{meeting}"}, _edit, SAVED_MANAGE),
    "meeting-agenda": Post({"pk": "{meeting}"}, _agenda_block, SAVED_MANAGE),
    "meeting-agenda-delete": Post({"pk": "{meeting}", "block_id": "{block}"}, {}, SAVED_MANAGE),
    # Open to the members of NRW and to the office; Detmold and the NRW coordination are in NRW.
    "meeting-register": Post(
        {"pk": "{meeting}"},
        {"q0": "Unterbringung"},
        {
            "anonymous": LOGIN,
            "own_member": REDIRECT,
            "other_member": DENY,
            "state_same": REDIRECT,
            "state_other": DENY,
            "office": REDIRECT,
        },
    ),
    # Only the Schleswig-Holstein login is registered (context); the others have nothing to
    # cancel.
    "meeting-cancel": Post(
        {"pk": "{meeting}"},
        {},
        {
            "anonymous": LOGIN,
            **dict.fromkeys(["own_member", "other_member", "state_same", "office"], NOT_FOUND),
            "state_other": REDIRECT,
        },
    ),
    "meeting-registrations": Post(
        {"pk": "{meeting}"},
        {"registration": "{registration}", "role": "facilitator"},
        SAVED_MANAGE,
    ),
    "meeting-message": Post(
        {"pk": "{meeting}"},
        {"subject": "Hinweis zum Treffen", "body": "Bitte Unterlagen lesen."},
        SAVED_MANAGE,
    ),
    "meeting-plan": Post(
        {"pk": "{meeting}"}, {"min_size": 2, "max_size": 3, "seed": 1}, SAVED_MANAGE
    ),
    "meeting-plan-repair": Post({"pk": "{meeting}"}, {}, SAVED_MANAGE),
    "meeting-plan-move": Post(
        {"pk": "{meeting}"},
        {
            "block": "{plan_block}",
            "registration": "{plan_registration}",
            "to_group": 2,
            "confirm": "on",
        },
        SAVED_MANAGE,
    ),
    # Check-in and closing: the NRW meeting that ended yesterday.
    "meeting-self-checkin": Post(
        {"pk": "{past_meeting}"},
        {"code": "MATRIX"},
        {
            "anonymous": LOGIN,
            **dict.fromkeys(["own_member", "other_member", "state_same", "office"], DENY),
            "state_other": REDIRECT,
        },
    ),
    "meeting-checkin": Post(
        {"pk": "{past_meeting}"},
        lambda context: {"present": [context["{past_registration}"]]},
        SAVED_MANAGE,
    ),
    "meeting-close": Post({"pk": "{past_meeting}"}, {"confirm": "on"}, SAVED_MANAGE),
    "meeting-minutes": Post(
        {"pk": "{meeting}"}, {"minutes_save": "1", "minutes": "Protokoll (Matrix)"}, SAVED_MANAGE
    ),
    # The task belongs to Detmold: its staff and the organisers set the status.
    "meeting-follow-up-status": Post(
        {"pk": "{meeting}", "follow_up_id": "{follow_up}"},
        {"status": "done"},
        {
            "anonymous": LOGIN,
            "own_member": REDIRECT,
            "other_member": DENY,
            "state_same": REDIRECT,
            "state_other": DENY,
            "office": REDIRECT,
        },
    ),
}

# URLs that take no POST (they answer 405): posting to them must change nothing.
NO_POST: set[str] = {
    "meeting-list",
    "meeting-calendar",
    "meeting-calendar-feed",
    "meeting-detail",
    "meeting-ics",
    "meeting-registrations-export",
    "meeting-plan-export",
}


def meeting_context(meeting: Any) -> dict[str, Any]:
    """Placeholders of the meetings rows (see the module docstring)."""
    from django.contrib.auth import get_user_model

    from hafennetz.meetings.models import (
        BlockKind,
        CalendarFeed,
        GroupAssignment,
        GroupPlan,
        Meeting,
        Registration,
        RegistrationStatus,
    )
    from hafennetz.members.models import StaffAccount

    users = get_user_model().objects
    kiel = users.get(username="landeskoordination@demo.hafennetz.example")
    kiel_account = StaffAccount.objects.get(user=kiel)
    # Four demo logins of other NRW members (not Detmold, not the coordination).
    taken = {kiel_account.member_id, *meeting.co_organisers.values_list("pk", flat=True)}
    accounts = list(
        StaffAccount.objects.filter(member__state_id="05", is_demo=True)
        .exclude(member__municipality_id="05766020")
        .exclude(member_id__in=taken)
        .select_related("user", "member")
        .order_by("pk")[:4]
    )
    confirmed = RegistrationStatus.CONFIRMED
    people = [
        Registration.objects.create(
            meeting=meeting, user=kiel, member=kiel_account.member, status=confirmed
        )
    ] + [
        Registration.objects.create(meeting=meeting, user=a.user, member=a.member, status=confirmed)
        for a in accounts
    ]
    block = meeting.blocks.filter(kind=BlockKind.SMALL_GROUPS).order_by("starts_at").first()
    assert block is not None
    # Five people make two groups: the demo round's five topic tables would not fit.
    type(block).objects.filter(pk=block.pk).update(topics="")
    plan = GroupPlan.objects.create(meeting=meeting, min_size=2, max_size=3)
    # Groups {A, B} and {C, D}; E joined late (what repairing places).
    for group, registrations in enumerate((people[0:2], people[2:4])):
        for registration in registrations:
            GroupAssignment.objects.create(
                plan=plan, block=block, registration=registration, group=group
            )

    now = timezone.now()
    past = Meeting.objects.create(
        title="Vergangenes Landestreffen (Matrix)",
        level="state",
        state_id="05",
        format="digital",
        video_link="https://video.example.org/vergangen",
        starts_at=now - dt.timedelta(days=1, hours=3),
        ends_at=now - dt.timedelta(days=1),
        registration_opens_at=now - dt.timedelta(days=30),
        registration_closes_at=now - dt.timedelta(days=2),
        checkin_code="MATRIX",
    )
    past.co_organisers.set(meeting.co_organisers.all())
    past_registration = Registration.objects.create(
        meeting=past, user=kiel, member=kiel_account.member, status=confirmed
    )
    closed = Meeting.objects.create(
        title="Abgeschlossenes Landestreffen (Matrix)",
        level="state",
        state_id="05",
        format="digital",
        video_link="https://video.example.org/abgeschlossen",
        starts_at=now - dt.timedelta(days=8, hours=3),
        ends_at=now - dt.timedelta(days=8),
        registration_opens_at=now - dt.timedelta(days=30),
        registration_closes_at=now - dt.timedelta(days=9),
        checkin_code="CLOSED",
        closed_at=now - dt.timedelta(days=7),
        attendance_count=0,
    )
    for username in (
        "kommune@demo.hafennetz.example",
        "koordinierungsstelle@demo.hafennetz.example",
        "landeskoordination@demo.hafennetz.example",
    ):
        CalendarFeed.objects.create(user=users.get(username=username), token=f"matrix-{username}")
    return {
        "{registration}": people[0].pk,
        "{plan_block}": block.pk,
        "{plan_registration}": people[1].pk,
        "{past_meeting}": past.pk,
        "{closed_meeting}": closed.pk,
        "{past_registration}": past_registration.pk,
    }
