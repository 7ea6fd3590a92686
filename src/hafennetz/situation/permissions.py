"""Who may do what in the Lagebild, built on the roles of `hafennetz.members.permissions`.

* Member staff fill in their own member's report and see it; the coordination office may too.
* State coordination sees the progress and all reports of its state's members, reminds them
  and exports their rows.
* The coordination office does everything: questionnaires, rounds, reviews, exports.
* Every logged-in user sees the dashboards (aggregates) and the reports other members chose
  to share; the public sees the nationwide aggregates with small cells suppressed.
"""

from __future__ import annotations

from typing import Any

from hafennetz.members.models import Member
from hafennetz.members.permissions import is_coordination_office, roles_of
from hafennetz.situation.models import SituationReport, SurveyRound

# Aggregate cells with fewer members than this are hidden from everyone but the office.
MIN_CELL_SIZE = 3

can_manage_survey = is_coordination_office
can_review = is_coordination_office


def can_view_dashboard(user: Any) -> bool:
    return bool(user.is_authenticated)


def can_fill_report(user: Any, member: Member) -> bool:
    roles = roles_of(user)
    return roles.is_coordination_office or roles.member_id == member.pk


def can_follow_progress(user: Any) -> bool:
    """Sees a progress page at all (for the states it coordinates, or all of them)."""
    roles = roles_of(user)
    return roles.is_coordination_office or roles.is_state_coordination


def progress_states(user: Any, survey_round: SurveyRound) -> list[str] | None:
    """States whose progress the user follows in this round: None means all of them."""
    roles = roles_of(user)
    if roles.is_coordination_office:
        return None
    states = sorted(roles.coordinated_states)
    if survey_round.state_id:
        states = [s for s in states if s == survey_round.state_id]
    return states


def can_see_all_reports_of(user: Any, member: Member) -> bool:
    """Sees the member's reports whether shared or not."""
    roles = roles_of(user)
    return (
        roles.is_coordination_office
        or roles.member_id == member.pk
        or member.state_id in roles.coordinated_states
    )


def can_view_report(user: Any, report: SituationReport) -> bool:
    if can_see_all_reports_of(user, report.member):
        return True
    return bool(user.is_authenticated and report.share_with_members and report.is_locked)


def sees_every_cell(user: Any) -> bool:
    """The office sees aggregates unsuppressed; everyone else gets cells of >= MIN_CELL_SIZE."""
    return is_coordination_office(user)


def can_export(user: Any) -> bool:
    return can_follow_progress(user)
