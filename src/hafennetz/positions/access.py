"""Who may do what with joint positions and the demand tracker: the one place of these rules.

* The coordination office drafts positions, names co-authors (members whose staff draft with
  it), moves the phases and keeps the demand tracker.
* Authors (the office and the co-authors' staff) edit the text while it is a draft or in the
  comment phase, and answer comments.
* Staff of every member read positions in the comment and endorsement phases; they comment
  during the comment phase. A member's staff endorse for their member during the endorsement
  phase and may change or withdraw the endorsement until the phase closes.
* Everyone (the public too) sees published and archived positions with their endorsing members,
  and the demand tracker.
"""

from __future__ import annotations

from typing import Literal

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from hafennetz.core.access import AccessDenied, Visitor, ensure
from hafennetz.members.access import check_logged_in, roles_of
from hafennetz.positions.models import (
    Comment,
    Demand,
    Endorsement,
    Position,
    PositionStatus,
)

PUBLIC_STATUSES = (PositionStatus.PUBLISHED, PositionStatus.ARCHIVED)
ALLIANCE_STATUSES = (PositionStatus.COMMENTING, PositionStatus.ENDORSING, *PUBLIC_STATUSES)
TEXT_EDITABLE = (PositionStatus.DRAFT, PositionStatus.COMMENTING)
ANSWERABLE = (PositionStatus.COMMENTING, PositionStatus.ENDORSING)


# --- predicates -------------------------------------------------------------------------------


def is_office(user: Visitor | None) -> bool:
    return roles_of(user).is_coordination_office


def _in_alliance(user: Visitor | None) -> bool:
    roles = roles_of(user)
    return roles.is_coordination_office or roles.member_id is not None


def is_author(user: Visitor | None, position: Position) -> bool:
    """The office, and the staff of the members named as co-authors."""
    roles = roles_of(user)
    if roles.is_coordination_office:
        return True
    if roles.member_id is None or position.pk is None:
        return False
    return position.coauthors.filter(pk=roles.member_id).exists()


def visible_filter(user: Visitor | None) -> Q:
    """The positions `user` may read, as a filter (the selectors use it for lists)."""
    roles = roles_of(user)
    if roles.is_coordination_office:
        return Q()
    if roles.member_id is None:
        return Q(status__in=PUBLIC_STATUSES)
    return Q(status__in=ALLIANCE_STATUSES) | Q(coauthors__id=roles.member_id)


def can_view_position(user: Visitor | None, position: Position) -> bool:
    if position.status in PUBLIC_STATUSES:
        return True
    if position.status in ALLIANCE_STATUSES:
        return _in_alliance(user)
    return is_author(user, position)


def can_create_position(user: Visitor | None) -> bool:
    return is_office(user)


def can_edit_position(user: Visitor | None, position: Position) -> bool:
    """Authors change the text while it is a draft or in the comment phase; the Potsdamer
    Erklärung is not edited here."""
    return (
        position.declaration_id is None
        and position.status in TEXT_EDITABLE
        and is_author(user, position)
    )


def can_move_phase(user: Visitor | None, position: Position) -> bool:
    return position.declaration_id is None and is_office(user)


def can_see_comments(user: Visitor | None, position: Position) -> bool:
    """Comments name people: the alliance reads them, the public does not."""
    return position.status != PositionStatus.DRAFT and _in_alliance(user)


def can_comment(user: Visitor | None, position: Position) -> bool:
    return position.status == PositionStatus.COMMENTING and roles_of(user).member_id is not None


def can_answer(user: Visitor | None, position: Position) -> bool:
    return position.status in ANSWERABLE and is_author(user, position)


def can_endorse(user: Visitor | None, position: Position) -> bool:
    """Staff of a member endorse for their member during the endorsement phase."""
    return position.status == PositionStatus.ENDORSING and roles_of(user).member_id is not None


def can_change_endorsement(user: Visitor | None, endorsement: Endorsement) -> bool:
    """The member's own staff and the office change or withdraw an endorsement (the service
    refuses it once the endorsement phase has closed)."""
    roles = roles_of(user)
    return roles.is_coordination_office or roles.member_id == endorsement.member_id


