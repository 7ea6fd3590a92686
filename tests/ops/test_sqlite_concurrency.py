"""The embedded SQLite database under concurrent use (issue 10 item 5): 20 people saving at once
against the running server (gunicorn, 2 processes x 8 threads) get no error, and every write
is stored, also while a 5,000-row import runs. Before WAL + IMMEDIATE transactions + a busy
timeout, 65-75 % of such writes answered 500 "database is locked"."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ops.live import ROOT, Client, Server, django_env, gunicorn, run_django

pytestmark = pytest.mark.live

CLIENTS = 20
ROUNDS = 3
PASSWORD = "Ops-Live-2026-Passwort"

PREPARE = f"""
import datetime as dt, json
from django.contrib.auth import get_user_model
from django.core.management import call_command
from hafennetz.core.models import Municipality
from hafennetz.members.models import Member, StaffAccount

call_command("migrate", verbosity=0)
call_command("import_reference", verbosity=0)
User = get_user_model()
template = User()
template.set_password({PASSWORD!r})  # hashed once: the slow hasher would cost seconds per user
logins = []
for i, town in enumerate(Municipality.objects.filter(population__gte=100_000)[:{CLIENTS}]):
    member = Member.objects.create(
        municipality=town, state_id=town.state_id, name=town.short_name,
        joined_on=dt.date(2020, 1, 1),
    )
    user = User.objects.create(
        username=f"ops{{i}}@test.example", email=f"ops{{i}}@test.example",
        password=template.password,
    )
    StaffAccount.objects.create(user=user, member=member)
    logins.append([user.username, town.ags])
print(json.dumps(logins))
"""


@dataclass
class Live:
    server: Server
    env: dict[str, str]
    database: Path
    people: list[Person]


@dataclass
class Person:
    client: Client
    username: str
    ags: str  # of the member whose staff they are
    login_status: int = 0


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The app on a fresh SQLite file under gunicorn; 20 member staff log in at the same time."""
    var = tmp_path_factory.mktemp("sqlite-live")
    env = django_env(
        HAFENNETZ_VAR_DIR=str(var), DEBUG="false", DJANGO_SETTINGS_MODULE="tests.ops.live_settings"
    )
    logins = json.loads(run_django(PREPARE, env).strip().splitlines()[-1])
    with gunicorn(env, var / "gunicorn.log") as server:
        people = [Person(Client(server.url), username, ags) for username, ags in logins]
        at_once = threading.Barrier(CLIENTS)

        def log_in(person: Person) -> None:
            at_once.wait()
            person.login_status = person.client.login(person.username, PASSWORD).status

        together(people, log_in)
        yield Live(server, env, var / "hafennetz.sqlite3", people)


def together(people: list[Person], work: Callable[[Person], None]) -> None:
    """Run work(person) for everyone in parallel threads; re-raise the first error."""
    errors: list[BaseException] = []

    def run(person: Person) -> None:
        try:
            work(person)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def count(database: Path, query: str) -> int:
    with contextlib.closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as db:
        return int(db.execute(query).fetchone()[0])


def test_twenty_concurrent_writers_get_no_error(live: Live) -> None:
    assert [p.login_status for p in live.people] == [302] * CLIENTS  # 20 logins at once
    start = threading.Barrier(CLIENTS)
    results: list[tuple[int, float]] = []

    def save(person: Person) -> None:
        for n in range(ROUNDS):
            person.client.get(f"/mitglieder/{person.ags}/kontakte/neu/")
            start.wait()  # everyone saves at the same moment
            began = time.monotonic()
            answer = person.client.post(
                f"/mitglieder/{person.ags}/kontakte/neu/",
                {"name": f"Live {person.username} {n}", "function": "Test", "email": ""},
            )
            results.append((answer.status, time.monotonic() - began))

    together(live.people, save)
    failed = [r for r in results if r[0] != 302]
    slowest = max(r[1] for r in results)
    print(f"{len(results)} concurrent saves, {len(failed)} failed, slowest {slowest:.2f} s")
    assert failed == [], live.server.log_text()[-5000:]
    assert len(results) == CLIENTS * ROUNDS
    stored = "SELECT count(*) FROM members_contact WHERE name LIKE 'Live %'"
    assert count(live.database, stored) == CLIENTS * ROUNDS
    assert "database is locked" not in live.server.log_text()


IMPORT = """
import time
from hafennetz.core.models import Municipality
from hafennetz.members import services
towns = Municipality.objects.filter(member__isnull=True).order_by("ags")[:5000]
rows = [(i + 2, {"ags": town.ags, "joined_on": "2021-03-01"}) for i, town in enumerate(towns)]
started = time.monotonic()
services.members_import(actor=None, rows=rows)
print(f"{time.monotonic() - started:.2f}")
"""


def test_writes_and_a_backup_go_on_during_a_5000_row_import(live: Live, tmp_path: Path) -> None:
    """A long import must not lock everyone else out: 20 people keep saving (and log in once
    more) while 5,000 members are imported, and `hafennetz backup` takes a consistent copy
    meanwhile."""
    env = live.env
    members_before = count(live.database, "SELECT count(*) FROM members_member")
    importing = subprocess.Popen(
        [sys.executable, "-c", "import django\ndjango.setup()\n" + IMPORT],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    backup = tmp_path / "during-import.sqlite3"
    backing_up = subprocess.Popen(
        [sys.executable, "-m", "hafennetz.cli", "backup", "--output", str(backup)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    results: list[tuple[int, float]] = []
    logins: list[tuple[int, float]] = []

    def save(person: Person) -> None:
        n = 0
        # At least two saves each, then on until the import has finished.
        while n < 2 or importing.poll() is None:
            person.client.get(f"/mitglieder/{person.ags}/kontakte/neu/")
            began = time.monotonic()
            answer = person.client.post(
                f"/mitglieder/{person.ags}/kontakte/neu/",
                {"name": f"During import {n}", "function": "", "email": ""},
            )
            results.append((answer.status, time.monotonic() - began))
            if n == 1:  # and a login meanwhile (session row, last_login, audit entry)
                began = time.monotonic()
                login = Client(live.server.url).login(person.username, PASSWORD)
                logins.append((login.status, time.monotonic() - began))
            n += 1

    together(live.people, save)
    out, err = importing.communicate(timeout=300)
    assert importing.returncode == 0, err
    backed_up, backup_err = backing_up.communicate(timeout=300)
    assert backing_up.returncode == 0, backup_err

    failed = [r for r in results + logins if r[0] != 302]
    slowest_save = max(r[1] for r in results)
    slowest_login = max(r[1] for r in logins)
    print(f"import {out.strip()} s; meanwhile {len(results)} saves, {len(logins)} logins,", end=" ")
    print(f"{len(failed)} failed, slowest save {slowest_save:.2f} s, login {slowest_login:.2f} s;")
    print(backed_up.strip())
    assert failed == [], live.server.log_text()[-5000:]
    assert len(logins) == CLIENTS
    assert count(live.database, "SELECT count(*) FROM members_member") == members_before + 5000
    during = "SELECT count(*) FROM members_contact WHERE name LIKE 'During import %'"
    assert count(live.database, during) == len(results)
    # The backup is a consistent database: from before or after the import, never half of it.
    assert count(backup, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'")
    assert count(backup, "SELECT count(*) FROM members_member") in {
        members_before,
        members_before + 5000,
    }
