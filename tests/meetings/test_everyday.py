"""Correcting and ending meetings (issue 16): cancelling (registrants told by the worker with an
iCalendar cancellation, read back with icalendar), reopening (office only, with a reason),
editing agenda blocks; bad input answers in German, never 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from hafennetz.core.access import AccessDenied
from hafennetz.core.models import AuditEntry
from hafennetz.meetings import services
from tests.meetings.test_meetings import _meeting, _staff
from tests.queued import work_off_queue

pytestmark = pytest.mark.django_db


def de(message: str) -> str:
    with translation.override("de"):
        return translation.gettext(message)


def test_cancel_tells_registrants_with_a_cancelling_ics(
    office_user, django_capture_on_commit_callbacks
) -> None:
    meeting = _meeting(office_user, slots_total=1)
    first, second = _staff(2)
    services.registration_create(actor=first, meeting=meeting)
    services.registration_create(actor=second, meeting=meeting)  # waiting list
    sequence = meeting.sequence
    mail.outbox.clear()
    with pytest.raises(ValidationError) as exc:
        services.meeting_cancel(actor=office_user, meeting=meeting, reason="  ")
    assert "reason" in exc.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=office_user, meeting=meeting, reason="Raum fällt aus")
    assert mail.outbox == []  # the worker sends, not the request
    # (The queue may hold other jobs of the session's demo data; only the cancellation counts.)
    assert work_off_queue() >= 1
    cancelled = [m for m in mail.outbox if m.attachments and "CANCEL" in m.attachments[0][2]]
    assert sorted(m.to[0] for m in cancelled) == sorted([first.email, second.email])
    message = cancelled[0]
    _name, content, mimetype = message.attachments[0]
    assert mimetype.startswith("text/calendar") and "method=CANCEL" in mimetype
    calendar = Calendar.from_ical(content)
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"meeting-{meeting.pk}@hafennetz"
    assert int(event["SEQUENCE"]) == sequence + 1
    assert "Raum fällt aus" in message.body
    assert AuditEntry.objects.filter(action="meeting.cancel_meeting", object_id=str(meeting.pk))
    meeting.refresh_from_db()
    assert meeting.is_cancelled
    # Twice: a German sentence, nothing changes; registering is refused too.
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=office_user, meeting=meeting, reason="noch mal")
    third = _staff(3)[2]
    with pytest.raises(ValidationError):
        services.registration_create(actor=third, meeting=meeting)


def test_cancel_page_needs_the_box_and_a_second_cancel_is_a_message(office_user) -> None:
    meeting = _meeting(office_user)
    client = Client()
    client.force_login(office_user)
    url = reverse("meeting-call-off", args=[meeting.pk])
    response = client.post(url, {"reason": "Krankheit"})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    meeting.refresh_from_db()
    assert not meeting.is_cancelled
    response = client.post(url, {"reason": "Krankheit", "confirm": "on"})
    assert response.status_code == 302
    response = client.post(url, {"reason": "Krankheit", "confirm": "on"}, follow=True)
    assert response.status_code == 200
    assert de("The meeting is already cancelled.") in response.content.decode()
    # The calendar file of a cancelled meeting says so.
    ics = Calendar.from_ical(client.get(reverse("meeting-ics", args=[meeting.pk])).content)
    assert str(ics.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def test_reopen_is_for_the_office_with_a_reason(office_user, state_coordinator) -> None:
    meeting = _meeting(office_user)
    services.meeting_close(
        actor=office_user, meeting=meeting, now=meeting.ends_at + dt.timedelta(hours=1)
    )
    with pytest.raises(AccessDenied):
        services.meeting_reopen(actor=state_coordinator, meeting=meeting, reason="Liste")
    client = Client()
    client.force_login(office_user)
    url = reverse("meeting-reopen", args=[meeting.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert client.post(url, {"reason": "Anwesenheit nachtragen"}).status_code == 302
    meeting.refresh_from_db()
    assert not meeting.is_closed
    entry = AuditEntry.objects.get(action="meeting.reopen", object_id=str(meeting.pk))
    assert entry.after["reason"] == "Anwesenheit nachtragen"
    follow = client.post(url, {"reason": "x"}, follow=True)
    assert de("The meeting is not closed.") in follow.content.decode()


def test_agenda_block_can_be_edited(office_user) -> None:
    meeting = _meeting(office_user)
    start = meeting.starts_at
    a = services.agenda_block_add(
        actor=office_user,
        meeting=meeting,
        kind="plenary",
        title="A",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    services.agenda_block_add(
        actor=office_user,
        meeting=meeting,
        kind="plenary",
        title="B",
        starts_at=start + dt.timedelta(hours=1),
        ends_at=start + dt.timedelta(hours=2),
    )
    client = Client()
    client.force_login(office_user)
    url = reverse("meeting-agenda-edit", args=[meeting.pk, a.pk])
    local = timezone.localtime(start)
    payload = {
        "kind": "small_groups",
        "title": "Kleingruppen",
        "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (local + dt.timedelta(minutes=90)).strftime("%Y-%m-%dT%H:%M"),
        "topics": "X, Y",
    }
    response = client.post(url, payload)
    assert response.status_code == 200  # overlaps B
    assert "„B“" in response.content.decode()
    payload["ends_at"] = (local + dt.timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url, payload).status_code == 302
    a.refresh_from_db()
    assert (a.title, a.kind) == ("Kleingruppen", "small_groups")
    assert AuditEntry.objects.filter(action="meeting.agenda_update", object_id=str(a.pk))


def test_bigbluebutton_rosters_and_the_print_view_name_people(office_user) -> None:
    import json

    from hafennetz.meetings.models import Meeting

    meeting = Meeting.objects.get(title="3. Arbeitstreffen (digital)")  # a demo plan
    client = Client()
    client.force_login(office_user)
    base = reverse("meeting-plan-export", args=[meeting.pk, "bbb"])
    rooms = json.loads(client.get(base + "?runde=1").content)
    roster = [person for room in rooms for person in room["roster"]]
    assert roster and all("@" in person for person in roster)  # e-mails, not registration ids
    printed = client.get(reverse("meeting-plan-export", args=[meeting.pk, "print"]))
    first = meeting.registrations.select_related("user").first()
    assert first is not None and first.user.get_full_name()
    assert first.user.get_full_name() in printed.content.decode()
