"""Demo data: one invented position in each phase (draft, comment phase, endorsement phase,
published, archived) with versions, comments, answers and endorsements, and the demand tracker
with the demands of the Potsdamer Erklärung. Every record here is flagged `is_demo`; the demand
titles restate the alliance's public demands, the dated entries are invented (no public
reference was available to this project) and say so."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from hafennetz.members.models import Member, StaffAccount
from hafennetz.positions import services
from hafennetz.positions.models import (
    Comment,
    DemandStatus,
    Endorsement,
    Position,
    PositionStatus,
    PositionVersion,
)

ACTOR = None  # a system job

TEXT_V1 = "\n".join(
    [
        (
            "Die Mitglieder des Bündnisses sind bereit, zusätzlich zu ihrer Quote Menschen "
            "aufzunehmen."
        ),
        "",
        "## Ausgangslage",
        (
            "Viele Kommunen haben freie Plätze in Wohnungen, Kitas und Sprachkursen "
            "gemeldet. Die Verteilung folgt jedoch allein dem Königsteiner Schlüssel."
        ),
        "",
        "## Forderungen",
        "Bund und Länder ermöglichen eine kommunale Aufnahme über die Quote hinaus.",
        "Die Verteilung wird transparent gemacht.",
        "",
        "## Unterstützung",
        "Die Kommunen brauchen Unterstützung bei Wohnraum und Finanzierung.",
    ]
)

TEXT_V2 = "\n".join(
    [
        (
            "Die Mitglieder des Bündnisses sind bereit, zusätzlich zu ihrer Quote Menschen "
            "aufzunehmen."
        ),
        "",
        "## Ausgangslage",
        (
            "Viele Kommunen haben freie Plätze in Wohnungen, Kitas, Schulen und "
            "Sprachkursen gemeldet. Die Verteilung folgt jedoch allein dem Königsteiner "
            "Schlüssel und berücksichtigt diese Zusagen nicht."
        ),
        "",
        "## Forderungen",
        "Bund und Länder ermöglichen eine kommunale Aufnahme über die Quote hinaus.",
        ("Die Verteilung wird transparent gemacht, mit einem öffentlichen Verteilschlüssel."),
        "",
        "## Unterstützung",
        (
            "Die Kommunen brauchen Unterstützung bei Wohnraum und Finanzierung, auch für "
            "zusätzliches Personal."
        ),
    ]
)

POSITIONS = [
    (
        "Positionspapier Kinderbetreuung für geflüchtete Familien (Demo)",
        PositionStatus.DRAFT,
        "Entwurf der Arbeitsgruppe Kita und Schule.",
    ),
    (
        "Positionspapier Wohnraum für Geflüchtete (Demo)",
        PositionStatus.COMMENTING,
        "Was Kommunen brauchen, um zusätzliche Menschen unterzubringen.",
    ),
    (
        "Positionspapier Aufnahme über die Quote hinaus (Demo)",
        PositionStatus.ENDORSING,
        "Kommunale Aufnahme zusätzlich zur Quote und ein transparenter Verteilschlüssel.",
    ),
    (
        "Gemeinsame Erklärung zur Seenotrettung 2025 (Demo)",
        PositionStatus.PUBLISHED,
        "Die Mitglieder bekräftigen ihre Bereitschaft zur Aufnahme aus Seenot geretteter Menschen.",
    ),
    (
        "Stellungnahme zum Aufnahmeprogramm 2023 (Demo)",
        PositionStatus.ARCHIVED,
        "Stellungnahme zu einem inzwischen beendeten Aufnahmeprogramm.",
    ),
]

FIRST_NAMES = ["Anna", "Ben", "Clara", "Deniz", "Elif"]
FUNCTIONS = ["Oberbürgermeisterin", "Oberbürgermeister", "Bürgermeisterin", "Landrat"]

DEMANDS = [
    (
        "Kommunale Aufnahme zusätzlich zur Quote ermöglichen",
        "Kommunen, die aufnehmen wollen, sollen Menschen zusätzlich zu ihrer Quote aufnehmen "
        "können.",
        "Bund und Länder",
        DemandStatus.DISCUSSED,
    ),
    (
        "Transparenz bei der Verteilung",
        "Offenlegen, nach welchen Regeln aufgenommene Menschen auf Länder und Kommunen verteilt "
        "werden.",
        "Bund und Länder",
        DemandStatus.PARTLY,
    ),
    (
        "Ein Verteilschlüssel, der Aufnahmezusagen berücksichtigt",
        "Neben dem Königsteiner Schlüssel zählen die Zusagen aufnahmebereiter Kommunen.",
        "Bund",
        DemandStatus.OPEN,
    ),
    (
        "Unterstützung bei Wohnraum und Finanzierung",
        "Bund und Länder beteiligen sich an den Kosten zusätzlicher Aufnahme: Wohnraum, "
        "Betreuung, Personal.",
        "Bund und Länder",
        DemandStatus.PARTLY,
    ),
    (
        "Aufnahme aus Seenot geretteter Menschen",
        "Aus Seenot gerettete Menschen werden direkt von aufnahmebereiten Kommunen aufgenommen.",
        "Bund",
        DemandStatus.REJECTED,
    ),
]
DEMO_ENTRY = "Beispieleintrag (Demo, erfunden): "


def _staff(member: Member):  # type: ignore[no-untyped-def]
    account = StaffAccount.objects.filter(member=member).select_related("user").first()
    return account.user if account else None


def _move(position: Position, to: str) -> None:
    Position.objects.filter(pk=position.pk).update(status=to, status_changed_at=timezone.now())
    position.refresh_from_db()


def _with_intro(summary: str, text: str) -> str:
    """The demo text with the position's own introduction (the sections are shared)."""
    return summary + "\n\n" + text.split("\n\n", 1)[1]


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def _backdate(position: Position, published_on: dt.date) -> None:
    """A position published in the past: its versions, comments and endorsements happened
    before (the services stamp them with today)."""
    for version in position.versions.all():
        day = published_on - dt.timedelta(days=120 - 45 * version.number)
        PositionVersion.objects.filter(pk=version.pk).update(created_at=_at(day))
    Comment.objects.filter(position=position).update(
        created_at=_at(published_on - dt.timedelta(days=100)),
        answered_at=_at(published_on - dt.timedelta(days=70)),
    )
    for n, endorsement in enumerate(position.endorsements.order_by("pk")):
        endorsed_on = published_on - dt.timedelta(days=40 - n % 35)
        decided = endorsement.council_decision_on
        Endorsement.objects.filter(pk=endorsement.pk).update(
            endorsed_on=endorsed_on,
            created_at=_at(endorsed_on),
            council_decision_on=endorsed_on - dt.timedelta(days=30 + n) if decided else None,
            council_decision_reference=f"DS {endorsed_on.year}/{100 + n}" if decided else "",
        )


