"""Demo meetings: the alliance's first three working meetings (real: Rottenburg am Neckar 2019
in person; the second planned for Marburg and held online; the third digital by design — exact
dates and details invented) and two upcoming ones with registrations. All flagged is_demo."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from hafennetz.core.models import State
from hafennetz.engines.grouping import plan as make_plan
from hafennetz.meetings import planning, services
from hafennetz.meetings.models import (
    BlockKind,
    Format,
    Level,
    Meeting,
    ParticipantRole,
    Registration,
    RegistrationStatus,
)
from hafennetz.members.models import Member, StaffAccount, StateCoordination

ACTOR = None  # a system job: the audit log shows "system"
BERLIN = ZoneInfo("Europe/Berlin")
SEED = 2019
TOPICS = "Unterbringung, Kinderbetreuung, Schule, Arbeitsmarktintegration, Sozialbetreuung"


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


# Invented names of the demo staff (people, not addresses, in registrations and small groups).
_FIRST = ["Aylin", "Bernd", "Carla", "Dario", "Emma", "Felix", "Gül", "Hannes", "Inga", "Jan"]
_LAST = ["Beispiel", "Muster", "Probe", "Exempel", "Vorlage", "Fiktiv", "Erdacht"]


def _demo_staff(members: list[Member]) -> list[StaffAccount]:
    """One invented staff login (no usable password) per member that has none."""
    User = get_user_model()
    accounts = []
    for index, member in enumerate(members):
        account = StaffAccount.objects.filter(member=member).select_related("user").first()
        if account is None:
            email = f"team-{member.ags}@demo.hafennetz.example"
            first = _FIRST[index % len(_FIRST)]
            last = _LAST[(index // len(_FIRST)) % len(_LAST)]
            user = User(username=email, email=email, first_name=first, last_name=last)
            user.set_unusable_password()
            user.save()
            account = StaffAccount.objects.create(user=user, member=member, is_demo=True)
        accounts.append(account)
    return accounts


def _meeting(
    title: str,
    day: dt.date,
    fmt: str,
    *,
    level: str = Level.FEDERAL,
    state_id: str | None = None,
    place: str = "",
    video: str = "",
    hours: tuple[int, int] = (10, 16),
    description: str = "",
) -> Meeting:
    return services.meeting_save(
        actor=ACTOR,
        data={
            "title": title,
            "level": level,
            "format": fmt,
            "state": State.objects.get(pk=state_id) if state_id else None,
            "starts_at": _at(day, hours[0]),
            "ends_at": _at(day, hours[1]),
            "place": place,
            "video_link": video,
            "description": description,
            "moderators": "Moderationsteam (Demo)",
            "registration_opens_at": _at(day - dt.timedelta(days=60), 9),
            "registration_closes_at": _at(day - dt.timedelta(days=2), 23, 59),
            "slots_total": 60,
            "slots_per_member": 2,
            "questions": "Welche Themen sollen wir vertiefen?",
        },
        is_demo=True,
    )


def _agenda(meeting: Meeting, rounds: int) -> None:
    day = timezone.localtime(meeting.starts_at).date()
    start = timezone.localtime(meeting.starts_at).hour
    services.agenda_block_add(
        actor=ACTOR,
        meeting=meeting,
        kind=BlockKind.PLENARY,
        title="Begrüßung und Lage im Bündnis",
        starts_at=_at(day, start),
        ends_at=_at(day, start + 1),
    )
    for index in range(rounds):
        begin = _at(day, start + 1) + dt.timedelta(minutes=75 * index)
        services.agenda_block_add(
            actor=ACTOR,
            meeting=meeting,
            kind=BlockKind.SMALL_GROUPS,
            title=f"Kleingruppen, Runde {index + 1}",
            starts_at=begin,
            ends_at=begin + dt.timedelta(minutes=60),
            topics=TOPICS if index == 0 else "",
        )
    services.agenda_block_add(
        actor=ACTOR,
        meeting=meeting,
        kind=BlockKind.PLENARY,
        title="Plenum: Ergebnisse und Verabredungen",
        starts_at=_at(day, start + 1) + dt.timedelta(minutes=75 * rounds),
        ends_at=timezone.localtime(meeting.ends_at),
    )


def _register(
    meeting: Meeting, accounts: list[StaffAccount], rng: random.Random, facilitators: int
) -> None:
    people = rng.sample(accounts, k=len(accounts))
    Registration.objects.bulk_create(
        Registration(
            meeting=meeting,
            user=a.user,
            member=a.member,
            status=RegistrationStatus.CONFIRMED,
            role=ParticipantRole.FACILITATOR if i < facilitators else ParticipantRole.PARTICIPANT,
            answers=["Unterbringung und Personal"],
            is_demo=True,
        )
        for i, a in enumerate(people)
    )


def _plan(meeting: Meeting) -> None:
    problem, blocks = planning.build_problem(meeting)
    plan = make_plan(problem, seed=SEED, time_limit=1.0)
    services._store_plan(
        actor=ACTOR, meeting=meeting, plan=plan, blocks=blocks, seed=SEED, problem=problem
    )


@transaction.atomic
def seed_demo_meetings() -> bool:
    if Meeting.objects.exists():
        return False
    rng = random.Random(SEED)
    members = list(Member.objects.alliance().select_related("state").order_by("joined_on", "pk"))
    early = [m for m in members if m.joined_on and m.joined_on <= dt.date(2019, 10, 18)]
    accounts = _demo_staff(members)
    by_member = {a.member_id: a for a in accounts}

    first = _meeting(
        "1. Arbeitstreffen des Bündnisses",
        dt.date(2019, 10, 18),
        Format.IN_PERSON,
        place="Rottenburg am Neckar, Rathaus",
        description="Erstes Arbeitstreffen nach der Gründung in Berlin.",
    )
    _agenda(first, 2)
    _register(first, [by_member[m.pk] for m in early][:30], rng, facilitators=5)
    _plan(first)
    services.minutes_save(
        actor=ACTOR,
        meeting=first,
        minutes=(
            "Die Mitglieder tauschen sich über die zusätzliche Aufnahme aus Seenot geretteter "
            "Menschen aus."
        ),
    )
    # Real (Landeshauptstadt Potsdam on the first working meeting), so not flagged as demo.
    services.decision_add(
        actor=ACTOR,
        meeting=first,
        text=(
            "Die Mitglieder begrüßen das Angebot der Landeshauptstadt Potsdam, die "
            "Koordinierungsstelle des Bündnisses zu übernehmen."
        ),
    )
    services.meeting_close(actor=ACTOR, meeting=first)

    second = _meeting(
        "2. Arbeitstreffen (geplant in Marburg, online durchgeführt)",
        dt.date(2020, 9, 25),
        Format.DIGITAL,
        video="https://video.demo.hafennetz.example/treffen-2",
        description="Wegen der Pandemie online statt in Marburg.",
    )
    _agenda(second, 2)
    _register(
        second,
        [by_member[m.pk] for m in members if m.joined_on and m.joined_on <= dt.date(2020, 9, 1)][
            :36
        ],
        rng,
        facilitators=6,
    )
    _plan(second)
    services.follow_up_add(
        actor=ACTOR,
        meeting=second,
        title="Positionspapier zur Verteilung entwerfen",
        owner=Member.objects.get(municipality_id="12054000"),
        due_on=dt.date(2020, 12, 1),
        is_demo=True,
    )
    services.meeting_close(actor=ACTOR, meeting=second)

    third = _meeting(
        "3. Arbeitstreffen (digital)",
        dt.date(2021, 6, 11),
        Format.DIGITAL,
        video="https://video.demo.hafennetz.example/treffen-3",
    )
    _agenda(third, 3)
    _register(
        third,
        [by_member[m.pk] for m in members if m.joined_on and m.joined_on <= dt.date(2021, 6, 1)][
            :42
        ],
        rng,
        facilitators=7,
    )
    _plan(third)
    services.meeting_close(actor=ACTOR, meeting=third)

    upcoming_day = timezone.localdate() + dt.timedelta(days=45)
    upcoming = _meeting(
        "Bundesweites Arbeitstreffen (hybrid)",
        upcoming_day,
        Format.HYBRID,
        place="Potsdam, Rathaus",
        video="https://video.demo.hafennetz.example/treffen-bund",
    )
    _agenda(upcoming, 3)
    current = [by_member[m.pk] for m in members if m.pk in by_member]
    # The demo logins stay free to try registering themselves.
    current = [a for a in current if a.is_demo][:40]
    _register(upcoming, current, rng, facilitators=6)

    nrw = StateCoordination.objects.current().get(state_id="05")
    state_day = timezone.localdate() + dt.timedelta(days=20)
    state_meeting = _meeting(
        "Landestreffen Nordrhein-Westfalen",
        state_day,
        Format.DIGITAL,
        level=Level.STATE,
        state_id="05",
        video="https://video.demo.hafennetz.example/nrw",
        hours=(14, 17),
    )
    state_meeting.co_organisers.add(nrw.member)
    _agenda(state_meeting, 1)
    return True
