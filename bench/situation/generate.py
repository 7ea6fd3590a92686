"""Generate the national-scale Lagebild into PostgreSQL: every German municipality (10,752) as
a member, 20 past survey rounds with one submitted report per member (8 topics: ~1.7 million
answers, ~1.3 million key-figure values), one open round 21 for the submission benchmark, and
staff logins bench-user-00..NN@bench.example (password BENCH_PASSWORD) for its members.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hafennetz_bench \\
        python bench/situation/generate.py [--rounds 20] [--users 40]

Reports are bulk-inserted; answers and figure values are generated inside PostgreSQL
(INSERT ... SELECT with random()), with the same denormalised keys the services write.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hafennetz.settings")
BENCH_PASSWORD = "Bench-Pass-2026"  # noqa: S105 - benchmark logins only


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--users", type=int, default=40)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from hafennetz.core.models import Municipality
    from hafennetz.members.models import CoordinationOfficeTerm, Member, StaffAccount
    from hafennetz.situation import services
    from hafennetz.situation.demo import FIGURES, TOPICS
    from hafennetz.situation.models import SituationReport, SizeClass, SurveyRound

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (e.g. hafennetz_bench).")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("import_reference", verbosity=0)
    if SurveyRound.objects.exists():
        sys.exit("The database has survey rounds already; drop and recreate it first.")
    print(f"schema + reference data: {time.perf_counter() - started:.0f} s", flush=True)

    with transaction.atomic():
        towns = list(Municipality.objects.only("ags", "short_name", "state_id", "population"))
        Member.objects.bulk_create(
            [
                Member(
                    municipality_id=m.ags,
                    state_id=m.state_id,
                    name=m.short_name,
                    joined_on=dt.date(2020, 1, 1),
                )
                for m in towns
            ],
            batch_size=5000,
        )
        topics = [
            services.topic_save(
                actor="bench",
                data={"code": code, "name_de": de, "name_en": en, "order": 10 * (i + 1)},
            )
            for i, (code, de, en, _b) in enumerate(TOPICS)
        ]
        by_code = {t.code: t for t in topics}
        questionnaire = services.questionnaire_create(actor="bench", topics=topics)
        made = {}
        for i, (topic, code, de, en, unit, lo, hi) in enumerate(FIGURES):
            made[code] = services.figure_create(
                actor="bench",
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
                    "not_above": made.get("places_available")
                    if code == "places_occupied"
                    else None,
                },
            )
        today = timezone.localdate()
        rounds = []
        for n in range(args.rounds):
            opens = today - dt.timedelta(days=91 * (args.rounds - n) + 30)
            rounds.append(
                services.round_open(
                    actor="bench",
                    title=f"Bench-Runde {n + 1}",
                    questionnaire=questionnaire,
                    opens_on=opens,
                    deadline=opens + dt.timedelta(days=28),
                )
            )
        open_round = services.round_open(
            actor="bench",
            title="Bench-Runde offen",
            questionnaire=questionnaire,
            opens_on=today - dt.timedelta(days=7),
            deadline=today + dt.timedelta(days=21),
        )
    print(f"members, questionnaire, rounds: {time.perf_counter() - started:.0f} s", flush=True)

    members = list(Member.objects.select_related("municipality").order_by("pk"))
    for survey_round in rounds:
        submitted_at = timezone.make_aware(
            dt.datetime.combine(survey_round.deadline, dt.time(12, 0))
        )
        with transaction.atomic():
            SituationReport.objects.bulk_create(
                [
                    SituationReport(
                        round=survey_round,
                        member=m,
                        status="submitted",
                        submitted_at=submitted_at,
                        share_with_members=(m.pk % 3 == 0),
                        state_id=m.state_id,
                        size_class=SizeClass.of(m.municipality.population),
                    )
                    for m in members
                ],
                batch_size=5000,
            )
    print(
        f"{len(members) * len(rounds)} reports: {time.perf_counter() - started:.0f} s", flush=True
    )

    with connection.cursor() as cursor:
        # Strain: a per-topic base, a wave over the rounds, larger towns a little higher, noise.
        cursor.execute(
            """
            INSERT INTO situation_answer
                (report_id, topic_id, strain, what_is_hard, what_works,
                 round_id, member_id, state_id, size_class, counted, shared)
            SELECT r.id, t.id,
                   LEAST(4, GREATEST(1, ROUND(
                       2.2 + (t."order" % 3) * 0.3 + 0.4 * SIN(r.round_id / 3.0)
                       + 0.15 * (r.size_class - 2) + (random() - 0.5) * 1.8)::int)),
                   '', '', r.round_id, r.member_id, r.state_id, r.size_class, TRUE,
                   r.share_with_members
            FROM situation_situationreport r CROSS JOIN situation_topic t
            """
        )
        print(f"{cursor.rowcount} answers: {time.perf_counter() - started:.0f} s", flush=True)
        cursor.execute(
            """
            INSERT INTO situation_figurevalue
                (report_id, figure_id, value, confirmed_out_of_bounds,
                 round_id, member_id, state_id, size_class, counted, shared)
            SELECT r.id, f.id,
                   CASE WHEN f.code = 'places_occupied'
                        THEN (m.population / 700.0 * (0.6 + random() * 0.35))::int
                        WHEN f.code = 'places_available' THEN (m.population / 700.0)::int
                        ELSE (m.population / 2000.0 * random())::int END,
                   FALSE, r.round_id, r.member_id, r.state_id, r.size_class, TRUE,
                   r.share_with_members
            FROM situation_situationreport r
            JOIN members_member mm ON mm.id = r.member_id
            JOIN core_municipality m ON m.ags = mm.municipality_id
            CROSS JOIN situation_keyfigure f
            """
        )
        print(f"{cursor.rowcount} figure values: {time.perf_counter() - started:.0f} s", flush=True)
    services.tallies_rebuild()
    print(f"strain tallies: {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    User = get_user_model()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    office = User.objects.create_user(
        username="bench-office@bench.example", email="", password=BENCH_PASSWORD
    )
    StaffAccount.objects.create(user=office, member=members[-1])
    CoordinationOfficeTerm.objects.create(member=members[-1], starts_on=dt.date(2020, 1, 1))
    for i, member in enumerate(members[: args.users]):
        email = f"bench-user-{i:02d}@bench.example"
        user = User.objects.create_user(username=email, email=email, password=BENCH_PASSWORD)
        StaffAccount.objects.create(user=user, member=member)
    print(
        f"{args.users} logins, open round {open_round.number}; done in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
