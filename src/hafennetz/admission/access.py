"""Who may do what with pledges — the one place of the admission rules.

* A member's staff and the coordination office record, edit and change the status of the
  member's pledges.
* The state coordination of the member's state sees them (to coordinate with its Land).
* Everyone else sees only the pledged places as aggregates (member page, map).
"""

from __future__ import annotations

from typing import Literal

from django.http import Http404
from django.utils.translation import gettext as _

from hafennetz.admission.models import (
    AllocationRun,
    Contingent,
    Household,
    Override,
    Placement,
    Pledge,
    PledgeStatus,
)
from hafennetz.core.access import Actor, Visitor, ensure
from hafennetz.core.models import State
from hafennetz.members.access import (
    can_edit_member,
    check_logged_in,
    is_coordination_office,
    roles_of,
)
from hafennetz.members.models import Member
from hafennetz.members.selectors import member_by_ags

PledgePurpose = Literal["view", "edit"]

# Status changes a pledge allows; withdrawn and used up are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    PledgeStatus.OFFERED: frozenset({PledgeStatus.ACCEPTED, PledgeStatus.WITHDRAWN}),
    PledgeStatus.ACCEPTED: frozenset({PledgeStatus.USED, PledgeStatus.WITHDRAWN}),
    PledgeStatus.USED: frozenset(),
    PledgeStatus.WITHDRAWN: frozenset(),
}


def can_view_pledges(user: Visitor | None, member: Member) -> bool:
    roles = roles_of(user)
    return can_edit_member(user, member) or member.state_id in roles.coordinated_states


def can_edit_pledges(user: Visitor | None, member: Member) -> bool:
    return can_edit_member(user, member)


def can_change_pledge(user: Visitor | None, pledge: Pledge) -> bool:
    """Places, offers and notes can be changed while the pledge is offered or accepted."""
    return can_edit_pledges(user, pledge.member) and pledge.is_active


def next_statuses(user: Visitor | None, pledge: Pledge) -> frozenset[str]:
    if not can_edit_pledges(user, pledge.member):
        return frozenset()
    return TRANSITIONS[pledge.status]


def actor_may_edit_pledges(actor: Actor, member: Member) -> bool:
    """Services: a system job (None) may; a user only for its own member or as the office."""
    return actor is None or can_edit_pledges(actor, member)


def can_see_pledge_overview(user: Visitor | None) -> bool:
    """The alliance-wide list of pledges (per member) is the office's working view."""
    return is_coordination_office(user)


def access_member_pledges(user: Visitor | None, ags: str, *, purpose: PledgePurpose) -> Member:
    """The member whose pledges `user` views or records; Http404 for an unknown AGS."""
    check_logged_in(user)
    member = member_by_ags(ags)
    if purpose == "view":
        ensure(
            can_view_pledges(user, member),
            _(
                "Only the staff of %(member)s, its state coordination and the coordination "
                "office may see its pledges."
            )
            % {"member": member.name},
        )
    else:
        ensure(
            can_edit_pledges(user, member),
            _("Only the staff of %(member)s and the coordination office may record its pledges.")
            % {"member": member.name},
        )
    return member


def access_pledge(user: Visitor | None, pk: int, *, purpose: PledgePurpose) -> Pledge:
    check_logged_in(user)
    pledge = Pledge.objects.select_related("member").filter(pk=pk).first()
    if pledge is None:
        raise Http404
    access_member_pledges(user, pledge.member.ags, purpose=purpose)
    if purpose == "edit":
        ensure(
            pledge.is_active,
            _("A pledge that was withdrawn or used up can no longer be changed."),
        )
    return pledge


def check_pledge_overview(user: Visitor | None) -> None:
    check_logged_in(user)
    ensure(
        can_see_pledge_overview(user),
        _("Only the coordination office sees the pledges of all members."),
    )


# --- contingents and key tables: the coordination office's work ------------------------------


def can_manage_contingents(user: Visitor | None) -> bool:
    return is_coordination_office(user)


def actor_may_manage_contingents(actor: Actor) -> bool:
    return actor is None or can_manage_contingents(actor)


def check_manage_contingents(user: Visitor | None) -> None:
    check_logged_in(user)
    ensure(
        can_manage_contingents(user),
        _("Only the coordination office manages contingents and distribution keys."),
    )


