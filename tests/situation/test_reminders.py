"""Reminders: automatic ones N days before the deadline, never twice per round, member and
offset; manual ones by state; members that submitted are left out; all audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from hafennetz.core.models import AuditEntry
from hafennetz.members.models import Member
from hafennetz.situation import services
from hafennetz.situation.models import Reminder, ReminderKind, SurveyRound

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def _send_on_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run in a transaction that never commits: send right away."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
    mail.outbox.clear()


def _recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def test_automatic_reminders_once_per_offset(
    fresh_round: SurveyRound,
    own_member: Member,
    other_member: Member,
    submit: Callable[..., Any],
    settings: Any,
) -> None:
    settings.SITUATION_REMINDER_DAYS = [7, 2]
    submit(fresh_round, other_member)
    seven_before = fresh_round.deadline - dt.timedelta(days=7)

    sent = services.reminders_send_due(today=seven_before)
    asked = services.round_members(fresh_round).count()
    assert sent == asked - 1
    assert "kommune@demo.hafennetz.example" in _recipients()  # Detmold's staff
    assert Reminder.objects.filter(round=fresh_round, member=other_member).count() == 0
    mine = Reminder.objects.get(round=fresh_round, member=own_member)
    assert (mine.kind, mine.days_before) == (ReminderKind.AUTOMATIC, 7)
    assert AuditEntry.objects.filter(action="reminder.send", object_id=str(fresh_round.pk)).exists()

    mail.outbox.clear()
    assert services.reminders_send_due(today=seven_before) == 0  # the same day again
    assert services.reminders_send_due(today=seven_before + dt.timedelta(days=1)) == 0
    assert mail.outbox == []

    two_before = fresh_round.deadline - dt.timedelta(days=2)
    call_command("send_reminders", date=two_before.isoformat(), stdout=None)
    assert "kommune@demo.hafennetz.example" in _recipients()
    assert Reminder.objects.filter(round=fresh_round, member=own_member).count() == 2


def test_no_reminder_before_the_round_opens(
    office_user: Any, own_member: Member, settings: Any
) -> None:
    settings.SITUATION_REMINDER_DAYS = [7]
    from hafennetz.situation.models import Questionnaire

    today = dt.date(2030, 1, 10)
    survey_round = services.round_open(
        actor=office_user,
        title="Zukunft",
        questionnaire=Questionnaire.objects.get(version=1),
        opens_on=today + dt.timedelta(days=1),
        deadline=today + dt.timedelta(days=7),
    )
    assert services.reminders_send_due(today=today) == 0
    assert not Reminder.objects.filter(round=survey_round).exists()


def test_state_coordination_reminds_its_state_by_hand(
    client: Client, fresh_round: SurveyRound, state_coordinator: Any
) -> None:
    client.force_login(state_coordinator)  # coordinates Schleswig-Holstein
    url = reverse("round-remind", kwargs={"number": fresh_round.number})
    assert client.post(url, {"state": "05"}).status_code == 403  # not its state
    response = client.post(url, {"state": "01"})
    assert response.status_code == 302
    members = set(
        Reminder.objects.filter(round=fresh_round).values_list("member__state_id", flat=True)
    )
    assert members == {"01"}
    first = Reminder.objects.filter(round=fresh_round).count()
    assert first == services.round_members(fresh_round).filter(state_id="01").count()
    client.post(url, {"state": "01"})  # the same day again: nobody twice
    assert Reminder.objects.filter(round=fresh_round).count() == first
    assert Reminder.objects.filter(round=fresh_round, sent_by=state_coordinator).count() == first
