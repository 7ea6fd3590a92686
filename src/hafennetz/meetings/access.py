"""Who may do what with working meetings: the one place of the meetings app's rules.

The coordination office organises federal meetings and may manage every meeting; a state
coordination creates and manages the meetings of its own state; staff of a co-organising member
help manage that meeting. Every logged-in member sees the meetings; a state meeting is open for
registration to the members of that state (and the coordination office). Follow-up tasks are
updated by the meeting's organisers and by the responsible member.

Predicates (`can_*`) are pure and serve templates' flags and services; `access_*` functions turn
identifiers from a URL or payload into objects for a stated purpose, or raise `AccessDenied`
with a message that says what was refused (Http404 when the object does not exist).
"""

from __future__ import annotations

from typing import Literal

from django.http import Http404
from django.utils.translation import gettext as _

from hafennetz.core.access import AccessDenied, Visitor, ensure
from hafennetz.meetings.models import (
    AgendaBlock,
    CalendarFeed,
    FollowUp,
    Level,
    Meeting,
    Registration,
    RegistrationStatus,
)
from hafennetz.members.access import roles_of
from hafennetz.members.models import Member

MeetingPurpose = Literal["view", "manage", "register", "check_in"]


# --- predicates -------------------------------------------------------------------------------


def can_view_meetings(user: Visitor | None) -> bool:
    roles = roles_of(user)
    return roles.is_member_staff or roles.is_coordination_office


def can_create_meeting(user: Visitor | None) -> bool:
    roles = roles_of(user)
    return roles.is_coordination_office or roles.is_state_coordination


def can_place_meeting(
    user: Visitor | None, level: str | None, state_ags: str | None, meeting: Meeting | None = None
) -> bool:
    """May `user` hold a meeting at `level` in `state_ags`? The office anywhere; a state
    coordination only in its own state(s). An organiser of an existing meeting may keep its
    level and state unchanged (a co-organiser edits the text, not where the meeting belongs)."""
    roles = roles_of(user)
    if roles.is_coordination_office:
        return True
    if (
        meeting is not None
        and meeting.pk is not None
        and level == meeting.level
        and (state_ags or None) == (meeting.state_id or None)
        and can_manage_meeting(user, meeting)
    ):
        return True
    return level == Level.STATE and state_ags in roles.coordinated_states


def meeting_places(
    user: Visitor | None, meeting: Meeting | None = None
) -> tuple[list[str], frozenset[str] | None]:
    """The levels and the states (None: every state) `user` may choose in the meeting form:
    what `can_place_meeting` allows, so the form offers nothing that would be refused."""
    roles = roles_of(user)
    if roles.is_coordination_office:
        return list(Level.values), None
    levels = {Level.STATE.value} if roles.coordinated_states else set()
    states = set(roles.coordinated_states)
    if meeting is not None and meeting.pk is not None:
        levels.add(meeting.level)
        if meeting.state_id:
            states.add(meeting.state_id)
    return [level for level in Level.values if level in levels], frozenset(states)


def can_manage_meeting(user: Visitor | None, meeting: Meeting) -> bool:
    roles = roles_of(user)
    if roles.is_coordination_office:
        return True
    if meeting.level == Level.STATE and meeting.state_id in roles.coordinated_states:
        return True
    return roles.member_id is not None and any(
        m.pk == roles.member_id for m in meeting.co_organisers.all()
    )


def can_register(user: Visitor | None, meeting: Meeting) -> bool:
    """May `user` attend (register for) `meeting`: staff of a member; for a state meeting, staff
    of a member of that state or of the coordination office. Windows and places are the
    service's business, not a right."""
    roles = roles_of(user)
    if roles.member_id is None:
        return False
    if meeting.level == Level.FEDERAL or roles.is_coordination_office:
        return True
    return Member.objects.filter(pk=roles.member_id, state_id=meeting.state_id).exists()


def _user_id(user: Visitor | None) -> int | None:
    if user is None or not user.is_authenticated:
        return None
    return int(user.pk)


def can_check_in(user: Visitor | None, meeting: Meeting) -> bool:
    """Self check-in with the code: people with a confirmed registration."""
    user_id = _user_id(user)
    if user_id is None:
        return False
    return meeting.registrations.filter(
        user_id=user_id, status=RegistrationStatus.CONFIRMED
    ).exists()


def can_set_follow_up_status(user: Visitor | None, follow_up: FollowUp) -> bool:
    """The meeting's organisers and the responsible member update a task's status."""
    return roles_of(user).member_id == follow_up.owner_id or can_manage_meeting(
        user, follow_up.meeting
    )


