"""Meetings: registration window and limits, waitlist, agenda overlaps, small-group plans,
closing, iCalendar output read back with the icalendar library."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from hafennetz.core.models import AuditEntry
from hafennetz.meetings import planning, services
from hafennetz.meetings.models import (
    GroupAssignment,
    Meeting,
    ParticipantRole,
    Registration,
    RegistrationStatus,
)
from hafennetz.members.models import Member, StaffAccount

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def _meeting(office_user, **extra) -> Meeting:
    day = timezone.localtime(NOW + dt.timedelta(days=30)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    data = {
        "title": "Testtreffen",
        "level": "federal",
        "state": None,
        "format": "digital",
        "starts_at": day,
        "ends_at": day + dt.timedelta(hours=6),
        "place": "",
        "video_link": "https://video.example.org/t",
        "description": "",
        "moderators": "",
        "registration_opens_at": NOW - dt.timedelta(days=1),
        "registration_closes_at": day - dt.timedelta(days=1),
        "slots_total": None,
        "slots_per_member": None,
        "questions": "",
        **extra,
    }
    return services.meeting_save(actor=office_user, data=data)


def _staff(n: int, exclude_state: str | None = None) -> list:
    """n users, each staff of a different alliance member."""
    members = Member.objects.alliance().order_by("pk")
    if exclude_state:
        members = members.exclude(state_id=exclude_state)
    users = []
    for member in members[:n]:
        account = StaffAccount.objects.filter(member=member).first()
        if account is None:
            user = get_user_model().objects.create_user(
                username=f"t{member.pk}@test.example", email=f"t{member.pk}@test.example"
            )
            account = StaffAccount.objects.create(user=user, member=member)
        users.append(account.user)
    return users


def test_meeting_bad_times_are_refused_at_the_field(office_user) -> None:
    with pytest.raises(ValidationError) as exc:
        _meeting(office_user, ends_at=NOW)
    assert "ends_at" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _meeting(office_user, format="in_person", video_link="")
    assert "place" in exc.value.message_dict


def test_agenda_blocks_may_not_overlap_or_leave_the_meeting(office_user) -> None:
    meeting = _meeting(office_user)
    start = meeting.starts_at
    services.agenda_block_add(
        actor=office_user,
        meeting=meeting,
        kind="plenary",
        title="A",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as exc:
        services.agenda_block_add(
            actor=office_user,
            meeting=meeting,
            kind="plenary",
            title="B",
            starts_at=start + dt.timedelta(minutes=30),
            ends_at=start + dt.timedelta(hours=2),
        )
    assert "A" in exc.value.message_dict["starts_at"][0]
    with pytest.raises(ValidationError):
        services.agenda_block_add(
            actor=office_user,
            meeting=meeting,
            kind="plenary",
            title="C",
            starts_at=start - dt.timedelta(hours=1),
            ends_at=start,
        )
    assert meeting.blocks.count() == 1


def test_registration_window_double_registration_and_answers(office_user, member_user) -> None:
    meeting = _meeting(office_user, questions="Welche Themen?")
    with pytest.raises(ValidationError):  # question unanswered
        services.registration_create(actor=member_user, meeting=meeting, answers=[""])
    with pytest.raises(ValidationError):  # before the window
        services.registration_create(
            actor=member_user, meeting=meeting, answers=["Schule"], now=NOW - dt.timedelta(days=2)
        )
    with pytest.raises(ValidationError):  # after the window
        services.registration_create(
            actor=member_user,
            meeting=meeting,
            answers=["Schule"],
            now=meeting.registration_closes_at + dt.timedelta(minutes=1),
        )
    registration = services.registration_create(
        actor=member_user, meeting=meeting, answers=["Schule"]
    )
    assert registration.status == RegistrationStatus.CONFIRMED
    with pytest.raises(ValidationError):
        services.registration_create(actor=member_user, meeting=meeting, answers=["Schule"])
    assert Registration.objects.filter(meeting=meeting).count() == 1


def test_full_meeting_waitlists_and_moves_up_on_cancellation(
    office_user, django_capture_on_commit_callbacks
) -> None:
    meeting = _meeting(office_user, slots_total=2)
    users = _staff(3)
    with django_capture_on_commit_callbacks(execute=True):
        regs = [services.registration_create(actor=u, meeting=meeting) for u in users]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted"]
    confirmation = mail.outbox[0]
    assert confirmation.attachments and confirmation.attachments[0][2] == "text/calendar"
    calendar = Calendar.from_ical(confirmation.attachments[0][1])
    event = calendar.walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Testtreffen"
    assert event.decoded("DTSTART") == meeting.starts_at
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.registration_cancel(actor=users[0], registration=regs[0])
    assert moved == regs[2]
    assert Registration.objects.get(pk=regs[2].pk).status == "confirmed"
    assert [m.to for m in mail.outbox] == [[users[2].email]]


def test_places_per_member_are_kept(office_user, member_user, own_member) -> None:
    colleague = get_user_model().objects.create_user(
        username="kollege@detmold.example", email="kollege@detmold.example"
    )
    StaffAccount.objects.create(user=colleague, member=own_member)
    meeting = _meeting(office_user, slots_per_member=1)
    first = services.registration_create(actor=member_user, meeting=meeting)
    second = services.registration_create(actor=colleague, meeting=meeting)
    assert (first.status, second.status) == ("confirmed", "waitlisted")


def _planned_meeting(office_user, people: int = 24, facilitators: int = 6) -> Meeting:
    meeting = _meeting(office_user)
    start = meeting.starts_at
    for index in range(2):
        services.agenda_block_add(
            actor=office_user,
            meeting=meeting,
            kind="small_groups",
            title=f"Runde {index + 1}",
            starts_at=start + dt.timedelta(hours=index),
            ends_at=start + dt.timedelta(hours=index, minutes=50),
        )
    for index, user in enumerate(_staff(people)):
        registration = services.registration_create(actor=user, meeting=meeting)
        if index < facilitators:
            services.registration_set_role(
                actor=office_user, registration=registration, role=ParticipantRole.FACILITATOR
            )
    return meeting


def test_plan_keeps_the_hard_rules_and_stores_quality(office_user) -> None:
    meeting = _planned_meeting(office_user)
    # 6 groups of 4 in two rounds: a plan without any repeated pair exists.
    plan = services.plan_generate(
        actor=office_user, meeting=meeting, min_size=4, max_size=4, time_limit=3
    )
    problem, _blocks, stored = planning.plan_problem(plan)
    from hafennetz.engines.grouping import check

    assert check(problem, stored) == []
    assert plan.quality["violations"] == 0
    assert plan.quality["repeated_pairs"] == 0
    for round_plan in stored.rounds:
        assert len(round_plan.groups) == 6  # one per facilitator
        for group in round_plan.groups:
            members = [p.member for p in problem.participants if p.id in group.participant_ids]
            assert len(members) == len(set(members))
    assert AuditEntry.objects.filter(action="meeting.plan").exists()


def test_manual_move_that_breaks_a_rule_needs_confirmation(office_user) -> None:
    meeting = _planned_meeting(office_user)
    plan = services.plan_generate(
        actor=office_user, meeting=meeting, min_size=4, max_size=4, time_limit=2
    )
    block = planning.small_group_blocks(meeting)[0]
    facilitator = Registration.objects.filter(meeting=meeting, role="facilitator").first()
    source = GroupAssignment.objects.get(plan=plan, block=block, registration=facilitator)
    target = (source.group + 1) % 6
    violations = services.plan_move(
        actor=office_user, group_plan=plan, block=block, registration=facilitator, to_group=target
    )
    assert violations  # two facilitators in one group, none in the other
    assert GroupAssignment.objects.get(pk=source.pk).group == source.group  # not saved
    services.plan_move(
        actor=office_user,
        group_plan=plan,
        block=block,
        registration=facilitator,
        to_group=target,
        confirm=True,
    )
    assert GroupAssignment.objects.get(pk=source.pk).group == target
    plan.refresh_from_db()
    assert plan.quality["violations"] > 0


def test_repair_places_a_late_joiner_and_keeps_most_assignments(office_user) -> None:
    meeting = _planned_meeting(office_user)
    plan = services.plan_generate(
        actor=office_user, meeting=meeting, min_size=4, max_size=5, time_limit=2
    )
    before = {(a.block_id, a.registration_id): a.group for a in plan.assignments.all()}
    late = _staff(30)[-1]
    late_registration = services.registration_create(actor=late, meeting=meeting)
    new_plan, changed = services.plan_repair(actor=office_user, group_plan=plan)
    after = {(a.block_id, a.registration_id): a.group for a in new_plan.assignments.all()}
    assert {r for _b, r in after} == {r for _b, r in before} | {late_registration.pk}
    kept = sum(1 for key, group in before.items() if after.get(key) == group)
    assert kept >= len(before) - changed
    assert changed <= 6  # the late joiner and a few swaps, not a new plan
    assert not Meeting.objects.get(pk=meeting.pk).plans.filter(pk=plan.pk, is_current=True).exists()


def test_history_of_earlier_meetings_feeds_the_planner(office_user) -> None:
    later = Meeting.objects.filter(level="federal", closed_at__isnull=True).first()
    history = planning.encounter_history(later)
    pairs = {frozenset(pair) for pair in history}
    first = Meeting.objects.get(title="1. Arbeitstreffen des Bündnisses").plans.get()
    group = list(
        first.assignments.filter(group=0, block=first.assignments.first().block).values_list(
            "registration__user_id", flat=True
        )
    )
    assert frozenset({f"user:{group[0]}", f"user:{group[1]}"}) in pairs
    assert all(len(pair) == 2 for pair in pairs)


def test_closed_meeting_is_read_only_except_follow_ups(office_user, own_member) -> None:
    meeting = _planned_meeting(office_user, people=6, facilitators=0)
    follow_up = services.follow_up_add(
        actor=office_user,
        meeting=meeting,
        title="Bericht",
        owner=own_member,
        due_on=dt.date(2030, 1, 1),
    )
    registration = meeting.registrations.first()
    during = meeting.starts_at + dt.timedelta(hours=1)
    services.attendance_set(
        actor=office_user, meeting=meeting, present_ids=[registration.pk], now=during
    )
    closed = services.meeting_close(
        actor=office_user, meeting=meeting, now=meeting.ends_at + dt.timedelta(hours=1)
    )
    assert closed.attendance_count == 1
    with pytest.raises(ValidationError):
        services.minutes_save(actor=office_user, meeting=closed, minutes="x")
    with pytest.raises(ValidationError):
        services.registration_create(actor=_staff(8)[-1], meeting=closed)
    services.follow_up_set_status(actor=office_user, follow_up=follow_up, status="done")
    follow_up.refresh_from_db()
    assert follow_up.status == "done"


def test_checkin_by_code(office_user, member_user) -> None:
    meeting = _meeting(office_user)
    services.registration_create(actor=member_user, meeting=meeting)
    during = meeting.starts_at + dt.timedelta(minutes=5)
    with pytest.raises(ValidationError) as exc:
        services.checkin_with_code(actor=member_user, meeting=meeting, code="WRONG", now=during)
    assert "code" in exc.value.message_dict
    registration = services.checkin_with_code(
        actor=member_user, meeting=meeting, code=meeting.checkin_code.lower(), now=during
    )
    assert registration.checked_in_at is not None


def test_personal_ical_feed_lists_confirmed_meetings(
    client: Client, office_user, member_user
) -> None:
    meeting = _meeting(office_user, title="Feedtreffen")
    services.registration_create(actor=member_user, meeting=meeting)
    client.force_login(member_user)
    assert client.post(reverse("meeting-calendar-renew")).status_code == 302
    token = member_user.calendar_feed.token
    assert token in client.get(reverse("meeting-calendar")).content.decode()
    client.logout()
    response = client.get(reverse("meeting-calendar-feed", args=[token]))
    assert response.status_code == 200
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert "Feedtreffen" in [str(e["SUMMARY"]) for e in events]


def test_organiser_flow_through_the_views(client: Client, office_user) -> None:
    meeting = _planned_meeting(office_user)
    client.force_login(office_user)
    response = client.post(
        reverse("meeting-plan", args=[meeting.pk]),
        {"generate": "1", "min_size": 4, "max_size": 4, "seed": 3},
    )
    assert response.status_code == 302
    page = client.get(reverse("meeting-plan", args=[meeting.pk]))
    assert page.status_code == 200 and b"group-card" in page.content
    zoom = client.get(reverse("meeting-plan-export", args=[meeting.pk, "zoom"]) + "?runde=1")
    lines = zoom.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].lower().startswith("pre-assign room name") and len(lines) == 25
    bbb = json.loads(
        client.get(reverse("meeting-plan-export", args=[meeting.pk, "bbb"]) + "?runde=2").content
    )
    assert sum(len(room["roster"]) for room in bbb) == 24
    assert (
        client.get(
            reverse("meeting-plan-export", args=[meeting.pk, "bbb"]) + "?runde=9"
        ).status_code
        == 404
    )
    export = client.get(reverse("meeting-registrations-export", args=[meeting.pk, "xlsx"]))
    assert export.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    assert load_workbook(BytesIO(export.content)).active.max_row == 25


def test_state_coordination_creates_only_meetings_of_its_own_state(
    client: Client, state_coordinator
) -> None:
    """Kiel coordinates Schleswig-Holstein (01)."""
    client.force_login(state_coordinator)
    start = timezone.localtime(NOW + dt.timedelta(days=20)).replace(
        minute=0, second=0, microsecond=0
    )
    base = {
        "title": "Landestreffen",
        "format": "digital",
        "video_link": "https://v.example.org/x",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "registration_opens_at": (NOW - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "registration_closes_at": (start - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    form = client.get(reverse("meeting-create")).context["form"]
    assert [value for value, _label in form.fields["level"].choices] == ["state"]
    assert [s.pk for s in form.fields["state"].queryset] == ["01"]
    for refused in ({"level": "federal", "state": ""}, {"level": "state", "state": "05"}):
        response = client.post(reverse("meeting-create"), {**base, **refused})
        assert response.status_code == 403
        assert "eigenen Bundesland" in response.content.decode() or "own state" in (
            response.content.decode()
        )
    assert not Meeting.objects.filter(title="Landestreffen").exists()
    response = client.post(reverse("meeting-create"), {**base, "level": "state", "state": "01"})
    assert response.status_code == 302
    meeting = Meeting.objects.get(title="Landestreffen")
    assert client.get(reverse("meeting-plan", args=[meeting.pk])).status_code == 200
    nrw = Meeting.objects.get(level="state", state_id="05")
    assert client.get(reverse("meeting-plan", args=[nrw.pk])).status_code == 403


@pytest.mark.parametrize(
    # Including what every page of the platform costs (session, two-factor device).
    ("name", "limit"),
    [("meeting-list", 12), ("meeting-detail", 30), ("meeting-plan", 30)],
)
def test_meeting_pages_have_bounded_query_counts(
    client: Client, office_user, django_assert_max_num_queries, name: str, limit: int
) -> None:
    meeting = Meeting.objects.get(title="3. Arbeitstreffen (digital)")  # 42 people, 3 rounds
    client.force_login(office_user)
    url = reverse(name) if name == "meeting-list" else reverse(name, args=[meeting.pk])
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_wrong_checkin_codes_are_limited(office_user, member_user) -> None:
    """The code is short enough to read out in a room; guessing it is stopped after ten tries
    an hour (then the organisers check people in by list)."""
    from hafennetz.core.models import AuditEntry

    meeting = _meeting(office_user)
    services.registration_create(actor=member_user, meeting=meeting)
    during = meeting.starts_at + dt.timedelta(minutes=5)
    for _attempt in range(services.CHECKIN_ATTEMPTS_PER_HOUR):
        with pytest.raises(ValidationError):
            services.checkin_with_code(
                actor=member_user, meeting=meeting, code="000000", now=during
            )
    assert AuditEntry.objects.filter(action="meeting.checkin_failed").count() == 10
    with pytest.raises(ValidationError, match=r"Too many|Zu viele"):
        services.checkin_with_code(
            actor=member_user, meeting=meeting, code=meeting.checkin_code, now=during
        )
