"""Who may do what in the member registry: the one place of the registry's rules.

Roles follow from data, not from flags on the user: staff of the member that holds the
coordination office act as Koordinierungsstelle; staff of a member that currently coordinates
a state act as Länderkoordination of that state; everyone else logged in is member staff.

Three kinds of functions (after Zulip's `access_*_by_id`):
* predicates `can_*` (pure, bool) for templates' flags and for services;
* access functions `access_*` that look an object up (Http404 if it does not exist) and return
  it, or raise `AccessDenied` with a message that says what was refused; `check_*` for rights
  without an object;
* `writable_member_fields`: which profile fields a user may write.
Views, services, the API and background tasks all call these, so no rule is written twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hafennetz.core.access import AccessDenied, Actor, Visitor, ensure
from hafennetz.members.models import (
    Contact,
    CoordinationOfficeTerm,
    Member,
    Signature,
    StaffAccount,
    StateCoordination,
)
from hafennetz.members.selectors import member_by_ags

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


def roles_of(user: Visitor | None) -> Roles:
    """The user's roles, computed once per request (cached on the user object)."""
    # getattr: tolerate any actor (a system job's label) while the apps move to typed actors.
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if isinstance(cached, Roles):
        return cached
    user_id: int = user.pk
    # The staff of a member that has left the alliance keep their login but act for no member
    # (no member's pages, reports, comments or endorsements) until the member rejoins.
    today = timezone.localdate()
    member_id = (
        StaffAccount.objects.filter(user_id=user_id)
        .filter(Q(member__left_on__isnull=True) | Q(member__left_on__gt=today))
        .values_list("member_id", flat=True)
        .first()
    )
    is_office = bool(getattr(user, "is_superuser", False))
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


def forget_roles(user: Visitor | None) -> None:
    """Drop the cached roles after a change of office or coordination."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


# --- predicates -------------------------------------------------------------------------------


def is_coordination_office(user: Visitor | None) -> bool:
    return roles_of(user).is_coordination_office


def is_member_staff(user: Visitor | None) -> bool:
    return roles_of(user).is_member_staff


def can_edit_member(user: Visitor | None, member: Member) -> bool:
    """The member's own staff and the coordination office edit its profile and contacts
    (and fill in its Lagebild reports: the situation app uses this predicate)."""
    roles = roles_of(user)
    return roles.is_coordination_office or (
        roles.member_id is not None and roles.member_id == member.pk
    )


def can_see_internal_contacts(user: Visitor | None, member: Member) -> bool:
    """Contacts not marked public are for the member's own staff and the office."""
    return can_edit_member(user, member)


def can_manage_members(user: Visitor | None) -> bool:
    """The coordination office alone manages the registry (members, signatures, leaving,
    coordinations, invitations, import and export)."""
    return is_coordination_office(user)


def can_view_audit_log(user: Visitor | None) -> bool:
    return is_coordination_office(user)


# Profile fields every editor writes, and the ones only the coordination office writes
# (the registry's facts about membership).
PROFILE_FIELDS: frozenset[str] = frozenset(
    {"name", "website", "description", "safe_harbour_resolution_on"}
)
OFFICE_FIELDS: frozenset[str] = frozenset({"joined_on"})


def writable_member_fields(user: Visitor | None, member: Member) -> frozenset[str]:
    """The profile fields `user` may write on `member` (empty: none)."""
    if is_coordination_office(user):
        return PROFILE_FIELDS | OFFICE_FIELDS
    if can_edit_member(user, member):
        return PROFILE_FIELDS
    return frozenset()


def actor_may(actor: Actor, allowed: bool) -> bool:
    """Services: a system job (actor None) may do everything; a user only what is allowed."""
    return actor is None or allowed


# --- access functions -------------------------------------------------------------------------

MemberPurpose = Literal["view", "edit", "record_signature", "mark_left", "rejoin"]
OfficeTask = Literal[
    "create",
    "record_signature",
    "mark_left",
    "rejoin",
    "territories",
    "coordination",
    "invitations",
    "import",
    "export",
]