def can_reopen_meeting(user: Visitor | None) -> bool:
    """Reopening a closed meeting is the coordination office's (with a reason, audited)."""
    return roles_of(user).is_coordination_office


def can_see_video_link(
    user: Visitor | None, meeting: Meeting, registration: Registration | None
) -> bool:
    confirmed = registration is not None and registration.status == RegistrationStatus.CONFIRMED
    return confirmed or can_manage_meeting(user, meeting)


# --- access functions -------------------------------------------------------------------------


def check_view_meetings(user: Visitor | None) -> None:
    ensure(can_view_meetings(user), _("Only staff of alliance members can see the meetings."))


def check_create_meeting(
    user: Visitor | None,
    level: str | None = None,
    state_ags: str | None = None,
    meeting: Meeting | None = None,
) -> None:
    """Without a level: may the user create meetings at all. With one: at that level/state."""
    if meeting is None:
        ensure(
            can_create_meeting(user),
            _("Only the coordination office and state coordinations may create meetings."),
        )
    if level is not None and not can_place_meeting(user, level, state_ags or None, meeting):
        raise AccessDenied(_("You may only organise meetings of your own state."))


def check_manage_meeting(user: Visitor | None, meeting: Meeting) -> None:
    ensure(
        can_manage_meeting(user, meeting),
        _("Only the organisers of this meeting may manage it."),
    )


def check_reopen_meeting(user: Visitor | None) -> None:
    ensure(
        can_reopen_meeting(user),
        _("Only the coordination office may reopen a closed meeting."),
    )


def check_register(user: Visitor | None, meeting: Meeting) -> None:
    ensure(
        can_register(user, meeting),
        _("Registration for this meeting is open to the members of its state only."),
    )


def check_set_follow_up_status(user: Visitor | None, follow_up: FollowUp) -> None:
    ensure(
        can_set_follow_up_status(user, follow_up),
        _("Only the organisers and the responsible member may change the status of this task."),
    )


def _meeting(pk: int) -> Meeting:
    meeting = (
        Meeting.objects.select_related("state", "created_by")
        .prefetch_related("co_organisers", "blocks")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def access_meeting(user: Visitor | None, pk: int, purpose: MeetingPurpose = "view") -> Meeting:
    """The meeting `pk` if `user` may act on it for `purpose`."""
    check_view_meetings(user)
    meeting = _meeting(pk)
    if purpose == "manage":
        check_manage_meeting(user, meeting)
    elif purpose == "register":
        check_register(user, meeting)
    elif purpose == "check_in":
        ensure(
            can_check_in(user, meeting),
            _("Only people with a confirmed registration can check in to this meeting."),
        )
    return meeting


def access_own_registration(user: Visitor | None, pk: int) -> Registration:
    """The user's active registration for meeting `pk` (404 if there is none)."""
    meeting = access_meeting(user, pk)
    user_id = _user_id(user)
    registration = (
        meeting.registrations.exclude(status=RegistrationStatus.CANCELLED)
        .filter(user_id=user_id)
        .select_related("meeting")
        .first()
        if user_id is not None
        else None
    )
    if registration is None:
        raise Http404
    return registration


def access_registration(user: Visitor | None, pk: int, registration_id: int) -> Registration:
    """A registration of meeting `pk`, for its organisers (roles, group moves)."""
    meeting = access_meeting(user, pk, "manage")
    registration = meeting.registrations.select_related("meeting").filter(pk=registration_id)
    found = registration.first()
    if found is None:
        raise Http404
    return found


def access_agenda_block(user: Visitor | None, pk: int, block_id: int) -> AgendaBlock:
    meeting = access_meeting(user, pk, "manage")
    block = AgendaBlock.objects.select_related("meeting").filter(pk=block_id, meeting=meeting)
    found = block.first()
    if found is None:
        raise Http404
    return found


def access_follow_up(user: Visitor | None, pk: int, follow_up_id: int) -> FollowUp:
    """A follow-up task of meeting `pk` whose status `user` may set."""
    meeting = access_meeting(user, pk)
    follow_up = FollowUp.objects.select_related("meeting").filter(pk=follow_up_id, meeting=meeting)
    found = follow_up.first()
    if found is None:
        raise Http404
    check_set_follow_up_status(user, found)
    return found


def access_calendar_feed(token: str) -> CalendarFeed:
    """The personal feed of a secret token (no login: calendar apps cannot). 404 otherwise."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.token or not feed.user.is_active:
        raise Http404
    return feed
