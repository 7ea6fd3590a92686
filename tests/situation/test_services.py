"""Report services: drafts, submission, bad input at the field, locking and versions, lateness,
reviews, questionnaire versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from hafennetz.core.models import AuditEntry
from hafennetz.members.models import Member
from hafennetz.situation import services
from hafennetz.situation.models import (
    Answer,
    FigureValue,
    KeyFigure,
    Questionnaire,
    ReportStatus,
    ReviewStatus,
    SituationReport,
    SurveyRound,
)
from hafennetz.situation.services import AnswerInput, FigureInput, validate_report

from .conftest import all_answers, figures

pytestmark = pytest.mark.django_db


def _save(survey_round: SurveyRound, member: Member, *, submit: bool = False, **kw: Any) -> Any:
    return services.report_save(
        actor=kw.pop("actor", None),
        survey_round=survey_round,
        member=member,
        share_with_members=kw.pop("share", False),
        answers=kw.pop("answers", all_answers()),
        figures=kw.pop("figures", {}),
        submit=submit,
        **kw,
    )


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_draft_then_submit_counts_only_after_submission(
    open_round: SurveyRound, own_member: Member, member_user: Any
) -> None:
    draft = _save(open_round, own_member, actor=member_user, answers=all_answers(None, housing=3))
    assert draft.status == ReportStatus.DRAFT and draft.is_current and draft.version == 1
    assert not Answer.objects.filter(report=draft, counted=True).exists()
    assert Answer.objects.get(report=draft, topic__code="housing").strain == 3

    report = _save(
        open_round,
        own_member,
        actor=member_user,
        answers=all_answers(2, housing=4),
        figures=figures(places_available=300, places_occupied=280),
        submit=True,
    )
    assert report.pk == draft.pk
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == member_user
    assert not report.is_late
    assert Answer.objects.filter(report=report, counted=True).count() == 8
    assert FigureValue.objects.filter(report=report, counted=True).count() == 2
    row = Answer.objects.get(report=report, topic__code="housing")
    assert (row.strain, row.state_id, row.round_id) == (4, own_member.state_id, open_round.pk)
    actions = list(
        AuditEntry.objects.filter(object_id=str(report.pk), object_type="situation.situationreport")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["report.save", "report.submit"]


def test_submission_needs_every_strain_level(open_round: SurveyRound, own_member: Member) -> None:
    with pytest.raises(ValidationError) as exc:
        _save(open_round, own_member, answers=all_answers(2, school=None), submit=True)
    assert set(_errors(exc)) == {"strain_school"}
    assert not SituationReport.objects.filter(round=open_round, member=own_member).exists()


def test_negative_places_are_refused_even_when_confirmed(
    open_round: SurveyRound, own_member: Member
) -> None:
    with pytest.raises(ValidationError) as exc:
        _save(open_round, own_member, figures=figures(places_available=(-5, True)))
    assert "negative" in _errors(exc)["figure_places_available"][0]


def test_value_outside_bounds_needs_confirmation(
    open_round: SurveyRound, own_member: Member
) -> None:
    with pytest.raises(ValidationError) as exc:
        _save(open_round, own_member, figures=figures(school_waiting=1500))
    assert "plausible" in _errors(exc)["figure_school_waiting"][0]
    report = _save(open_round, own_member, figures=figures(school_waiting=(1500, True)))
    value = FigureValue.objects.get(report=report, figure__code="school_waiting")
    assert (value.value, value.confirmed_out_of_bounds) == (1500, True)


def test_occupied_above_available_needs_confirmation(
    open_round: SurveyRound, own_member: Member
) -> None:
    with pytest.raises(ValidationError) as exc:
        _save(open_round, own_member, figures=figures(places_available=100, places_occupied=120))
    assert list(_errors(exc)) == ["figure_places_occupied"]
    report = _save(
        open_round,
        own_member,
        figures=figures(places_available=100, places_occupied=(120, True)),
    )
    assert FigureValue.objects.get(report=report, figure__code="places_occupied").value == 120


def test_confirmation_of_a_plausible_value_is_not_stored(
    open_round: SurveyRound, own_member: Member
) -> None:
    report = _save(open_round, own_member, figures=figures(places_available=(100, True)))
    assert not FigureValue.objects.get(report=report).confirmed_out_of_bounds


def test_submitted_report_is_locked_and_corrected_by_a_new_version(
    open_round: SurveyRound, own_member: Member, member_user: Any
) -> None:
    first = _save(open_round, own_member, answers=all_answers(3), submit=True)
    with pytest.raises(ValidationError, match="locked"):
        _save(open_round, own_member, answers=all_answers(1))

    second = services.report_new_version(actor=member_user, report=first)
    assert (second.version, second.is_current, second.status) == (2, False, ReportStatus.DRAFT)
    # Until the new version is submitted, the first one still counts.
    assert Answer.objects.filter(report=first, counted=True).count() == 8
    assert not Answer.objects.filter(report=second, counted=True).exists()
    with pytest.raises(ValidationError):
        services.report_new_version(actor=member_user, report=first)  # not the latest

    _save(open_round, own_member, answers=all_answers(1), submit=True)
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.is_current and first.status == ReportStatus.SUBMITTED
    assert second.is_current and second.status == ReportStatus.SUBMITTED
    assert not Answer.objects.filter(report=first, counted=True).exists()
    assert set(
        Answer.objects.filter(report=second, counted=True).values_list("strain", flat=True)
    ) == {1}
    # The history keeps the first version's answers.
    assert set(Answer.objects.filter(report=first).values_list("strain", flat=True)) == {3}


def test_late_submission_is_marked(open_round: SurveyRound, own_member: Member) -> None:
    after = timezone.make_aware(dt.datetime.combine(open_round.deadline, dt.time(23, 30)))
    assert not _save(open_round, own_member, submit=True, now=after).is_late
    other = Member.objects.get(municipality_id="03254021")
    later = after + dt.timedelta(hours=1)
    if SituationReport.objects.filter(round=open_round, member=other).exists():
        SituationReport.objects.filter(round=open_round, member=other).delete()
    assert _save(open_round, other, submit=True, now=later).is_late


def test_state_round_refuses_members_of_other_states(
    office_user: Any, questionnaire: Questionnaire, own_member: Member
) -> None:
    from hafennetz.core.models import State

    today = timezone.localdate()
    survey_round = services.round_open(
        actor=office_user,
        title="Nur Hessen",
        questionnaire=questionnaire,
        opens_on=today,
        deadline=today,
        state=State.objects.get(pk="06"),
    )
    with pytest.raises(ValidationError, match="another state"):
        _save(survey_round, own_member)


def test_round_deadline_before_opening_is_refused(
    office_user: Any, questionnaire: Questionnaire
) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.round_open(
            actor=office_user,
            title="x",
            questionnaire=questionnaire,
            opens_on=today,
            deadline=today - dt.timedelta(days=1),
        )
    assert list(_errors(exc)) == ["deadline"]


def test_review_query_needs_a_comment_and_mails_the_member(
    open_round: SurveyRound, own_member: Member, office_user: Any
) -> None:
    report = _save(open_round, own_member, submit=True)
    with pytest.raises(ValidationError) as exc:
        services.report_review(actor=office_user, report=report, review_status="query")
    assert list(_errors(exc)) == ["comment"]
    mail.outbox.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        services.report_review(
            actor=office_user,
            report=report,
            review_status=ReviewStatus.QUERY,
            comment="Bitte die Kita-Zahl prüfen.",
        )
    report.refresh_from_db()
    assert report.review_status == ReviewStatus.QUERY and report.reviewed_by == office_user
    assert len(mail.outbox) == 1
    assert "kommune@demo.hafennetz.example" in mail.outbox[0].to
    assert "Bitte die Kita-Zahl prüfen." in mail.outbox[0].body


def test_used_questionnaire_is_locked_and_a_new_version_copies_it(
    questionnaire: Questionnaire, office_user: Any
) -> None:
    assert services.questionnaire_is_locked(questionnaire)
    with pytest.raises(ValidationError, match="new version"):
        services.questionnaire_set_topics(
            actor=office_user, questionnaire=questionnaire, topics=list(questionnaire.topics.all())
        )
    new = services.questionnaire_new_version(actor=office_user, based_on=questionnaire)
    assert new.version == questionnaire.version + 1
    assert set(new.topics.all()) == set(questionnaire.topics.all())
    occupied = KeyFigure.objects.get(questionnaire=new, code="places_occupied")
    assert occupied.not_above is not None and occupied.not_above.questionnaire_id == new.pk
    assert occupied.not_above.code == "places_available"
    assert not services.questionnaire_is_locked(new)


FIGURE_CODES = ["places_available", "places_occupied", "school_waiting"]


@settings(max_examples=60, deadline=None)
@given(
    available=st.integers(min_value=-50, max_value=30000),
    occupied=st.integers(min_value=-50, max_value=30000),
    confirmed=st.booleans(),
)
def test_figure_rules_hold_for_any_numbers(available: int, occupied: int, confirmed: bool) -> None:
    """Negative is always refused; out of bounds or occupied > available only without the
    confirmation; anything else passes."""
    questionnaire = Questionnaire.objects.get(version=1)
    defs = list(questionnaire.figures.select_related("not_above"))
    values = {
        "places_available": FigureInput(available, confirmed),
        "places_occupied": FigureInput(occupied, confirmed),
    }
    errors = validate_report(topics=[], figures=defs, answers={}, values=values, complete=False)
    bad_available = available < 0 or (available > 20000 and not confirmed)
    bad_occupied = occupied < 0 or (
        not confirmed and (occupied > 20000 or (available >= 0 and occupied > available))
    )
    assert ("figure_places_available" in errors) == bad_available
    assert ("figure_places_occupied" in errors) == bad_occupied


def test_unknown_topic_is_a_programming_error(open_round: SurveyRound, own_member: Member) -> None:
    with pytest.raises(ValueError, match="not in questionnaire"):
        _save(open_round, own_member, answers={"weather": AnswerInput(strain=1)})


def _tally_rows(survey_round: SurveyRound) -> set[tuple[int, int, str, int, int, int]]:
    from hafennetz.situation.models import StrainTally

    return set(
        StrainTally.objects.filter(round=survey_round, n__gt=0).values_list(
            "round_id", "topic_id", "state_id", "size_class", "strain", "n"
        )
    )


def test_tallies_follow_submissions_and_versions(
    open_round: SurveyRound, own_member: Member, member_user: Any
) -> None:
    """The incrementally kept tallies equal a rebuild from the counted answer rows."""
    first = _save(open_round, own_member, answers=all_answers(3), submit=True)
    second = services.report_new_version(actor=member_user, report=first)
    _save(open_round, own_member, answers=all_answers(1, housing=4), submit=True)
    kept = _tally_rows(open_round)
    services.tallies_rebuild(round_ids=[open_round.pk])
    assert _tally_rows(open_round) == kept
    housing = Answer.objects.get(report=second, topic__code="housing").topic_id
    mine = {row for row in kept if row[1] == housing and row[2] == own_member.state_id}
    assert any(row[4] == 4 for row in mine)
