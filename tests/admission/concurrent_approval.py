"""Two approvals at the same moment, from two threads with their own database connections.

Run by test_approval.py as a script in a process of its own, against a database of its own:
`python -m tests.admission.concurrent_approval VAR_DIR [POSTGRES_URL]` — a SQLite file under
VAR_DIR, or a fresh PostgreSQL database created (and dropped) on the given server. A process of
its own because the in-memory test database of SQLite shares one cache between connections
(no real locking), and because the real worker (`db_worker`, which the script runs) closes its
connection after each task, which a test transaction cannot survive.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
from typing import Any


def approve_two_at_once(office_user: Any) -> tuple[list[str], int]:
    from django.core.exceptions import ValidationError
    from django.core.management import call_command
    from django.db import connection

    from hafennetz.admission import services
    from hafennetz.admission.models import Contingent, Household, Placement, Pledge
    from hafennetz.members.models import Member

    member = Member.objects.alliance().order_by("pk").first()
    assert member is not None
    today = dt.date.today()
    Pledge.objects.filter(member=member).delete()
    Pledge.objects.create(
        member=member,
        valid_from=today,
        valid_until=today + dt.timedelta(days=60),
        places_housing=4,
        places_language_course=4,  # four adults need four language-course places
    )
    runs = []
    for name in ("A", "B"):
        contingent = Contingent.objects.create(
            name=f"Gleichzeitig {name}",
            programme="other",
            persons=4,
            period_start=today,
            period_end=today + dt.timedelta(days=30),
            key="population",
        )
        contingent.eligible.set([member])
        Household.objects.create(contingent=contingent, case_id=f"{name}-1", age_18_64=4)
        runs.append(
            services.run_start(actor=office_user, contingent=contingent, method="greedy", work=1.0)
        )
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(run: Any) -> None:
        try:
            barrier.wait()
            services.run_approve(actor=office_user, run=run, confirmed=True)
            outcomes.append("approved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    placed = sum(p.persons for p in Placement.objects.filter(member=member, run__in=runs))
    return sorted(outcomes), placed


def main(var_dir: str, postgres_url: str | None = None) -> None:
    os.environ["HAFENNETZ_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("HAFENNETZ_TEST_DB", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hafennetz.settings")
    scratch = None
    if postgres_url:
        import psycopg

        scratch = f"hafennetz_concurrent_{os.getpid()}"
        with psycopg.connect(postgres_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{scratch}"')
        os.environ["DATABASE_URL"] = postgres_url.rsplit("/", 1)[0] + "/" + scratch
    try:
        _run()
    finally:
        if scratch:
            import psycopg
            from django.db import connections

            connections.close_all()
            with psycopg.connect(
                postgres_url.rsplit("/", 1)[0] + "/postgres",
                autocommit=True,  # type: ignore[union-attr]
            ) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def _run() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("import_reference", verbosity=0)
    call_command("seed_demo", verbosity=0)
    office = get_user_model().objects.create_superuser("office@test.example", password=None)
    outcomes, placed = approve_two_at_once(office)
    print(json.dumps({"outcomes": outcomes, "placed": placed}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
