"""Who may do what with meetings.

The coordination office organises federal meetings and may manage every meeting; a state
coordination manages the meetings of its own state; staff of a co-organising member help manage
that meeting. Every logged-in member sees the meetings; a state meeting is open for registration
to the members of that state (and the coordination office).
"""

from __future__ import annotations

from typing import Any

from hafennetz.meetings.models import Level, Meeting
from hafennetz.members.permissions import roles_of


def can_create_meeting(user: Any) -> bool:
    roles = roles_of(user)
    return roles.is_coordination_office or roles.is_state_coordination


def can_create_at_level(user: Any, level: str, state_ags: str | None) -> bool:
    roles = roles_of(user)
    if roles.is_coordination_office:
        return True
    return level == Level.STATE and state_ags in roles.coordinated_states


def can_manage_meeting(user: Any, meeting: Meeting) -> bool:
    roles = roles_of(user)
    if roles.is_coordination_office:
        return True
    if meeting.level == Level.STATE and meeting.state_id in roles.coordinated_states:
        return True
    return roles.member_id is not None and any(
        m.pk == roles.member_id for m in meeting.co_organisers.all()
    )


def can_view_meetings(user: Any) -> bool:
    roles = roles_of(user)
    return roles.is_member_staff or roles.is_coordination_office


def can_register(user: Any, meeting: Meeting) -> bool:
    roles = roles_of(user)
    if roles.member_id is None:
        return False
    if meeting.level == Level.FEDERAL or roles.is_coordination_office:
        return True
    from hafennetz.members.models import Member

    return Member.objects.filter(pk=roles.member_id, state_id=meeting.state_id).exists()
