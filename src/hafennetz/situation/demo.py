"""Demo data for the Lagebild: the eight topics, a questionnaire with key figures, three past
survey rounds and one open round, with reports for most alliance members. Invented records are
flagged `is_demo`; seeded, so every installation gets the same pattern (dates relative to today,
so one round is always open). Reports are bulk-written for speed, with the same denormalised
keys the services write."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from hafennetz.members.models import Member
from hafennetz.situation import services
from hafennetz.situation.models import (
    Answer,
    FigureValue,
    KeyFigure,
    ReportStatus,
    ReviewStatus,
    SituationReport,
    SurveyRound,
    Topic,
)

SEED = 20230501
ACTOR = None  # a system job: the audit log names it "system"
# Detmold (the demo member login) has reports in the past rounds, none yet in the open one.
OWN_DEMO_AGS = "05766020"

# code, German, English, base strain (1-4 scale, before trend and noise)
TOPICS = [
    ("housing", "Unterbringung", "Accommodation", 2.9),
    ("childcare", "Kinderbetreuung", "Childcare", 2.8),
    ("school", "Schule", "School", 2.6),
    ("labour", "Arbeitsmarktintegration", "Labour-market integration", 2.2),
    ("social", "Sozialbetreuung", "Social care", 2.5),
    ("staff", "Personal und Fachkräfte", "Staff and skilled workers", 3.0),
    ("health", "Gesundheitsversorgung", "Health care", 2.3),
    ("language", "Sprachkurse", "Language courses", 2.6),
]
# topic, code, German, English, unit, plausible min, max
FIGURES = [
    ("housing", "places_available", "Unterbringungsplätze verfügbar",
     "Accommodation places available", "Plätze", 0, 20000),
    ("housing", "places_occupied", "Unterbringungsplätze belegt",
     "Accommodation places occupied", "Plätze", 0, 20000),
    ("childcare", "childcare_waiting", "Kinder auf der Warteliste für einen Kitaplatz",
     "Children on the childcare waiting list", "Kinder", 0, 3000),
    ("school", "school_waiting", "Kinder ohne Schulplatz",
     "Children without a school place", "Kinder", 0, 1000),
    ("staff", "vacancies", "Unbesetzte Stellen (Integration, Soziales)",
     "Vacancies (integration, social services)", "Stellen", 0, 300),
    ("language", "course_waiting", "Wartende auf einen Integrationskurs",
     "Waiting for an integration course", "Personen", 0, 5000),
]  # fmt: skip
# (opens, deadline) in days relative to today; the last round is open.
ROUND_DAYS = [(-560, -532), (-378, -350), (-196, -168), (-14, 14)]
ROUND_TREND = [0.0, 0.35, 0.1, -0.1]
MONTHS = [
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
]  # fmt: skip
HARD = {
    "housing": "Gemeinschaftsunterkünfte voll belegt, Wohnungsmarkt angespannt.",
    "childcare": "Lange Wartelisten, fehlende Erzieherinnen und Erzieher.",
    "school": "Vorbereitungsklassen ausgelastet, Schulwege weit.",
    "labour": "Anerkennung von Abschlüssen dauert zu lange.",
    "social": "Zu wenige Sozialarbeitende pro Unterkunft.",
    "staff": "Stellen in der Ausländerbehörde bleiben monatelang unbesetzt.",
    "health": "Kaum Kinderärztinnen und -ärzte mit freien Kapazitäten.",
    "language": "Integrationskurse mit Kinderbetreuung fehlen.",
}
WORKS = {
    "housing": "Private Wohnraumvermittlung mit Mietgarantie.",
    "childcare": "Brückenangebote mit Ehrenamtlichen.",
    "school": "Sprachmittlung in den Schulen.",
    "labour": "Jobcenter-Sprechstunde direkt in der Unterkunft.",
    "social": "Gute Zusammenarbeit mit den Wohlfahrtsverbänden.",
    "staff": "Quereinstieg mit Einarbeitung durch erfahrene Kolleginnen.",
    "health": "Gesundheitslotsinnen in den Unterkünften.",
    "language": "Online-Kurse für Berufstätige.",
}


def _title(opens_on: dt.date) -> str:
    return f"Lagebild {MONTHS[opens_on.month - 1]} {opens_on.year}"


@transaction.atomic
def seed_demo_situation(today: dt.date | None = None) -> bool:
    """Create the demo Lagebild once (when there are members and no topics yet)."""
    if Topic.objects.exists() or not Member.objects.exists():
        return False
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    topics = [
        services.topic_save(
            actor=ACTOR,
            data={"code": code, "name_de": de, "name_en": en, "order": 10 * (i + 1)},
        )
        for i, (code, de, en, _base) in enumerate(TOPICS)
    ]
    by_code = {t.code: t for t in topics}
    questionnaire = services.questionnaire_create(actor=ACTOR, topics=topics, is_demo=True)
    figures: dict[str, KeyFigure] = {}
    for i, (topic, code, de, en, unit, lo, hi) in enumerate(FIGURES):
        figures[code] = services.figure_create(
            actor=ACTOR,
            questionnaire=questionnaire,
            data={
                "topic": by_code[topic],
                "code": code,
                "label_de": de,
                "label_en": en,
                "unit": unit,
                "plausible_min": lo,
                "plausible_max": hi,
                "order": i,
                "not_above": figures["places_available"] if code == "places_occupied" else None,
            },
            is_demo=True,
        )
    rounds = [
        services.round_open(
            actor=ACTOR,
            title=_title(today + dt.timedelta(days=opens)),
            questionnaire=questionnaire,
            opens_on=today + dt.timedelta(days=opens),
            deadline=today + dt.timedelta(days=deadline),
            is_demo=True,
        )
        for opens, deadline in ROUND_DAYS
    ]
    members = list(
        Member.objects.alliance().select_related("municipality", "district").order_by("pk")
    )
    reviewer = (
        get_user_model()
        .objects.filter(username="koordinierungsstelle@demo.hafennetz.example")
        .first()
    )
    mood = {m.pk: rng.gauss(0, 0.35) for m in members}
    share = {m.pk: rng.random() < 0.45 and m.municipality_id != OWN_DEMO_AGS for m in members}
    for index, survey_round in enumerate(rounds):
        is_open = index == len(rounds) - 1
        _seed_round(
            rng, survey_round, members, topics, figures, index, is_open, mood, share, reviewer
        )
    services.tallies_rebuild()
    return True


def _seed_round(
    rng: random.Random,
    survey_round: SurveyRound,
    members: list[Member],
    topics: list[Topic],
    figures: dict[str, KeyFigure],
    index: int,
    is_open: bool,
    mood: dict[int, float],
    share: dict[int, bool],
    reviewer: object,
) -> None:
    base = {code: b for code, _de, _en, b in TOPICS}
    reports: list[SituationReport] = []
    for member in members:
        own = member.municipality_id == OWN_DEMO_AGS
        draw = rng.random()
        if is_open and (own or draw > 0.62):
            if not own and draw > 0.9:
                status = ReportStatus.DRAFT
            else:
                continue
        elif not is_open and draw > 0.88 and not own:
            continue
        else:
            status = ReportStatus.SUBMITTED
        size = member.size_class
        late = not is_open and status == ReportStatus.SUBMITTED and rng.random() < 0.12
        day = survey_round.deadline + dt.timedelta(
            days=rng.randrange(1, 12) if late else -rng.randrange(0, 20)
        )
        if is_open:  # submitted between the opening and today
            day = survey_round.opens_on + dt.timedelta(days=rng.randrange(0, -ROUND_DAYS[-1][0]))
        submitted_at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 30)))
        review = ReviewStatus.PENDING
        if status == ReportStatus.SUBMITTED and not is_open:
            review = rng.choices(
                [
                    ReviewStatus.APPROVED,
                    ReviewStatus.QUERY,
                    ReviewStatus.ON_HOLD,
                    ReviewStatus.PENDING,
                ],
                weights=[80, 6, 4, 10],
            )[0]
        report = SituationReport(
            round=survey_round,
            member=member,
            version=1,
            is_current=True,
            status=status,
            submitted_at=submitted_at if status == ReportStatus.SUBMITTED else None,
            is_late=late,
            share_with_members=share[member.pk],
            review_status=review,
            review_comment=(
                "Bitte die Zahl der belegten Plätze prüfen." if review == ReviewStatus.QUERY else ""
            ),
            reviewed_by=reviewer if review != ReviewStatus.PENDING else None,  # type: ignore[misc]
            reviewed_at=submitted_at + dt.timedelta(days=3)
            if review != ReviewStatus.PENDING
            else None,
            state_id=member.state_id,
            size_class=size,
            is_demo=True,
        )
        report._strain_bias = mood[member.pk] + 0.15 * (size - 2)  # type: ignore[attr-defined]
        reports.append(report)
    SituationReport.objects.bulk_create(reports)
    answers: list[Answer] = []
    values: list[FigureValue] = []
    trend = ROUND_TREND[index]
    for report in reports:
        keys = {
            "round_id": report.round_id,
            "member_id": report.member_id,
            "state_id": report.state_id,
            "size_class": report.size_class,
            "counted": report.status == ReportStatus.SUBMITTED,
            "shared": report.share_with_members,
        }
        bias = report._strain_bias  # type: ignore[attr-defined]
        for topic in topics:
            level = round(base[topic.code] + trend + bias + rng.gauss(0, 0.55))
            answers.append(
                Answer(
                    report=report,
                    topic=topic,
                    strain=min(4, max(1, level)),
                    what_is_hard=HARD[topic.code] if rng.random() < 0.5 else "",
                    what_works=WORKS[topic.code] if rng.random() < 0.4 else "",
                    **keys,
                )
            )
        population = report.member.population
        available = max(20, int(population / rng.uniform(250, 600)))
        occupied = int(available * rng.uniform(0.7, 1.02 + 0.05 * index))
        numbers = {
            "places_available": available,
            "places_occupied": occupied,
            "childcare_waiting": int(population / rng.uniform(800, 3000)),
            "school_waiting": int(population / rng.uniform(4000, 20000)),
            "vacancies": int(population / rng.uniform(8000, 40000)),
            "course_waiting": int(population / rng.uniform(1000, 4000)),
        }
        for code, value in numbers.items():
            figure = figures[code]
            hi = figure.plausible_max or value
            unusual = value > hi or (code == "places_occupied" and occupied > available)
            values.append(
                FigureValue(
                    report=report,
                    figure=figure,
                    value=value,
                    confirmed_out_of_bounds=unusual,
                    **keys,
                )
            )
    Answer.objects.bulk_create(answers)
    FigureValue.objects.bulk_create(values)
