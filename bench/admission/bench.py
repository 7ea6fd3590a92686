"""Admission at alliance scale: 2,000 households x 125 members, through the platform.

    export HAFENNETZ_VAR_DIR=/tmp/hn-bench-admission DEBUG=0   # its own SQLite database
    python -W ignore bench/admission/bench.py setup      # schema, reference + demo data, the
                                                         # contingent "Bench 2000", pledges
    python -W ignore bench/admission/bench.py run --work 10 [--method optimal]
    python -W ignore bench/admission/bench.py page [--runs 15]

`run` starts a real background worker (`hafennetz db_worker`, as ./scripts/run does beside the
web server) and gives it time to start, then starts the run as the office does in the browser
(POST to the run-start page: the view, the service, the task queued in the database). It prints
the wall time from the POST to the stored result beside the work budget and the engine's own
run time; the rest is the platform's overhead (building the input, queueing, the worker picking
the task up, storing the result).
`page` times the office's results page of the newest finished run: the whole request through
Django's test client (session, rights, SQL, template), median and p95 of the wall time, the
median CPU time of the process (what the request costs regardless of the machine's load; SQLite
runs in the process), and its SQL queries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hafennetz.settings")
# The office's second factor is asked at login; the bench logs in with force_login and measures
# the pages behind it (as the tests do).
os.environ.setdefault("TWO_FACTOR_REQUIRED", "0")
NAME = "Bench 2000 (alliance scale)"
OFFICE = "koordinierungsstelle@demo.hafennetz.example"


def setup(households: int) -> None:
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0, interactive=False)
    call_command("import_reference", verbosity=0)
    call_command("seed_demo", verbosity=0)
    from hafennetz.admission.models import Contingent, Household, KeyKind, Pledge, Programme
    from hafennetz.members.models import Member

    if Contingent.objects.filter(name=NAME).exists():
        print("already set up")
        return
    rng = random.Random(2000)
    today = dt.date.today()
    start, end = today.replace(month=1, day=1), today.replace(month=12, day=31)
    members = list(Member.objects.alliance().select_related("municipality", "district"))
    total_population = sum(m.population for m in members)
    offers = ["barrier_free", "dialysis", "trauma_therapy", "language_support",
              "psychosocial_support", "job_placement"]  # fmt: skip
    with transaction.atomic():
        pledges = []
        for m in members:
            housing = max(12, round(5600 * m.population / total_population))
            pledges.append(
                Pledge(
                    member=m,
                    valid_from=start,
                    valid_until=end,
                    places_housing=housing,
                    places_barrier_free_housing=rng.choice([0, 2, 4, 8]),
                    places_childcare=max(2, housing // 6),
                    places_school=max(2, housing // 4),
                    places_language_course=max(4, housing // 2),
                    places_medical_care=rng.choice([0, 1, 2, 4]),
                    offers=sorted(rng.sample(offers, rng.randint(1, 4))),
                    status="accepted",
                    notes="bench",
                )
            )
        Pledge.objects.bulk_create(pledges)
        contingent = Contingent.objects.create(
            name=NAME,
            programme=Programme.FEDERAL_ADMISSION,
            persons=4800,
            period_start=start,
            period_end=end,
            key=KeyKind.POPULATION,
        )
        contingent.eligible.set(members)
        rows = []
        for i in range(households):
            shape = rng.random()
            if shape < 0.45:
                bands = [0, 0, 0, 1, 0]
            elif shape < 0.85:
                bands = [rng.randint(0, 1), rng.randint(0, 1), rng.randint(0, 3), 2, 0]
            else:
                bands = [0, 0, 0, rng.randint(1, 2), 1]
            needs = set()
            if rng.random() < 0.06:
                needs.add(rng.choice(["barrier_free", "dialysis", "trauma_therapy"]))
            if rng.random() < 0.4:
                needs.add("language_support")
            if rng.random() < 0.2:
                needs.add("psychosocial_support")
            if rng.random() < 0.3:
                needs.add("job_placement")
            rows.append(
                Household(
                    contingent=contingent,
                    case_id=f"B-{i + 1:05d}",
                    age_0_2=bands[0],
                    age_3_5=bands[1],
                    age_6_17=bands[2],
                    age_18_64=bands[3],
                    age_65_plus=bands[4],
                    needs=sorted(needs),
                )
            )
        Household.objects.bulk_create(rows, batch_size=500)
    print(f"contingent {contingent.pk}: {households} households, {len(members)} members")


def _office_client():  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=OFFICE))
    return client


def run(work: float, method: str, seed: int, warmup: float) -> None:
    from django.urls import reverse

    from hafennetz.admission.models import AllocationRun, Contingent

    contingent = Contingent.objects.get(name=NAME)
    client = _office_client()
    worker = subprocess.Popen(
        [sys.executable, "-m", "hafennetz.cli", "db_worker", "--no-startup-delay", "-v", "0"],
        env=os.environ.copy(),
    )
    try:
        time.sleep(warmup)  # the worker runs already when the office starts a run
        t0 = time.perf_counter()
        answer = client.post(
            reverse("run-start", args=[contingent.pk]),
            {
                "method": method,
                "use_key": "on",
                "key_weight": "1",
                "seed": str(seed),
                "work": str(work),
            },
        )
        t_post = time.perf_counter() - t0
        assert answer.status_code == 302 and "/verteilung/" in answer["Location"], answer
        run_ = AllocationRun.objects.filter(contingent=contingent).order_by("-pk").first()
        assert run_ is not None
        while True:
            run_.refresh_from_db()
            if run_.is_finished:
                break
            time.sleep(0.05)
        wall = time.perf_counter() - t0
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    engine = float(run_.result.get("runtime_s") or 0.0)
    assert run_.started_at is not None and run_.finished_at is not None
    queued = (run_.started_at - run_.created_at).total_seconds()
    print(
        f"run {run_.pk}: {run_.status}, method {method}, work {work}, seed {seed}\n"
        f"  POST (build input, store, queue): {t_post:.2f} s\n"
        f"  wall, POST to stored result: {wall:.2f} s\n"
        f"  queued until the worker took it: {queued:.2f} s\n"
        f"  worker, start to stored result: "
        f"{(run_.finished_at - run_.started_at).total_seconds():.2f} s\n"
        f"  engine run time (result.runtime_s): {engine:.2f} s\n"
        f"  platform overhead (wall - engine): {wall - engine:.2f} s\n"
        f"  over the budget (wall - work): {wall - work:.2f} s\n"
        f"  reproducible: {run_.result.get('reproducible')}, stopped_by: "
        f"{run_.result.get('stopped_by')}, placed: "
        f"{sum(1 for _c, a in run_.result.get('assignment', []) if a)}"
    )


def page(runs: int) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from hafennetz.admission.models import AllocationRun, Contingent

    contingent = Contingent.objects.get(name=NAME)
    run_ = (
        AllocationRun.objects.filter(contingent=contingent, status="succeeded")
        .order_by("-approved_at", "-pk")
        .first()
    )
    assert run_ is not None, "run `bench.py run` first"
    client = _office_client()
    households = len(run_.result.get("households", []))
    print(f"run {run_.pk}: {households} households\n")
    print(
        "| page | cold ms | median ms | p95 ms | median CPU ms | SQL queries | bytes |\n"
        "|---|---:|---:|---:|---:|---:|---:|"
    )
    for label, url in [
        ("results, first page", reverse("run-results", args=[run_.pk])),
        ("results, page 10", reverse("run-results", args=[run_.pk]) + "?page=10"),
        ("results, unplaced only", reverse("run-results", args=[run_.pk]) + "?show=unplaced"),
    ]:
        cache.clear()
        t = time.perf_counter()
        client.get(url)  # cold: computes the status quo, renders the cached part
        cold = (time.perf_counter() - t) * 1000
        for _ in range(2):
            client.get(url)
        times = []
        cpu = []
        for _ in range(runs):
            t, c = time.perf_counter(), time.process_time()
            answer = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            assert answer.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(url)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
        print(
            f"| {label} | {cold:.0f} | {statistics.median(times):.0f} | {p95:.0f} | "
            f"{statistics.median(cpu):.0f} | {len(queries)} | {len(answer.content):,} |"
        )
    t = time.perf_counter()
    answer = client.get(reverse("contingent-report", args=[contingent.pk]))
    print(
        f"\ndecision report PDF (not a target): {(time.perf_counter() - t):.1f} s, "
        f"{len(answer.content):,} bytes"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--households", type=int, default=2000)
    r = sub.add_parser("run")
    r.add_argument("--work", type=float, default=10.0)
    r.add_argument("--method", default="optimal")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--warmup", type=float, default=30.0, help="seconds for the worker to start")
    p = sub.add_parser("page")
    p.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import django

    django.setup()
    if args.step == "setup":
        setup(args.households)
    elif args.step == "run":
        run(args.work, args.method, args.seed, args.warmup)
    else:
        page(args.runs)


if __name__ == "__main__":
    main()
