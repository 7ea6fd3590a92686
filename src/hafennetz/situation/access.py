"""Who may do what in the Lagebild: the one place of the situation app's rules.

* Member staff fill in their own member's report and see all its versions; the coordination
  office may too.
* A state coordination follows the progress of its state's members, sees all their reports,
  reminds them and exports their rows.
* The coordination office does everything: questionnaires, rounds, reviews, exports, and it sees
  aggregates without disclosure control.
* Every logged-in user sees the dashboards (aggregates under disclosure control, ADR 0040) and
  the current, submitted reports other members chose to share; the public sees the nationwide
  aggregates.
* The office's review comment is for the reporting member only: the office and the member's
  own staff read it, nobody else (not the state coordination, not other members).

Predicates (`can_*`) are pure and serve templates' flags and services; `access_*` functions turn
identifiers from a URL into objects for a stated purpose or raise `AccessDenied` (Http404 when
the object does not exist); `check_*` guard rights without an object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from hafennetz.core.access import Actor, Visitor, ensure
from hafennetz.members import selectors as member_selectors
from hafennetz.members.access import can_edit_member, roles_of
from hafennetz.members.models import Member
from hafennetz.situation.models import SituationReport, SurveyRound

ReportPurpose = Literal["view", "edit", "review"]


# --- predicates -------------------------------------------------------------------------------


def is_logged_in(user: Visitor | None) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_manage_survey(user: Visitor | None) -> bool:
    """Topics, questionnaires and survey rounds."""
    return roles_of(user).is_coordination_office


def can_review(user: Visitor | None) -> bool:
    return roles_of(user).is_coordination_office


def sees_every_aggregate(user: Visitor | None) -> bool:
    """The office sees aggregates without disclosure control (it sees every report anyway)."""
    return roles_of(user).is_coordination_office


def can_edit_report(user: Visitor | None, member: Member) -> bool:
    """Fill in, correct and submit the member's report: its staff and the office."""
    return can_edit_member(user, member)


def can_follow_progress(user: Visitor | None) -> bool:
    """Sees a progress page at all (for the states it coordinates, or all of them)."""
    roles = roles_of(user)
    return roles.is_coordination_office or roles.is_state_coordination


def can_export(user: Visitor | None) -> bool:
    return can_follow_progress(user)


def progress_states(user: Visitor | None, survey_round: SurveyRound) -> list[str] | None:
    """States whose progress the user follows in this round: None means all of them."""
    roles = roles_of(user)
    if roles.is_coordination_office:
        return None
    states = sorted(roles.coordinated_states)
    if survey_round.state_id:
        states = [s for s in states if s == survey_round.state_id]
    return states


def can_see_all_reports_of(user: Visitor | None, member: Member) -> bool:
    """Sees the member's reports (every version) whether shared or not."""
    roles = roles_of(user)
    return (
        roles.is_coordination_office
        or roles.member_id == member.pk
        or member.state_id in roles.coordinated_states
    )


def can_view_report(user: Visitor | None, report: SituationReport) -> bool:
    if can_see_all_reports_of(user, report.member):
        return True
    return is_logged_in(user) and report.share_with_members and report.is_locked


def can_see_review(user: Visitor | None, report: SituationReport) -> bool:
    """The office's review (status and comment) is between the office and the member."""
    roles = roles_of(user)
    return roles.is_coordination_office or roles.member_id == report.member_id


def visible_versions(
    user: Visitor | None, versions: list[SituationReport]
) -> list[SituationReport]:
    """The versions of one member's report the user may see: all of them for its own staff,
    its state coordination and the office; otherwise only the current one if it is submitted
    and shared."""
    if versions and can_see_all_reports_of(user, versions[0].member):
        return versions
    return [v for v in versions if v.is_current and can_view_report(user, v)]


def visible_answers(user: Visitor | None) -> Q | None:
    """Which members' single answers (rows with member and state copies) the user may see;
    None: all of them."""
    roles = roles_of(user)
    if roles.is_coordination_office:
        return None
    if not is_logged_in(user):
        return Q(pk__in=[])
    visible = Q(shared=True)
    if roles.member_id:
        visible |= Q(member_id=roles.member_id)
    if roles.coordinated_states:
        visible |= Q(state_id__in=sorted(roles.coordinated_states))
    return visible