def _office_message(task: OfficeTask) -> str:
    messages = {
        "create": _("Only the coordination office may add members."),
        "record_signature": _("Only the coordination office may record signatures."),
        "mark_left": _("Only the coordination office may record that a member left."),
        "rejoin": _("Only the coordination office may record that a member rejoined."),
        "territories": _("Only the coordination office may look up unregistered territories."),
        "coordination": _(
            "Only the coordination office may assign state coordinations and hand over the office."
        ),
        "invitations": _("Only the coordination office may invite people to a member's staff."),
        "import": _("Only the coordination office may import members."),
        "export": _("Only the coordination office may export the member registry."),
    }
    return messages[task]


def check_logged_in(user: Visitor | None) -> None:
    """Pages any logged-in user sees (anonymous visitors are sent to the login)."""
    ensure(bool(getattr(user, "is_authenticated", False)), _("Please log in to see this page."))


def check_manage_members(user: Visitor | None, task: OfficeTask) -> None:
    check_logged_in(user)
    ensure(can_manage_members(user), _office_message(task))


def check_view_audit_log(user: Visitor | None) -> None:
    check_logged_in(user)
    ensure(can_view_audit_log(user), _("Only the coordination office may read the audit log."))


def access_member(user: Visitor | None, ags: str, *, purpose: MemberPurpose) -> Member:
    """The member with this AGS if `user` may act on it for `purpose`; Http404 if there is no
    such member, AccessDenied (saying what was refused) if the user may not."""
    if purpose != "view":
        check_logged_in(user)
    member = member_by_ags(ags)
    if purpose == "edit":
        ensure(
            can_edit_member(user, member),
            _("Only the staff of %(member)s and the coordination office may edit its profile.")
            % {"member": member.name},
        )
    elif purpose == "record_signature":
        check_manage_members(user, "record_signature")
    elif purpose == "mark_left":
        check_manage_members(user, "mark_left")
    elif purpose == "rejoin":
        check_manage_members(user, "rejoin")
    return member


def access_contact(user: Visitor | None, ags: str, pk: int) -> tuple[Member, Contact]:
    """A contact of the member with this AGS, for editing or deleting."""
    check_logged_in(user)
    member = member_by_ags(ags)
    contact = Contact.objects.filter(pk=pk, member=member).first()
    if contact is None:
        raise Http404
    ensure(
        can_edit_member(user, member),
        _("Only the staff of %(member)s and the coordination office may change its contacts.")
        % {"member": member.name},
    )
    return member, contact


def access_member_for_contacts(user: Visitor | None, ags: str) -> Member:
    """The member whose contacts `user` adds to."""
    check_logged_in(user)
    member = member_by_ags(ags)
    ensure(
        can_edit_member(user, member),
        _("Only the staff of %(member)s and the coordination office may change its contacts.")
        % {"member": member.name},
    )
    return member


def access_signature(user: Visitor | None, ags: str, pk: int) -> tuple[Member, Signature]:
    """A recorded signature of the member with this AGS, for correcting or deleting it (the
    coordination office keeps the signatures, as it records them)."""
    check_manage_members(user, "record_signature")
    member = member_by_ags(ags)
    signature = Signature.objects.select_related("declaration").filter(pk=pk, member=member).first()
    if signature is None:
        raise Http404
    return member, signature


def access_own_member(user: Visitor | None) -> Member:
    """The member whose staff `user` belongs to."""
    check_logged_in(user)
    member_id = roles_of(user).member_id
    member = Member.objects.filter(pk=member_id).first() if member_id is not None else None
    if member is None:
        raise AccessDenied(_("Your account does not belong to the staff of a member."))
    return member


__all__ = [
    "ANONYMOUS",
    "OFFICE_FIELDS",
    "PROFILE_FIELDS",
    "MemberPurpose",
    "OfficeTask",
    "Roles",
    "access_contact",
    "access_member",
    "access_member_for_contacts",
    "access_own_member",
    "access_signature",
    "actor_may",
    "can_edit_member",
    "can_manage_members",
    "can_see_internal_contacts",
    "can_view_audit_log",
    "check_logged_in",
    "check_manage_members",
    "check_view_audit_log",
    "forget_roles",
    "is_coordination_office",
    "is_member_staff",
    "roles_of",
    "writable_member_fields",
]
