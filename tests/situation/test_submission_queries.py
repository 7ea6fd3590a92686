"""The report submission's SQL budget (the national-scale benchmark posts it ~15 times a second)
and the view's handling of a locked report now that a successful save skips the look-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hafennetz.core.models import AuditEntry
from hafennetz.members.models import Member
from hafennetz.situation import services
from hafennetz.situation.models import (
    Answer,
    ReportStatus,
    SituationReport,
    StrainTally,
    SurveyRound,
)

from .conftest import TOPICS, all_answers

pytestmark = pytest.mark.django_db

# Platform: session, user, the two-factor device check, and the session refresh at the end
# (SAVEPOINT, UPDATE, RELEASE). Lagebild: round, member, 3 role look-ups, the report's
# versions (access check), topics, key figures; in the transaction: lock the open version,
# insert the report, its answers, its figures, the tallies (one upsert), one audit entry. The
# test database adds SAVEPOINT/RELEASE (the transaction is nested here).
FIRST_SUBMISSION = 22
# A stored draft adds its before-snapshot (answers, figures) and replacing its rows (2 deletes).
DRAFT_SUBMISSION = FIRST_SUBMISSION + 4


def _post(strain: int = 3, **extra: str) -> dict[str, str]:
    data = {f"strain_{code}": str(strain) for code in TOPICS}
    data |= {
        "figure_places_available": "100",
        "figure_places_occupied": "50",
        "hard_housing": "Belegung hoch",
        "submit": "1",
    }
    return data | extra


def _tallies(survey_round: SurveyRound) -> set[tuple[int, str, int, int, int]]:
    rows = StrainTally.objects.filter(round=survey_round, n__gt=0)
    return set(rows.values_list("topic_id", "state_id", "size_class", "strain", "n"))


def _url(survey_round: SurveyRound, member: Member, name: str = "report-edit") -> str:
    return reverse(name, kwargs={"number": survey_round.number, "ags": member.ags})


def test_first_submission_stays_within_its_query_budget(
    client: Client,
    open_round: SurveyRound,
    own_member: Member,
    office_user: Any,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    client.force_login(office_user)
    with django_assert_max_num_queries(FIRST_SUBMISSION):
        response = client.post(_url(open_round, own_member), _post())
    assert response.status_code == 302
    report = SituationReport.objects.get(round=open_round, member=own_member)
    assert report.status == ReportStatus.SUBMITTED and report.is_current
    assert Answer.objects.filter(report=report, counted=True).count() == len(TOPICS)
    assert report.figures.filter(counted=True).count() == 2
    entry = AuditEntry.objects.filter(action="report.submit", object_id=str(report.pk)).get()
    assert entry.after["answers"]["housing"] == [3, "Belegung hoch", ""]


def test_draft_submission_stays_within_its_query_budget(
    client: Client,
    open_round: SurveyRound,
    own_member: Member,
    member_user: Any,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    client.force_login(member_user)
    url = _url(open_round, own_member)
    assert (
        client.post(url, {k: v for k, v in _post(2, save="1").items() if k != "submit"}).status_code
        == 302
    )
    draft = SituationReport.objects.get(round=open_round, member=own_member)
    assert draft.status == ReportStatus.DRAFT
    with django_assert_max_num_queries(DRAFT_SUBMISSION):
        response = client.post(url, _post(4))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ReportStatus.SUBMITTED
    assert set(draft.answers.values_list("strain", "counted")) == {(4, True)}


@pytest.mark.parametrize("valid", [True, False])
def test_post_to_a_locked_report_goes_back_to_the_report_page(
    client: Client,
    open_round: SurveyRound,
    own_member: Member,
    member_user: Any,
    submit: Callable[..., SituationReport],
    valid: bool,
) -> None:
    report = submit(open_round, own_member, strain=2)
    client.force_login(member_user)
    data = _post(1) if valid else _post(1, figure_places_available="-3")
    response = client.post(_url(open_round, own_member), data)
    assert response.status_code == 302
    assert response.url == _url(open_round, own_member, "report-detail")
    assert set(report.answers.values_list("strain", flat=True)) == {2}


def test_correction_submitted_through_the_form_replaces_the_counted_version(
    client: Client,
    open_round: SurveyRound,
    own_member: Member,
    member_user: Any,
    submit: Callable[..., SituationReport],
) -> None:
    first = submit(open_round, own_member, strain=2)
    second = services.report_new_version(actor=member_user, report=first)
    client.force_login(member_user)
    assert client.post(_url(open_round, own_member), _post(4)).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.is_current and second.is_current and second.is_locked
    assert not first.answers.filter(counted=True).exists()
    assert set(second.answers.values_list("strain", "counted")) == {(4, True)}
    kept = _tallies(open_round)
    services.tallies_rebuild(round_ids=[open_round.pk])
    assert _tallies(open_round) == kept


def test_service_without_preloaded_rows_behaves_the_same(
    open_round: SurveyRound, own_member: Member
) -> None:
    report = services.report_save(
        actor=None,
        survey_round=open_round,
        member=own_member,
        share_with_members=True,
        answers=all_answers(3),
        figures={},
        submit=True,
    )
    assert report.is_locked and report.answers.filter(counted=True, shared=True).count() == 8
