"""Time one report submission at a time (no concurrency) against the generated database: the
same POST as locustfile.py through Django's test client, with the coordination office's
session; prints median/p95 wall time, the SQL statements per submission and the time spent in
them (wall time of each execute, measured by an execute wrapper). Each run submits the report
of a member that has none yet in the open round, so it writes to the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hafennetz_bench DEBUG=0 \\
        python bench/situation/submit.py [--runs 40] [--show-sql]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hafennetz.settings")

TOPICS = ["housing", "childcare", "school", "labour", "social", "staff", "health", "language"]


def _form(rng: random.Random) -> dict[str, str]:
    available = rng.randint(50, 500)
    data = {f"strain_{code}": str(rng.randint(1, 4)) for code in TOPICS}
    return data | {
        "figure_places_available": str(available),
        "figure_places_occupied": str(rng.randint(0, available)),
        "figure_vacancies": str(rng.randint(0, 20)),
        "hard_housing": "Belegung hoch",
        "submit": "1",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--show-sql", action="store_true", help="list one submission's SQL")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from hafennetz.situation.models import SituationReport, SurveyRound
    from hafennetz.situation.services import round_members

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-office@bench.example"))
    open_round = SurveyRound.objects.order_by("-number").first()
    assert open_round is not None
    done = SituationReport.objects.filter(round=open_round).values("member_id")
    members = list(round_members(open_round).exclude(pk__in=done).order_by("?")[: args.runs + 3])
    rng = random.Random(7)
    statements: list[tuple[str, float]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((sql, 1000 * (time.perf_counter() - start)))

    times, sql_ms, counts = [], [], []
    with connection.execute_wrapper(timed):
        for i, member in enumerate(members):
            url = f"/lagebild/runden/{open_round.number}/mitglieder/{member.ags}/bearbeiten/"
            statements.clear()
            start = time.perf_counter()
            response = client.post(url, _form(rng))
            elapsed = 1000 * (time.perf_counter() - start)
            assert response.status_code == 302, (url, response.status_code)
            if i < 3:  # warm-up
                continue
            times.append(elapsed)
            sql_ms.append(sum(ms for _, ms in statements))
            counts.append(len(statements))
            if args.show_sql and i == 3:
                for sql, ms in statements:
                    print(f"{ms:6.1f} ms  {sql[:110]}")
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"submissions: {len(times)}, median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, "
        f"SQL statements {min(counts)}-{max(counts)}, SQL time median "
        f"{statistics.median(sql_ms):.0f} ms"
    )


if __name__ == "__main__":
    main()
