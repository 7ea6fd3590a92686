"""Time every Lagebild dashboard view against the generated database (see generate.py):
median and p95 wall time of the full request through Django's test client (view, queries,
template), and the number of SQL queries per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hafennetz_bench DEBUG=0 \\
        python bench/situation/timings.py [--runs 15] [--round 20] [--open-round 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hafennetz.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--round", type=int, default=20, help="a past round with reports")
    parser.add_argument("--open-round", type=int, default=21)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    users = get_user_model().objects
    office = Client()
    office.force_login(users.get(username="bench-office@bench.example"))
    member = Client()
    member.force_login(users.get(username="bench-user-00@bench.example"))
    anonymous = Client()
    r, o = args.round, args.open_round
    views = [
        ("round dashboard, office, no filter", office, f"/lagebild/runden/{r}/"),
        ("round dashboard, office, state NRW", office, f"/lagebild/runden/{r}/?state=05"),
        (
            "round dashboard, office, size class 2 + topic",
            office,
            f"/lagebild/runden/{r}/?size_class=2&topic=housing",
        ),
        ("round dashboard, member (suppression)", member, f"/lagebild/runden/{r}/"),
        ("public page, anonymous", anonymous, "/lagebild/deutschland/"),
        ("public page, state filter", anonymous, "/lagebild/deutschland/?state=09"),
        ("progress, office, all states", office, f"/lagebild/runden/{o}/fortschritt/"),
        ("progress, office, NRW members", office, f"/lagebild/runden/{o}/fortschritt/?state=05"),
        ("overview, member", member, "/lagebild/"),
        ("PDF report, office (export, not a target)", office, f"/lagebild/runden/{r}/lagebild.pdf"),
    ]
    print("| view | median ms | p95 ms | SQL queries | bytes |\n|---|---:|---:|---:|---:|")
    for label, client, url in views:
        for _ in range(2):  # warm-up: caches, prepared plans
            client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        count = len(queries)  # now: the next request resets the connection's query log
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            client.get(url)
            times.append(1000 * (time.perf_counter() - start))
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(
            f"| {label} (`{url}`) | {statistics.median(times):.0f} | {p95:.0f} "
            f"| {count} | {len(response.content):,} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
