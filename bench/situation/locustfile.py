"""Report submission under load: each simulated user is staff of one member (bench-user-NN,
see generate.py) and submits its report for the open round again and again (after the first
submission: "new version", then submit). The figure that counts is the p95 of "submit report".

    gunicorn hafennetz.wsgi -w 4 -b 127.0.0.1:8200   # with DATABASE_URL=...hafennetz_bench DEBUG=0
    python bench/situation/sessions.py > /tmp/situation-sessions.json
    BENCH_SESSIONS=/tmp/situation-sessions.json locust -f bench/situation/locustfile.py \\
        --headless -u 20 -r 20 -t 60s --host http://127.0.0.1:8200 --csv /tmp/situation-locust
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

TOPICS = ["housing", "childcare", "school", "labour", "social", "staff", "health", "language"]
ROUND = int(os.environ.get("BENCH_ROUND", "21"))
PASSWORD = "Bench-Pass-2026"  # noqa: S105 - benchmark logins only
_numbers = itertools.count()
# {email: session key} from sessions.py (BENCH_SESSIONS=path); without it users log in.
SESSIONS: dict[str, str] = (
    json.loads(Path(os.environ["BENCH_SESSIONS"]).read_text())
    if os.environ.get("BENCH_SESSIONS")
    else {}
)


class Reporter(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.email = f"bench-user-{next(_numbers):02d}@bench.example"
        if SESSIONS:  # logged in beforehand by sessions.py: measure reports, not PBKDF2
            self.client.cookies.set("sessionid", SESSIONS[self.email])
        else:
            self.client.get("/konto/anmelden/", name="login page")
            self.client.post(
                "/konto/anmelden/",
                {
                    "username": self.email,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": self.client.cookies["csrftoken"],
                },
                name="login",
            )
        mine = self.client.get("/mein-mitglied/", allow_redirects=False, name="my member")
        self.ags = mine.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        self.base = f"/lagebild/runden/{ROUND}/mitglieder/{self.ags}/"
        self.client.get(self.base + "bearbeiten/", name="report form")  # sets the CSRF cookie
        self.locked = False

    def _post(self, url: str, data: dict[str, str], name: str) -> None:
        data["csrfmiddlewaretoken"] = self.client.cookies["csrftoken"]
        with self.client.post(
            url, data, name=name, allow_redirects=False, catch_response=True
        ) as r:
            if r.status_code != 302:
                r.failure(f"{name}: {r.status_code}")

    @task
    def submit(self) -> None:
        if self.locked:
            self._post(self.base + "neue-version/", {}, "new version")
        available = random.randint(50, 500)
        data = {f"strain_{code}": str(random.randint(1, 4)) for code in TOPICS}
        data |= {
            "figure_places_available": str(available),
            "figure_places_occupied": str(random.randint(0, available)),
            "figure_vacancies": str(random.randint(0, 20)),
            "hard_housing": "Belegung hoch",
            "submit": "1",
        }
        self._post(self.base + "bearbeiten/", data, "submit report")
        self.locked = True
