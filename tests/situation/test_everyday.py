"""Review that works, and correcting rounds (issue 16): the review queue with filters and
next/previous, the member's answer to a query, editing and withdrawing a round until the first
submission, the announcement e-mail when a round opens, drafts counted apart from missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hafennetz.core.access import AccessDenied
from hafennetz.core.models import AuditEntry
from hafennetz.members.models import Member
from hafennetz.situation import selectors, services
from hafennetz.situation.models import SituationReport, SurveyRound
from tests.queued import work_off_queue

pytestmark = pytest.mark.django_db


def _members(n: int, exclude: Member) -> list[Member]:
    return list(Member.objects.alliance().exclude(pk=exclude.pk).order_by("pk")[:n])


def test_queue_filters_and_next_previous_and_the_answer(
    fresh_round: SurveyRound,
    submit: Callable[..., SituationReport],
    office_user: Any,
    member_user: Any,
    other_state_coordinator: Any,
    own_member: Member,
) -> None:
    others = _members(2, own_member)
    first = submit(fresh_round, others[0])
    mine = submit(fresh_round, own_member)
    submit(fresh_round, others[1])
    queue = selectors.review_queue(fresh_round)
    assert [r.pk for r in queue][:2] == [first.pk, mine.pk]
    office = Client()
    office.force_login(office_user)
    page = office.get(reverse("report-review", args=[fresh_round.number, own_member.ags]))
    html = page.content.decode()
    assert 'id="review-previous"' in html and 'id="review-next"' in html
    assert (page.context["position"], page.context["total"]) == (2, 3)
    # Asking a question moves on to the next report of the queue.
    response = office.post(
        reverse("report-review", args=[fresh_round.number, own_member.ags]) + "?status=open",
        {"review_status": "query", "comment": "Stimmt die Zahl der Plätze?"},
    )
    assert response.status_code == 302
    assert others[1].ags in response["Location"]
    assert own_member.pk not in {r.member_id for r in selectors.review_queue(fresh_round)}
    assert selectors.member_todo(own_member)[-1].kind == "query"
    # The member sees the question and answers it on the report.
    staff = Client()
    staff.force_login(member_user)
    detail = staff.get(reverse("report-detail", args=[fresh_round.number, own_member.ags]))
    assert "Stimmt die Zahl der Plätze?" in detail.content.decode()
    assert 'id="send-answer"' in detail.content.decode()
    url = reverse("report-answer", args=[fresh_round.number, own_member.ags])
    staff.post(url, {"answer": "  "})
    assert not SituationReport.objects.get(pk=mine.pk).answered_at
    assert staff.post(url, {"answer": "Ja, 120 Plätze."}).status_code == 302
    mine.refresh_from_db()
    assert mine.member_answer == "Ja, 120 Plätze." and mine.answered_at
    assert AuditEntry.objects.filter(action="report.answer", object_id=str(mine.pk)).exists()
    answered = selectors.review_queue(fresh_round, status="answered")
    assert [r.pk for r in answered] == [mine.pk]
    assert mine.pk in {r.pk for r in selectors.review_queue(fresh_round)}
    # Another member's staff may not answer.
    with pytest.raises(AccessDenied):
        services.report_answer(actor=other_state_coordinator, report=mine, answer="x")


def test_a_round_is_edited_or_withdrawn_only_before_the_first_submission(
    fresh_round: SurveyRound,
    submit: Callable[..., SituationReport],
    office_user: Any,
    own_member: Member,
) -> None:
    data = {
        "title": "Neuer Titel",
        "questionnaire": fresh_round.questionnaire,
        "opens_on": fresh_round.opens_on,
        "deadline": fresh_round.deadline + dt.timedelta(days=7),
        "state": None,
    }
    services.round_update(actor=office_user, survey_round=fresh_round, **data)
    fresh_round.refresh_from_db()
    assert fresh_round.title == "Neuer Titel"
    submit(fresh_round, own_member)
    with pytest.raises(ValidationError):
        services.round_update(actor=office_user, survey_round=fresh_round, **data)
    with pytest.raises(ValidationError):
        services.round_withdraw(actor=office_user, survey_round=fresh_round)
    client = Client()
    client.force_login(office_user)
    page = client.get(reverse("round-edit", args=[fresh_round.number]))
    assert 'id="round-locked"' in page.content.decode()
    response = client.post(reverse("round-withdraw", args=[fresh_round.number]), {"confirm": "on"})
    assert response.status_code == 200  # refused at the form, no 500
    assert SurveyRound.objects.filter(pk=fresh_round.pk).exists()


def test_withdrawing_deletes_the_round_and_its_drafts(
    office_user: Any, questionnaire: Any, own_member: Member
) -> None:
    today = timezone.localdate()
    survey_round = services.round_open(
        actor=office_user,
        title="Versehen",
        questionnaire=questionnaire,
        opens_on=today,
        deadline=today + dt.timedelta(days=7),
    )
    services.report_save(
        actor=None,
        survey_round=survey_round,
        member=own_member,
        share_with_members=False,
        answers={},
        figures={},
        submit=False,
    )
    client = Client()
    client.force_login(office_user)
    url = reverse("round-withdraw", args=[survey_round.number])
    assert client.post(url, {}).status_code == 200  # the box is required
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert not SurveyRound.objects.filter(pk=survey_round.pk).exists()
    entry = AuditEntry.objects.get(action="round.withdraw", object_id=str(survey_round.pk))
    assert entry.before["drafts"] == 1


def test_opening_a_round_announces_it_once_by_the_worker(
    office_user: Any, questionnaire: Any, django_capture_on_commit_callbacks: Any
) -> None:
    today = timezone.localdate()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        survey_round = services.round_open(
            actor=office_user,
            title="Ankündigung",
            questionnaire=questionnaire,
            opens_on=today,
            deadline=today + dt.timedelta(days=14),
        )
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        work_off_queue()
    # (The queue may hold other jobs of the session's demo data; only this round's mails count.)
    assert any("Ankündigung" in message.subject for message in mail.outbox)
    sent = len(mail.outbox)
    assert services.rounds_announce_due() == 0  # announced once
    assert len(mail.outbox) == sent
    survey_round.refresh_from_db()
    assert survey_round.announced_at is not None


def test_drafts_are_counted_apart_from_missing_reports(
    fresh_round: SurveyRound, own_member: Member
) -> None:
    before = {p.state.ags: p for p in selectors.round_progress(fresh_round, None)}
    services.report_save(
        actor=None,
        survey_round=fresh_round,
        member=own_member,
        share_with_members=False,
        answers={},
        figures={},
        submit=False,
    )
    after = {p.state.ags: p for p in selectors.round_progress(fresh_round, None)}
    state = own_member.state_id
    assert after[state].drafts == before[state].drafts + 1
    assert after[state].missing == before[state].missing - 1