def own_member(user: Visitor | None) -> Member | None:
    """The member whose staff the user is (its reports are listed on the overview)."""
    member_id = roles_of(user).member_id
    return Member.objects.filter(pk=member_id).first() if member_id else None


def actor_may(actor: Actor, allowed: bool) -> bool:
    """Services: a system job (actor None) may do everything; a user only what is allowed."""
    return actor is None or allowed


# --- checks and access functions --------------------------------------------------------------


def check_view_dashboard(user: Visitor | None) -> None:
    ensure(is_logged_in(user), _("Please log in to see the situation picture of the members."))


def check_manage_survey(user: Visitor | None) -> None:
    check_view_dashboard(user)
    ensure(
        can_manage_survey(user),
        _("Only the coordination office may manage topics, questionnaires and survey rounds."),
    )


def check_follow_progress(user: Visitor | None) -> None:
    check_view_dashboard(user)
    ensure(
        can_follow_progress(user),
        _("Only state coordinations and the coordination office follow the progress of a round."),
    )


def check_review(user: Visitor | None) -> None:
    check_view_dashboard(user)
    ensure(can_review(user), _("Only the coordination office may review reports."))


def check_export(user: Visitor | None) -> None:
    check_view_dashboard(user)
    ensure(
        can_export(user),
        _("Only state coordinations and the coordination office may export the reports."),
    )


def _round(number: int) -> SurveyRound:
    survey_round = (
        SurveyRound.objects.select_related("state", "questionnaire").filter(number=number).first()
    )
    if survey_round is None:
        raise Http404
    return survey_round


def access_round(user: Visitor | None, number: int) -> SurveyRound:
    """A round's dashboard: every logged-in user."""
    check_view_dashboard(user)
    return _round(number)


@dataclass(frozen=True)
class Progress:
    round: SurveyRound
    states: list[str] | None  # the states the user follows; None: all
    chosen: str | None  # the state whose members are listed


def access_progress(user: Visitor | None, number: int, state: str | None = None) -> Progress:
    """A round's progress for the states the user follows; `state` must be one of them."""
    check_follow_progress(user)
    survey_round = _round(number)
    states = progress_states(user, survey_round)
    chosen = state or (states[0] if states and len(states) == 1 else None)
    ensure(
        not chosen or states is None or chosen in states,
        _("You follow the progress of your own state only."),
    )
    return Progress(round=survey_round, states=states, chosen=chosen)


def access_export(user: Visitor | None, number: int) -> tuple[SurveyRound, list[str] | None]:
    """A round and the states whose rows the user may export (None: all)."""
    check_export(user)
    survey_round = _round(number)
    return survey_round, progress_states(user, survey_round)


@dataclass(frozen=True)
class ReportAccess:
    round: SurveyRound
    member: Member
    # The versions the user may see, newest first (for "edit": all of them).
    versions: list[SituationReport]

    @property
    def current(self) -> SituationReport | None:
        return next((v for v in self.versions if v.is_current), None)


def access_report(
    user: Visitor | None, number: int, ags: str, *, purpose: ReportPurpose = "view"
) -> ReportAccess:
    """A member's report of a round for `purpose`: view (the versions the user may see; refused
    when it may see none), edit (its staff and the office) or review (the office; the current
    version must be submitted)."""
    check_view_dashboard(user)
    survey_round = _round(number)
    member = member_selectors.member_by_ags(ags)
    if purpose == "edit":
        ensure(
            can_edit_report(user, member),
            _("Only the member's own staff and the coordination office may fill in its report."),
        )
    if purpose == "review":
        ensure(can_review(user), _("Only the coordination office may review reports."))
    versions = list(
        SituationReport.objects.filter(round=survey_round, member=member)
        .select_related("member", "submitted_by", "reviewed_by")
        .order_by("-version")
    )
    if purpose == "view":
        shown = visible_versions(user, versions)
        ensure(
            bool(shown) or can_see_all_reports_of(user, member),
            _("This member does not share its report with the other members."),
        )
        versions = shown
    found = ReportAccess(round=survey_round, member=member, versions=versions)
    if purpose == "review" and (found.current is None or not found.current.is_locked):
        raise Http404
    return found