def changeable_endorsements(user: Visitor | None, position: Position) -> set[int]:
    """Ids of the endorsements of `position` that `user` may change (withdrawing: only while
    the endorsement phase lasts; the office also corrects a published list)."""
    roles = roles_of(user)
    if position.declaration_id is not None or position.status == PositionStatus.ARCHIVED:
        return set()
    endorsements = Endorsement.objects.filter(position=position)
    if not roles.is_coordination_office:
        if roles.member_id is None or position.status != PositionStatus.ENDORSING:
            return set()
        endorsements = endorsements.filter(member_id=roles.member_id)
    return set(endorsements.values_list("pk", flat=True))


def can_manage_demands(user: Visitor | None) -> bool:
    return is_office(user)


# --- access functions -------------------------------------------------------------------------

PositionPurpose = Literal["view", "edit", "move", "comment", "endorse"]


def _position(pk: int) -> Position:
    position = Position.objects.select_related("declaration").filter(pk=pk).first()
    if position is None:
        raise Http404
    return position


def access_position(user: Visitor | None, pk: int, *, purpose: PositionPurpose) -> Position:
    """The position `pk` if `user` may act on it for `purpose`; Http404 if it does not exist
    (or the user may not even see it), AccessDenied saying what was refused otherwise."""
    position = _position(pk)
    if not can_view_position(user, position):
        if not getattr(user, "is_authenticated", False):
            check_logged_in(user)
        raise AccessDenied(_("This position is a draft; only its authors may read it."))
    if purpose == "view":
        return position
    check_logged_in(user)
    if purpose == "edit":
        ensure(
            is_author(user, position),
            _("Only the coordination office and the co-authors may change this position."),
        )
    elif purpose == "move":
        ensure(is_office(user), _("Only the coordination office may move a position's phase."))
    elif purpose in ("comment", "endorse"):
        ensure(
            roles_of(user).member_id is not None,
            _("Your account does not belong to the staff of a member."),
        )
    return position


def access_comment(user: Visitor | None, pk: int) -> Comment:
    """A comment, for its authors' official answer."""
    check_logged_in(user)
    comment = Comment.objects.select_related("position", "version", "member").filter(pk=pk).first()
    if comment is None or not can_view_position(user, comment.position):
        raise Http404
    ensure(
        is_author(user, comment.position),
        _("Only the authors of the position may answer comments."),
    )
    return comment


def access_endorsement(user: Visitor | None, pk: int) -> Endorsement:
    check_logged_in(user)
    endorsement = (
        Endorsement.objects.select_related("position", "member", "version").filter(pk=pk).first()
    )
    if endorsement is None or not can_view_position(user, endorsement.position):
        raise Http404
    ensure(
        can_change_endorsement(user, endorsement),
        _("Only the staff of %(member)s and the coordination office may change its endorsement.")
        % {"member": endorsement.member.name},
    )
    return endorsement


def check_create_position(user: Visitor | None) -> None:
    check_logged_in(user)
    ensure(can_create_position(user), _("Only the coordination office may draft a position."))


def check_manage_demands(user: Visitor | None) -> None:
    check_logged_in(user)
    ensure(can_manage_demands(user), _("Only the coordination office may keep the demand tracker."))


def access_demand(user: Visitor | None, pk: int) -> Demand:
    check_manage_demands(user)
    demand = Demand.objects.filter(pk=pk).first()
    if demand is None:
        raise Http404
    return demand


__all__ = [
    "access_comment",
    "access_demand",
    "access_endorsement",
    "access_position",
    "can_answer",
    "can_change_endorsement",
    "can_comment",
    "can_create_position",
    "can_edit_position",
    "can_endorse",
    "can_manage_demands",
    "can_move_phase",
    "can_see_comments",
    "can_view_position",
    "changeable_endorsements",
    "check_create_position",
    "check_manage_demands",
    "is_author",
    "is_office",
    "visible_filter",
]
