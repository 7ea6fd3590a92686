"""Issue 10 and 11 in the meetings app: bad input never ends in a 500, implausible values end at
the field, mail failures are never logged as sent, closing and check-in follow the meeting's
time, the services refuse what the actor may not do, and the planner runs outside the lock."""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Sequence
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hafennetz.core.access import AccessDenied
from hafennetz.core.models import AuditEntry
from hafennetz.meetings import services
from hafennetz.meetings.models import (
    CalendarFeed,
    FollowUp,
    Meeting,
    Registration,
    RegistrationStatus,
)
from hafennetz.members.models import StaffAccount

from .test_meetings import _meeting, _planned_meeting, _staff

pytestmark = pytest.mark.django_db
LOCAL = "%Y-%m-%dT%H:%M"


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        raise smtplib.SMTPServerDisconnected("connection refused")


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses one address and takes the others."""

    refused = "t05111000@test.example"

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        for message in email_messages:
            if self.refused in message.to:
                raise smtplib.SMTPRecipientsRefused({self.refused: (550, b"no such user")})
            mail.outbox.append(message)
        return len(email_messages)


def _form_data(start: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {
        "title": "Formtreffen",
        "level": "federal",
        "format": "digital",
        "video_link": "https://v.example.org/x",
        "starts_at": start.strftime(LOCAL),
        "ends_at": (start + dt.timedelta(hours=2)).strftime(LOCAL),
        "registration_opens_at": (timezone.localtime() - dt.timedelta(days=1)).strftime(LOCAL),
        "registration_closes_at": (start - dt.timedelta(days=1)).strftime(LOCAL),
        **extra,
    }


def _start() -> dt.datetime:
    return timezone.localtime() + dt.timedelta(days=20)


# --- bad input: no 500 ------------------------------------------------------------------------


@pytest.mark.parametrize("runde", ["²", "٣", "1e3", "-1", "0", "9" * 5000, ""])
def test_zoom_export_with_a_bad_round_is_404_not_500(
    client: Client, office_user, runde: str
) -> None:
    meeting = Meeting.objects.get(title="3. Arbeitstreffen (digital)")
    client.force_login(office_user)
    url = reverse("meeting-plan-export", args=[meeting.pk, "zoom"])
    assert client.get(url, {"runde": runde}).status_code == 404
    assert client.get(url, {"runde": "1"}).status_code == 200


def test_attendance_with_a_bad_id_is_a_message_not_a_500(client: Client, office_user) -> None:
    meeting = _planned_meeting(office_user, people=6, facilitators=0)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now())
    client.force_login(office_user)
    url = reverse("meeting-checkin", args=[meeting.pk])
    for present in ("²", "99999999999999999999999", "9" * 5000, "-1", "abc"):
        response = client.post(url, {"present": [present]})
        assert response.status_code == 302
    assert not Registration.objects.filter(meeting=meeting, checked_in_at__isnull=False).exists()
    first = meeting.registrations.first()
    assert client.post(url, {"present": [first.pk]}).status_code == 302
    first.refresh_from_db()
    assert first.checked_in_at is not None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("starts_at", "0001-01-01T00:00"),
        ("starts_at", "1900-05-01T10:00"),
        ("ends_at", "9999-12-31T23:59"),
        ("registration_opens_at", "0001-01-01T00:00"),
    ],
)
def test_implausible_meeting_dates_are_field_errors(
    client: Client, office_user, field: str, value: str
) -> None:
    client.force_login(office_user)
    response = client.post(reverse("meeting-create"), _form_data(_start(), **{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Meeting.objects.filter(title="Formtreffen").exists()


def test_agenda_block_and_follow_up_with_implausible_dates_are_field_errors(
    client: Client, office_user, own_member
) -> None:
    meeting = _meeting(office_user)
    client.force_login(office_user)
    response = client.post(
        reverse("meeting-agenda", args=[meeting.pk]),
        {
            "kind": "plenary",
            "title": "Alt",
            "starts_at": "0001-01-01T00:00",
            "ends_at": "0001-01-01T01:00",
        },
    )
    assert response.status_code == 200 and "starts_at" in response.context["form"].errors
    response = client.post(
        reverse("meeting-minutes", args=[meeting.pk]),
        {"follow_up_add": "1", "title": "T", "owner": own_member.pk, "due_on": "0001-01-01"},
    )
    assert response.status_code == 200
    assert "due_on" in response.context["follow_up_form"].errors


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"slots_total": "999999999999"}, "slots_total"),
        ({"slots_per_member": "999999999999"}, "slots_per_member"),
        ({"slots_total": "10", "slots_per_member": "11"}, "slots_per_member"),
        ({"slots_total": "0"}, "slots_total"),
    ],
)
def test_places_are_bounded(client: Client, office_user, extra: dict[str, str], field: str) -> None:
    client.force_login(office_user)
    response = client.post(reverse("meeting-create"), _form_data(_start(), **extra))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Meeting.objects.filter(title="Formtreffen").exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"level": "state", "state": ""}, "state"),
        ({"ends_at": _start().strftime(LOCAL)}, "ends_at"),
    ],
)
def test_database_constraints_surface_as_field_messages(
    client: Client, office_user, extra: dict[str, str], field: str
) -> None:
    client.force_login(office_user)
    response = client.post(reverse("meeting-create"), _form_data(_start(), **extra))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    page = response.content.decode()
    assert "meeting_ends_after_start" not in page and "meeting_state_matches_level" not in page


def test_federal_meeting_with_a_state_selected_is_saved_without_it(
    client: Client, office_user
) -> None:
    client.force_login(office_user)
    response = client.post(reverse("meeting-create"), _form_data(_start(), state="05"))
    assert response.status_code == 302
    assert Meeting.objects.get(title="Formtreffen").state_id is None


# --- messages: single-line subjects, failures never logged as sent ------------------------------


def _registered_meeting(office_user, people: int = 3) -> Meeting:
    meeting = _meeting(office_user)
    for user in _staff(people):
        services.registration_create(actor=user, meeting=meeting)
    return meeting


@pytest.mark.parametrize("subject", ["Hallo\r\nBcc: alle@example.org", "Hallo\nX", "Tab\x00"])
def test_message_subject_with_line_breaks_is_a_field_error(
    client: Client, office_user, subject: str
) -> None:
    meeting = _registered_meeting(office_user)
    mail.outbox.clear()
    client.force_login(office_user)
    response = client.post(
        reverse("meeting-message", args=[meeting.pk]), {"subject": subject, "body": "Text"}
    )
    assert response.status_code == 200
    assert "subject" in response.context["form"].errors
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(action="meeting.message").exists()
    with pytest.raises(ValidationError):
        services.registrants_message(
            actor=office_user, meeting=meeting, subject=subject, body="x", include_waitlist=False
        )


def test_message_that_the_mail_server_refuses_is_not_logged_as_sent(
    client: Client, office_user, settings
) -> None:
    meeting = _registered_meeting(office_user)
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    client.force_login(office_user)
    response = client.post(
        reverse("meeting-message", args=[meeting.pk]), {"subject": "Hinweis", "body": "Text"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not AuditEntry.objects.filter(action="meeting.message").exists()


def test_message_logs_only_what_the_server_accepted(office_user, settings) -> None:
    meeting = _registered_meeting(office_user, people=3)
    recipients = sorted(meeting.registrations.values_list("user__email", flat=True))
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.refused = recipients[1]
    mail.outbox.clear()
    result = services.registrants_message(
        actor=office_user, meeting=meeting, subject="Hinweis", body="Text", include_waitlist=False
    )
    assert result.sent == 2 and result.failed == [recipients[1]]
    assert sorted(m.to[0] for m in mail.outbox) == [recipients[0], recipients[2]]
    entry = AuditEntry.objects.get(action="meeting.message")
    assert entry.after["recipients"] == 2 and entry.after["failed"] == 1


def test_registration_stands_when_the_confirmation_cannot_be_sent(
    client: Client, office_user, member_user, settings, django_capture_on_commit_callbacks
) -> None:
    meeting = _meeting(office_user)
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    client.force_login(member_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meeting-register", args=[meeting.pk]))
    assert response.status_code == 302
    assert Registration.objects.filter(meeting=meeting, user=member_user).exists()


# --- closing and check-in follow the meeting's time -------------------------------------------


def test_a_meeting_that_has_not_ended_cannot_be_closed(client: Client, office_user) -> None:
    meeting = _meeting(office_user)
    client.force_login(office_user)
    url = reverse("meeting-close", args=[meeting.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"close-meeting" not in page.content
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.closed_at is None
    # The old one-click form on the minutes page closes nothing any more.
    client.post(reverse("meeting-minutes", args=[meeting.pk]), {"close": "1"})
    meeting.refresh_from_db()
    assert meeting.closed_at is None
    with pytest.raises(ValidationError):
        services.meeting_close(actor=office_user, meeting=meeting)


def test_closing_needs_the_explicit_confirmation(client: Client, office_user) -> None:
    meeting = _meeting(office_user)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=5),
        ends_at=timezone.now() - dt.timedelta(hours=1),
        registration_closes_at=timezone.now() - dt.timedelta(hours=6),
    )
    client.force_login(office_user)
    url = reverse("meeting-close", args=[meeting.pk])
    response = client.post(url, {})
    assert response.status_code == 200 and "confirm" in response.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.closed_at is None
    assert client.post(url, {"confirm": "on"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.closed_at is not None
    assert AuditEntry.objects.filter(action="meeting.close", object_id=str(meeting.pk)).exists()


def test_check_in_is_refused_months_before_the_meeting(
    client: Client, office_user, member_user
) -> None:
    meeting = _meeting(office_user)  # in 30 days
    registration = services.registration_create(actor=member_user, meeting=meeting)
    for now in (
        meeting.starts_at - dt.timedelta(days=90),
        meeting.starts_at - dt.timedelta(hours=4),
        meeting.ends_at + dt.timedelta(days=4),
    ):
        with pytest.raises(ValidationError):
            services.checkin_with_code(
                actor=member_user, meeting=meeting, code=meeting.checkin_code, now=now
            )
        with pytest.raises(ValidationError):
            services.attendance_set(
                actor=office_user, meeting=meeting, present_ids=[registration.pk], now=now
            )
    client.force_login(member_user)
    client.post(reverse("meeting-self-checkin", args=[meeting.pk]), {"code": meeting.checkin_code})
    registration.refresh_from_db()
    assert registration.checked_in_at is None
    services.checkin_with_code(
        actor=member_user,
        meeting=meeting,
        code=meeting.checkin_code,
        now=meeting.starts_at - dt.timedelta(hours=1),
    )
    registration.refresh_from_db()
    assert registration.checked_in_at is not None


# --- exports in local time --------------------------------------------------------------------


def test_registration_export_shows_berlin_time(client: Client, office_user, member_user) -> None:
    meeting = _meeting(office_user)
    registration = services.registration_create(actor=member_user, meeting=meeting)
    registered = dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)  # 10:30 in Berlin (summer)
    Registration.objects.filter(pk=registration.pk).update(created_at=registered)
    client.force_login(office_user)
    body = client.get(reverse("meeting-registrations-export", args=[meeting.pk, "komma.csv"]))
    text = body.content.decode("utf-8-sig")
    assert "2026-07-01 10:30" in text and "2026-07-01 08:30" not in text
    # German Excel: German date, semicolons.
    excel = client.get(reverse("meeting-registrations-export", args=[meeting.pk, "csv"]))
    text = excel.content.decode("utf-8-sig")
    assert "01.07.2026 10:30" in text and "08:30" not in text
    assert text.startswith("Name;E-Mail;")


# --- services refuse what the actor may not do ------------------------------------------------


def test_services_refuse_what_the_actor_may_not_do(
    office_user, member_user, state_coordinator, own_member
) -> None:
    nrw = Meeting.objects.get(level="state", state_id="05")
    # Kiel (Schleswig-Holstein) may not attend the NRW meeting, nor manage it.
    with pytest.raises(AccessDenied):
        services.registration_create(actor=state_coordinator, meeting=nrw)
    with pytest.raises(AccessDenied):
        services.minutes_save(actor=state_coordinator, meeting=nrw, minutes="x")
    with pytest.raises(AccessDenied):
        services.plan_generate(actor=member_user, meeting=nrw)
    # A state coordination holds meetings only in its own state, also through the service.
    data = {
        "title": "Fremdes Land",
        "level": "state",
        "state": nrw.state,
        "format": "digital",
        "video_link": "https://v.example.org/x",
        "starts_at": nrw.starts_at,
        "ends_at": nrw.ends_at,
        "registration_opens_at": nrw.registration_opens_at,
        "registration_closes_at": nrw.registration_closes_at,
    }
    with pytest.raises(AccessDenied):
        services.meeting_save(actor=state_coordinator, data=data)
    with pytest.raises(AccessDenied):
        services.meeting_save(actor=member_user, data=data)
    own = services.meeting_save(
        actor=state_coordinator, data={**data, "state": state_coordinator_state()}
    )
    with pytest.raises(AccessDenied):  # and cannot move it to another state
        services.meeting_save(actor=state_coordinator, meeting=own, data=data)
    # Follow-up status: the organisers and the responsible member only.
    follow_up = FollowUp.objects.create(
        meeting=nrw, title="Aufgabe", owner=own_member, due_on=dt.date(2030, 1, 1)
    )
    with pytest.raises(AccessDenied):
        services.follow_up_set_status(actor=state_coordinator, follow_up=follow_up, status="done")
    services.follow_up_set_status(actor=member_user, follow_up=follow_up, status="done")
    follow_up.refresh_from_db()
    assert follow_up.status == "done"
    with pytest.raises(ValidationError):
        services.follow_up_set_status(actor=office_user, follow_up=follow_up, status="bogus")


def state_coordinator_state() -> Any:
    from hafennetz.core.models import State

    return State.objects.get(pk="01")


def test_co_organiser_edits_but_cannot_move_the_meeting(office_user, own_member) -> None:
    from django.contrib.auth import get_user_model

    meeting = _meeting(office_user)
    meeting.co_organisers.add(own_member)
    user = get_user_model().objects.get(username="kommune@demo.hafennetz.example")
    data = {
        "title": "Neuer Titel",
        "level": meeting.level,
        "state": None,
        "format": meeting.format,
        "video_link": meeting.video_link,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "registration_opens_at": meeting.registration_opens_at,
        "registration_closes_at": meeting.registration_closes_at,
    }
    services.meeting_save(actor=user, meeting=meeting, data=data, co_organisers=[own_member])
    assert Meeting.objects.get(pk=meeting.pk).title == "Neuer Titel"
    from hafennetz.core.models import State

    with pytest.raises(AccessDenied):
        services.meeting_save(
            actor=user,
            meeting=meeting,
            data={**data, "level": "state", "state": State.objects.get(pk="05")},
        )


# --- the planner runs outside the lock --------------------------------------------------------


def test_planner_runs_outside_any_transaction_and_notices_changes(office_user, monkeypatch) -> None:
    meeting = _planned_meeting(office_user, people=12, facilitators=0)
    from hafennetz.engines.grouping import plan as real_plan

    depth = len(connection.savepoint_ids)
    calls: list[int] = []
    late = _staff(20)[-1]

    def planner(problem: Any, **kwargs: Any) -> Any:
        # No transaction (and so no row lock) of the service is open while the planner works.
        assert len(connection.savepoint_ids) == depth
        calls.append(len(problem.participants))
        if len(calls) == 1:  # someone registers while the first plan is being made
            Registration.objects.create(
                meeting=meeting,
                user=late,
                member=StaffAccount.objects.get(user=late).member,
                status=RegistrationStatus.CONFIRMED,
            )
        return real_plan(problem, **kwargs)

    monkeypatch.setattr(services, "make_plan", planner)
    plan = services.plan_generate(
        actor=office_user, meeting=meeting, min_size=3, max_size=5, time_limit=1
    )
    assert calls == [12, 13]  # planned again for the changed registrations
    assert plan.assignments.values("registration").distinct().count() == 13


def test_planner_refuses_when_registrations_keep_changing(office_user, monkeypatch) -> None:
    meeting = _planned_meeting(office_user, people=12, facilitators=0)
    from hafennetz.engines.grouping import plan as real_plan

    newcomers = iter(StaffAccount.objects.filter(user__in=_staff(30)[12:]))

    def planner(problem: Any, **kwargs: Any) -> Any:
        account = next(newcomers)  # every time, someone registers while the plan is made
        Registration.objects.create(
            meeting=meeting,
            user=account.user,
            member=account.member,
            status=RegistrationStatus.CONFIRMED,
        )
        return real_plan(problem, **kwargs)

    monkeypatch.setattr(services, "make_plan", planner)
    with pytest.raises(ValidationError) as exc:
        services.plan_generate(
            actor=office_user, meeting=meeting, min_size=3, max_size=5, time_limit=1
        )
    assert "changed" in str(exc.value) or "geändert" in str(exc.value)
    assert not meeting.plans.exists()


# --- personal calendar address ----------------------------------------------------------------


def test_calendar_address_can_be_renewed_and_revoked(client: Client, member_user) -> None:
    client.force_login(member_user)
    assert client.post(reverse("meeting-calendar-renew")).status_code == 302
    first = CalendarFeed.objects.get(user=member_user).token
    assert client.get(reverse("meeting-calendar-feed", args=[first])).status_code == 200
    assert client.post(reverse("meeting-calendar-renew")).status_code == 302
    second = CalendarFeed.objects.get(user=member_user).token
    assert second != first
    assert client.get(reverse("meeting-calendar-feed", args=[first])).status_code == 404
    assert client.get(reverse("meeting-calendar-feed", args=[second])).status_code == 200
    assert client.post(reverse("meeting-calendar-revoke")).status_code == 302
    assert client.get(reverse("meeting-calendar-feed", args=[second])).status_code == 404
    assert client.post(reverse("meeting-calendar-revoke")).status_code == 404
    actions = list(
        AuditEntry.objects.filter(action__startswith="meeting.calendar_feed")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "meeting.calendar_feed_create",
        "meeting.calendar_feed_renew",
        "meeting.calendar_feed_revoke",
    ]
    logged = str(list(AuditEntry.objects.values_list("before", "after")))
    assert first not in logged and second not in logged


def test_calendar_page_does_not_create_an_address_on_get(client: Client, member_user) -> None:
    client.force_login(member_user)
    assert client.get(reverse("meeting-calendar")).status_code == 200
    assert not CalendarFeed.objects.filter(user=member_user).exists()


def test_calendar_links_use_the_site_url(client: Client, office_user, settings) -> None:
    meeting = _meeting(office_user)
    settings.SITE_URL = "https://hafennetz.example.org"
    client.force_login(office_user)
    body = client.get(reverse("meeting-ics", args=[meeting.pk])).content.decode()
    assert f"https://hafennetz.example.org/treffen/{meeting.pk}/" in body.replace("\r\n ", "")
    settings.SITE_URL = ""
    body = client.get(reverse("meeting-ics", args=[meeting.pk])).content.decode()
    assert f"http://testserver/treffen/{meeting.pk}/" in body.replace("\r\n ", "")


@pytest.mark.parametrize(
    ("extra", "field"), [({"level": ""}, "level"), ({"level": "state", "state": ""}, "state")]
)
def test_state_coordination_missing_level_or_state_is_a_field_error(
    client: Client, state_coordinator, extra: dict[str, str], field: str
) -> None:
    client.force_login(state_coordinator)
    response = client.post(reverse("meeting-create"), _form_data(_start(), **extra))
    assert response.status_code == 200
    assert field in response.context["form"].errors


def test_moves_and_repair_through_their_own_urls(client: Client, office_user) -> None:
    from hafennetz.meetings import planning
    from hafennetz.meetings.models import GroupAssignment

    meeting = _planned_meeting(office_user)
    plan = services.plan_generate(
        actor=office_user, meeting=meeting, min_size=4, max_size=5, time_limit=2
    )
    block = planning.small_group_blocks(meeting)[0]
    facilitator = Registration.objects.filter(meeting=meeting, role="facilitator").first()
    source = GroupAssignment.objects.get(plan=plan, block=block, registration=facilitator)
    target = (source.group + 1) % 6
    client.force_login(office_user)
    url = reverse("meeting-plan-move", args=[meeting.pk])
    move = {"block": block.pk, "registration": facilitator.pk, "to_group": target + 1}
    page = client.post(url, move)
    assert page.status_code == 200 and page.context["violations"] and page.context["pending_move"]
    assert GroupAssignment.objects.get(pk=source.pk).group == source.group
    assert client.post(url, {**move, "confirm": "on"}).status_code == 302
    assert GroupAssignment.objects.get(pk=source.pk).group == target
    # Hostile ids are refused at the form, not at the database.
    for bad in ("²", "9" * 30, "-1"):
        assert client.post(url, {**move, "registration": bad}).status_code == 302
    late = _staff(30)[-1]
    services.registration_create(actor=late, meeting=meeting)
    assert client.post(reverse("meeting-plan-repair", args=[meeting.pk])).status_code == 302
    current = planning.current_plan(meeting)
    assert current is not None and current.pk != plan.pk