def access_contingent(user: Visitor | None, pk: int) -> Contingent:
    check_manage_contingents(user)
    contingent = Contingent.objects.filter(pk=pk).select_related("key_table").first()
    if contingent is None:
        raise Http404
    return contingent


# --- households: pseudonymous case data, the coordination office's until a run is approved ----


def access_household(user: Visitor | None, pk: int) -> Household:
    check_logged_in(user)
    ensure(
        can_manage_contingents(user),
        _("Only the coordination office sees households before an allocation is approved."),
    )
    household = Household.objects.select_related("contingent").filter(pk=pk).first()
    if household is None:
        raise Http404
    return household


def access_run(user: Visitor | None, pk: int) -> AllocationRun:
    check_manage_contingents(user)
    run = AllocationRun.objects.select_related("contingent").filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


# --- placements: after approval the receiving member sees its own households ------------------


def can_see_placements(user: Visitor | None, member: Member) -> bool:
    return can_edit_member(user, member)


def actor_may_answer_placement(actor: Actor, placement: Placement) -> bool:
    return actor is None or can_see_placements(actor, placement.member)


def access_member_placements(user: Visitor | None, ags: str) -> Member:
    check_logged_in(user)
    member = member_by_ags(ags)
    ensure(
        can_see_placements(user, member),
        _(
            "Only the staff of %(member)s and the coordination office see the households "
            "allocated to it."
        )
        % {"member": member.name},
    )
    return member


def access_placement(user: Visitor | None, pk: int) -> Placement:
    check_logged_in(user)
    placement = Placement.objects.select_related("member", "household", "run").filter(pk=pk).first()
    if placement is None:
        raise Http404
    access_member_placements(user, placement.member.ags)
    return placement


# --- the public transparency page ---------------------------------------------------------------


def access_public_contingent(pk: int) -> Contingent:
    """A contingent whose figures are public: one with an approved run (anyone may look,
    without logging in). Others do not exist for the public (Http404)."""
    contingent = (
        Contingent.objects.filter(pk=pk, runs__approved_at__isnull=False)
        .select_related("key_table")
        .distinct()
        .first()
    )
    if contingent is None:
        raise Http404
    return contingent


# --- results, decision report, state aggregates (issue 13: results side by side) ---------------


def can_see_state_aggregates(user: Visitor | None, state: str) -> bool:
    """A state coordination sees the aggregates of its state's approved placements."""
    return is_coordination_office(user) or state in roles_of(user).coordinated_states


def access_run_extract(user: Visitor | None, pk: int, ags: str) -> tuple[AllocationRun, Member]:
    """An approved run and a member whose own households in it `user` may see: the member's
    staff and the coordination office, only after approval (before, no member sees anything)."""
    check_logged_in(user)
    member = member_by_ags(ags)
    ensure(
        can_see_placements(user, member),
        _(
            "Only the staff of %(member)s and the coordination office see the households "
            "allocated to it."
        )
        % {"member": member.name},
    )
    run = (
        AllocationRun.objects.filter(pk=pk, approved_at__isnull=False)
        .select_related("contingent__key_table")
        .first()
    )
    if run is None:
        raise Http404
    return run, member


def access_state_aggregates(user: Visitor | None, state: str) -> str:
    """The state (its two-digit key) whose aggregates `user` may see; Http404 if unknown."""
    check_logged_in(user)
    if not State.objects.filter(pk=state).exists():
        raise Http404
    ensure(
        can_see_state_aggregates(user, state),
        _("Only the state coordination of this state and the coordination office see its figures."),
    )
    return state


def access_override(user: Visitor | None, pk: int) -> Override:
    check_manage_contingents(user)
    override = (
        Override.objects.select_related("household", "member", "contingent").filter(pk=pk).first()
    )
    if override is None:
        raise Http404
    return override


def access_state_list(user: Visitor | None) -> list[str]:
    """The states whose aggregates `user` may see: the office all, a state coordination its own."""
    check_logged_in(user)
    if is_coordination_office(user):
        return list(State.objects.order_by("name").values_list("ags", flat=True))
    states = sorted(roles_of(user).coordinated_states)
    ensure(
        bool(states),
        _("Only a state coordination and the coordination office see the figures of a state."),
    )
    return states
