"""Report submission under load: 20 simulated users submit situation reports for the open
round, one POST of the report form per report (the same view and service a member uses: parse,
validate, write 8 answers and the key figures, mark submitted, update the strain tallies, audit).
Each report goes to a member that has none yet; the users act with the coordination office's
session (it may fill in any member's report), logged in beforehand by sessions.py so that the
measurement is not PBKDF2.

    gunicorn hafennetz.wsgi -w 3 -b 127.0.0.1:8200   # DATABASE_URL=...hafennetz_bench DEBUG=0
    python bench/situation/sessions.py > /tmp/situation-sessions.json
    BENCH_SESSIONS=/tmp/situation-sessions.json locust -f bench/situation/locustfile.py \\
        --headless -u 20 -r 20 -t 60s --host http://127.0.0.1:8200 --csv /tmp/situation-locust
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

TOPICS = ["housing", "childcare", "school", "labour", "social", "staff", "health", "language"]
SETUP = json.loads(Path(os.environ["BENCH_SESSIONS"]).read_text())
MEMBERS = iter(SETUP["members"])


class Reporter(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", SETUP["office"])
        self.client.get("/lagebild/", name="overview")  # sets the CSRF cookie

    @task
    def submit(self) -> None:
        ags = next(MEMBERS)
        available = random.randint(50, 500)
        data = {f"strain_{code}": str(random.randint(1, 4)) for code in TOPICS}
        data |= {
            "figure_places_available": str(available),
            "figure_places_occupied": str(random.randint(0, available)),
            "figure_vacancies": str(random.randint(0, 20)),
            "hard_housing": "Belegung hoch",
            "submit": "1",
            "csrfmiddlewaretoken": self.client.cookies["csrftoken"],
        }
        url = f"/lagebild/runden/{SETUP['round']}/mitglieder/{ags}/bearbeiten/"
        with self.client.post(
            url, data, name="submit report", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
