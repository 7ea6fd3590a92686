"""Who may do what in the Austausch (practice library, peer learning): the one place of the
exchange app's rules (ADR 0006, ADR 0060).

* Member staff write practices for their own member; the coordination office for every member.
* A published practice is seen by everyone if it is public, by every logged-in user of the
  alliance if it is alliance-only; a draft only by its member's staff and the office.
  Attachments follow their practice.
* Staff of any member mark a visible published practice as helpful, comment and ask.
* A member's staff (and the office) say on which topics the member is glad to be asked, and
  through which contact person.
* Staff of a member ask a peer for contact; the two members' staff (and the office) see the
  request, the peer's staff answer it. The peer's contact address is shown to the asking
  member only after the peer accepted, unless the contact is public anyway.
* The topic × member overview: the office for every state, a state coordination for its own
  states. Single strain levels follow the Lagebild's rules (`situation.access`).
* References from a meeting's agenda item or follow-up task: whoever manages the meeting.
"""

from __future__ import annotations

from typing import Literal

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from hafennetz.core.access import AccessDenied, Actor, Visitor, ensure
from hafennetz.exchange.models import (
    Attachment,
    ContactRequest,
    Practice,
    PracticeStatus,
    RequestStatus,
    Visibility,
)
from hafennetz.meetings import access as meetings_access
from hafennetz.meetings.models import AgendaBlock, FollowUp, Meeting
from hafennetz.members.access import (
    access_member,
    access_own_member,
    check_logged_in,
    roles_of,
)
from hafennetz.members.models import Contact, Member

PracticePurpose = Literal["view", "edit", "interact"]
RequestPurpose = Literal["view", "answer"]


def is_logged_in(user: Visitor | None) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def actor_may(actor: Actor, allowed: bool) -> bool:
    """Services: a system job (actor None) may do everything; a user only what is allowed."""
    return actor is None or allowed


# --- predicates -------------------------------------------------------------------------------


def can_write_practice_for(user: Visitor | None, member: Member) -> bool:
    roles = roles_of(user)
    return roles.is_coordination_office or (
        roles.member_id is not None and roles.member_id == member.pk
    )


def can_write_practices(user: Visitor | None) -> bool:
    roles = roles_of(user)
    return roles.is_coordination_office or roles.is_member_staff


def can_edit_practice(user: Visitor | None, practice: Practice) -> bool:
    return can_write_practice_for(user, practice.member)


def can_view_practice(user: Visitor | None, practice: Practice) -> bool:
    if can_edit_practice(user, practice):
        return True
    if practice.status != PracticeStatus.PUBLISHED:
        return False
    return practice.visibility == Visibility.PUBLIC or is_logged_in(user)


def visible_practices(user: Visitor | None) -> Q:
    """The practices `user` may see, as a filter."""
    roles = roles_of(user)
    if roles.is_coordination_office:
        return Q()
    published = Q(status=PracticeStatus.PUBLISHED)
    if not is_logged_in(user):
        return published & Q(visibility=Visibility.PUBLIC)
    if roles.member_id is not None:
        return published | Q(member_id=roles.member_id)
    return published


def can_interact(user: Visitor | None, practice: Practice) -> bool:
    """Mark as helpful, comment, ask: staff of a member (or the office), on a published
    practice they see."""
    roles = roles_of(user)
    return (
        (roles.is_member_staff or roles.is_coordination_office)
        and practice.is_published
        and can_view_practice(user, practice)
    )


def can_manage_opt_ins(user: Visitor | None, member: Member) -> bool:
    return can_write_practice_for(user, member)


def can_request_contact(user: Visitor | None) -> bool:
    return roles_of(user).member_id is not None


def can_view_request(user: Visitor | None, request: ContactRequest) -> bool:
    roles = roles_of(user)
    return roles.is_coordination_office or roles.member_id in {
        request.from_member_id,
        request.to_member_id,
    }


def can_answer_request(user: Visitor | None, request: ContactRequest) -> bool:
    return request.is_open and roles_of(user).member_id == request.to_member_id


def may_see_peer_address(user: Visitor | None, request: ContactRequest) -> bool:
    """The peer's contact address: after the peer accepted, or if it is public anyway; the
    peer's own staff and the office see it always."""
    roles = roles_of(user)
    if roles.is_coordination_office or roles.member_id == request.to_member_id:
        return True
    return request.status == RequestStatus.ACCEPTED or bool(
        request.to_contact and request.to_contact.is_public
    )


def can_see_overview(user: Visitor | None) -> bool:
    roles = roles_of(user)
    return roles.is_coordination_office or roles.is_state_coordination


def overview_states(user: Visitor | None) -> list[str] | None:
    """The states whose members the user sees in the overview; None: all of them."""
    roles = roles_of(user)
    if roles.is_coordination_office:
        return None
    return sorted(roles.coordinated_states)


def can_reference_from(user: Visitor | None, meeting: Meeting) -> bool:
    return meetings_access.can_manage_meeting(user, meeting)


# --- access functions -------------------------------------------------------------------------


def check_write_practices(user: Visitor | None) -> None:
    check_logged_in(user)
    ensure(
        can_write_practices(user),
        _("Only the staff of a member and the coordination office may write practices."),
    )