@transaction.atomic
def seed_demo_positions() -> bool:
    """Create the demo positions and demands once; later calls change nothing."""
    if Position.objects.filter(is_demo=True).exists():
        return False
    members = list(Member.objects.alliance().order_by("pk"))
    if len(members) < 20:
        return False
    users = get_user_model().objects
    office = users.filter(username="koordinierungsstelle@demo.hafennetz.example").first()
    commenters = [m for m in members if _staff(m) is not None] or members[:3]
    working_group = members[1:4]
    for index, (title, status, summary) in enumerate(POSITIONS):
        position = services.position_create(
            actor=ACTOR,
            title=title,
            summary=summary,
            text=_with_intro(summary, TEXT_V1),
            coauthors=working_group if index < 3 else [],
            is_demo=True,
        )
        if status == PositionStatus.DRAFT:
            continue
        _move(position, PositionStatus.COMMENTING)
        version1 = position.versions.get(number=1)
        for n, member in enumerate(commenters[:3]):
            user = _staff(member)
            comment = services.comment_create(
                actor=ACTOR,
                position=position,
                member=member,
                section_key=version1.sections[1 + n]["key"],
                text=[
                    "Bitte auch Schulen nennen, nicht nur Kitas.",
                    "Ein öffentlicher Verteilschlüssel sollte ausdrücklich genannt werden.",
                    "Personal für Betreuung fehlt bei uns mehr als Geld für Wohnraum.",
                ][n],
            )
            if user is not None:
                comment.author = user
                comment.save(update_fields=["author"])
        if index >= 2 or status != PositionStatus.COMMENTING:
            version2 = services.position_update(
                actor=ACTOR,
                position=position,
                title=position.title,
                summary=position.summary,
                text=_with_intro(summary, TEXT_V2),
                note="Hinweise aus der Kommentarphase aufgenommen",
            )
            for comment in position.comments.all():
                services.comment_answer(
                    actor=ACTOR,
                    comment=comment,
                    answer="Danke, wir haben den Hinweis in Version 2 aufgenommen.",
                    taken_up_in=version2,
                )
                if office is not None:
                    comment.answered_by = office
                    comment.save(update_fields=["answered_by"])
        else:
            first = position.comments.first()
            if first is not None:
                services.comment_answer(
                    actor=ACTOR,
                    comment=first,
                    answer="Danke, das nehmen wir in die nächste Fassung auf.",
                )
        assert version1.number == 1
        if status == PositionStatus.COMMENTING:
            continue
        _move(position, PositionStatus.ENDORSING)
        endorsers = members[5 : 5 + [0, 0, 14, 38, 22][index]]
        for n, member in enumerate(endorsers):
            services.endorsement_create(
                actor=ACTOR,
                position=position,
                member=member,
                signatory_name=f"{FIRST_NAMES[n % len(FIRST_NAMES)]} Beispiel (Demo)",
                signatory_function=FUNCTIONS[n % len(FUNCTIONS)],
                council_decision_on=dt.date(2024, 3, 1) + dt.timedelta(days=7 * n)
                if n % 3 == 0
                else None,
                council_decision_reference=f"DS {2024}/{100 + n}" if n % 3 == 0 else "",
                is_demo=True,
            )
        if status == PositionStatus.ENDORSING:
            continue
        _move(position, PositionStatus.PUBLISHED)
        published_on = dt.date(2025, 6, 20) if index == 3 else dt.date(2023, 9, 1)
        Position.objects.filter(pk=position.pk).update(published_on=published_on)
        _backdate(position, published_on)
        if status == PositionStatus.ARCHIVED:
            _move(position, PositionStatus.ARCHIVED)
    demand_position = Position.objects.filter(declaration__version="2021").first()
    for order, (title, description, addressee, status) in enumerate(DEMANDS, start=1):
        demand = services.demand_save(
            actor=ACTOR,
            data={
                "title": title,
                "description": description,
                "addressee": addressee,
                "status": status,
                "position": demand_position,
                "order": order,
            },
            is_demo=True,
        )
        services.demand_entry_create(
            actor=ACTOR,
            demand=demand,
            happened_on=dt.date(2024, 2, 1) + dt.timedelta(days=40 * order),
            actor_name="Bund (Demo)" if order % 2 else "Land (Demo)",
            text=DEMO_ENTRY + "Antwortschreiben auf die Forderung; eine Prüfung wurde zugesagt.",
            is_demo=True,
        )
        if order <= 2:
            services.demand_entry_create(
                actor=ACTOR,
                demand=demand,
                happened_on=dt.date(2025, 5, 10) + dt.timedelta(days=order),
                actor_name="Länderkonferenz (Demo)",
                text=DEMO_ENTRY + "Beschluss, das Thema im nächsten Jahr erneut zu beraten.",
                is_demo=True,
            )
    return True
