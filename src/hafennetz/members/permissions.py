"""Who may do what with members: every role check of the platform starts here.

Roles follow from data, not from flags on the user: staff of the member that holds the
coordination office act as Koordinierungsstelle; staff of a member that currently coordinates
a state act as Länderkoordination of that state; everyone else logged in is member staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hafennetz.members.models import (
    CoordinationOfficeTerm,
    Member,
    StaffAccount,
    StateCoordination,
)

_CACHE_ATTR = "_hafennetz_roles"


@dataclass(frozen=True)
class Roles:
    member_id: int | None = None
    is_coordination_office: bool = False
    coordinated_states: frozenset[str] = frozenset()

    @property
    def is_state_coordination(self) -> bool:
        return bool(self.coordinated_states)

    @property
    def is_member_staff(self) -> bool:
        return self.member_id is not None


ANONYMOUS = Roles()


def roles_of(user: Any) -> Roles:
    """The user's roles, computed once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    member_id = (
        StaffAccount.objects.filter(user_id=user.pk).values_list("member_id", flat=True).first()
    )
    is_office = bool(user.is_superuser)
    states: frozenset[str] = frozenset()
    if member_id is not None:
        is_office = (
            is_office
            or CoordinationOfficeTerm.objects.current().filter(member_id=member_id).exists()
        )
        states = frozenset(
            StateCoordination.objects.current()
            .filter(member_id=member_id)
            .values_list("state_id", flat=True)
        )
    roles = Roles(member_id=member_id, is_coordination_office=is_office, coordinated_states=states)
    setattr(user, _CACHE_ATTR, roles)
    return roles


def forget_roles(user: Any) -> None:
    """Drop the cached roles after a change of office or coordination."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_coordination_office(user: Any) -> bool:
    return roles_of(user).is_coordination_office


def is_member_staff(user: Any) -> bool:
    return roles_of(user).is_member_staff


def can_edit_member(user: Any, member: Member) -> bool:
    roles = roles_of(user)
    return roles.is_coordination_office or roles.member_id == member.pk


def can_see_state_progress(user: Any, state_ags: str) -> bool:
    roles = roles_of(user)
    return roles.is_coordination_office or state_ags in roles.coordinated_states


# The coordination office alone manages the registry and reads the audit log.
can_manage_members = is_coordination_office
can_view_audit_log = is_coordination_office