def access_member_for_practice(user: Visitor | None, ags: str) -> Member:
    """The member a new practice is written for."""
    check_logged_in(user)
    member = access_member(user, ags, purpose="view")
    ensure(
        can_write_practice_for(user, member),
        _("Only the staff of %(member)s and the coordination office may write its practices.")
        % {"member": member.name},
    )
    return member


def _practice(pk: int) -> Practice:
    practice = (
        Practice.objects.select_related("member", "contact", "member__state").filter(pk=pk).first()
    )
    if practice is None:
        raise Http404
    return practice


def access_practice(user: Visitor | None, pk: int, purpose: PracticePurpose = "view") -> Practice:
    practice = _practice(pk)
    if purpose == "view":
        if not can_view_practice(user, practice):
            # Alliance-only practices: the login; drafts of others: refused.
            check_logged_in(user)
            raise AccessDenied(
                _("This practice is a draft of %(member)s.") % {"member": practice.member.name}
            )
    elif purpose == "edit":
        check_logged_in(user)
        ensure(
            can_edit_practice(user, practice),
            _("Only the staff of %(member)s and the coordination office may change this practice.")
            % {"member": practice.member.name},
        )
    else:
        check_logged_in(user)
        ensure(
            can_interact(user, practice),
            _("Only staff of a member may mark, comment on or ask about a published practice."),
        )
    return practice


def access_attachment(user: Visitor | None, pk: int, *, edit: bool = False) -> Attachment:
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    access_practice(user, attachment.practice_id, "edit" if edit else "view")
    return attachment


def access_member_for_opt_ins(user: Visitor | None, ags: str | None) -> Member:
    """Whose opt-ins are set: the user's own member, or (office) the member named by AGS."""
    if ags is None:
        return access_own_member(user)
    check_logged_in(user)
    member = access_member(user, ags, purpose="view")
    ensure(
        can_manage_opt_ins(user, member),
        _("Only the staff of %(member)s and the coordination office may change its readiness.")
        % {"member": member.name},
    )
    return member


def check_request_contact(user: Visitor | None) -> Member:
    """The member on whose behalf the user asks a peer."""
    check_logged_in(user)
    ensure(
        can_request_contact(user),
        _("Only the staff of a member may ask another member for contact."),
    )
    return access_own_member(user)


def check_view_requests(user: Visitor | None) -> None:
    """The list of contact requests: member staff (their member's), the office (all)."""
    check_logged_in(user)
    roles = roles_of(user)
    ensure(
        roles.member_id is not None or roles.is_coordination_office,
        _("Only the staff of a member may ask another member for contact."),
    )


def access_contact_request(
    user: Visitor | None, pk: int, purpose: RequestPurpose = "view"
) -> ContactRequest:
    check_logged_in(user)
    request = (
        ContactRequest.objects.select_related(
            "from_member", "to_member", "from_contact", "to_contact", "topic", "practice"
        )
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404
    ensure(
        can_view_request(user, request),
        _("Only the two members concerned and the coordination office see this request."),
    )
    if purpose == "answer":
        ensure(
            roles_of(user).member_id == request.to_member_id,
            _("Only the staff of %(member)s may answer this request.")
            % {"member": request.to_member.name},
        )
    return request


def check_overview(user: Visitor | None) -> list[str] | None:
    check_logged_in(user)
    ensure(
        can_see_overview(user),
        _("Only the coordination office and the state coordinations see the overview."),
    )
    return overview_states(user)


def access_meeting_for_seeding(user: Visitor | None, pk: int) -> Meeting:
    check_overview(user)
    return meetings_access.access_meeting(user, pk, "manage")


def access_reference_target(
    user: Visitor | None, kind: str, pk: int
) -> tuple[Meeting, AgendaBlock | None, FollowUp | None]:
    """The agenda item or follow-up task a reference is added to or removed from."""
    check_logged_in(user)
    if kind == "block":
        block = AgendaBlock.objects.select_related("meeting").filter(pk=pk).first()
        if block is None:
            raise Http404
        meeting, follow_up = block.meeting, None
    elif kind == "task":
        follow_up = FollowUp.objects.select_related("meeting").filter(pk=pk).first()
        if follow_up is None:
            raise Http404
        meeting, block = follow_up.meeting, None
    else:
        raise Http404
    ensure(
        can_reference_from(user, meeting),
        _("Only the organisers of the meeting may add or remove references."),
    )
    return meeting, block, follow_up


def own_contacts(member: Member) -> list[Contact]:
    return list(Contact.objects.filter(member=member).order_by("name"))


__all__ = [
    "access_attachment",
    "access_contact_request",
    "access_meeting_for_seeding",
    "access_member_for_opt_ins",
    "access_member_for_practice",
    "access_practice",
    "access_reference_target",
    "actor_may",
    "can_answer_request",
    "can_edit_practice",
    "can_interact",
    "can_manage_opt_ins",
    "can_reference_from",
    "can_request_contact",
    "can_see_overview",
    "can_view_practice",
    "can_view_request",
    "can_write_practice_for",
    "can_write_practices",
    "check_overview",
    "check_request_contact",
    "check_view_requests",
    "check_write_practices",
    "may_see_peer_address",
    "overview_states",
    "visible_practices",
]
