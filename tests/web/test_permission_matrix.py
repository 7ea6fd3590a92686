"""Role × URL × method permission matrix: every URL of the project, with what each role gets for
GET and for POST. The rows live in `tests/web/matrix/<area>.py`; a URL added to the project
without a GET row, or without a POST row (or a NO_POST entry), fails the completeness tests.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hafennetz.admission.models import AllocationRun, Contingent, Household, Placement, Pledge
from hafennetz.core.models import AuditEntry
from hafennetz.meetings.models import FollowUp, Meeting
from hafennetz.members.models import Contact, Member

from .matrix import admission, api, exchange, meetings, members, platform, positions, situation
from .matrix.common import LOGIN, ROLES, Post, database_state, login, resolve, rolled_back

AREAS = [platform, members, situation, meetings, admission, api, exchange, positions]
GET: dict[str, tuple[Mapping[str, object], Mapping[str, object]]] = {}
POST: dict[str, Post] = {}
NO_POST: set[str] = set()
for _area in AREAS:
    GET.update(_area.GET)
    POST.update(_area.POST)
    NO_POST |= _area.NO_POST


def _url_names(resolver: URLResolver | None = None) -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "api-v1":
                continue  # the API's endpoints: tests/api/test_matrix.py
            names |= _url_names(entry)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(entry.name)
        else:
            names.add(f"<unnamed {entry.pattern}>")
    return names


def test_every_url_has_a_get_row() -> None:
    assert _url_names() == set(GET)


def test_every_url_has_a_post_row_or_takes_no_post() -> None:
    assert set(POST) | NO_POST == _url_names()
    assert not (set(POST) & NO_POST)


def make_context() -> dict[str, Any]:
    member = Member.objects.get(municipality_id="05766020")
    # A contact of its own: the demo's contacts may be referenced (and protected from deletion).
    contact = Contact.objects.create(member=member, name="Test Kontakt")
    meeting = Meeting.objects.get(level="state", state_id="05")
    block = meeting.blocks.first()
    assert block is not None
    follow_up = FollowUp.objects.create(
        meeting=meeting, title="Test", owner=member, due_on="2030-01-01"
    )
    from django.contrib.auth import get_user_model
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    # A user who never logs in here (a login would spend the token).
    reset_user = get_user_model().objects.create_user(
        username="reset@test.example", email="reset@test.example", password="x-Pass-12345"
    )
    pledge = Pledge.objects.create(
        member=member,
        valid_from=dt.date.today(),
        valid_until=dt.date.today() + dt.timedelta(days=90),
        places_housing=4,
    )
    contingent = Contingent.objects.create(
        name="Matrix",
        programme="other",
        persons=10,
        period_start=dt.date.today(),
        period_end=dt.date.today() + dt.timedelta(days=30),
        key="population",
    )
    household = Household.objects.create(contingent=contingent, case_id="M-0001", age_18_64=1)
    run = AllocationRun.objects.create(contingent=contingent, method="greedy")
    placed = Household.objects.create(contingent=contingent, case_id="M-0009", age_18_64=1)
    placement = Placement.objects.create(run=run, household=placed, member=member, persons=1)
    # A contingent with an approved run: its transparency page is public.
    public = Contingent.objects.create(
        name="Matrix öffentlich",
        programme="other",
        persons=10,
        period_start=dt.date.today(),
        period_end=dt.date.today() + dt.timedelta(days=30),
        key="population",
    )
    AllocationRun.objects.create(
        contingent=public, method="greedy", status="succeeded", approved_at=dt.datetime.now(dt.UTC)
    )
    return {
        "{public_contingent}": public.pk,
        **admission.results_context(),
        **admission.overrides_context(),
        "{placement}": placement.pk,
        "{run}": run.pk,
        "{household}": household.pk,
        "{contingent}": contingent.pk,
        "{pledge}": pledge.pk,
        "{reset_uid}": urlsafe_base64_encode(force_bytes(reset_user.pk)),
        "{reset_token}": default_token_generator.make_token(reset_user),
        "{contact}": contact.pk,
        "{invitation_token}": members.invitation_token(),
        "{meeting}": meeting.pk,
        "{block}": block.pk,
        "{follow_up}": follow_up.pk,
        **meetings.meeting_context(meeting),
        **situation.situation_context(),
        **positions.position_context(),
        **exchange.exchange_context(meeting),
        **api.api_context(member),
    }


def _url(name: str, kwargs: Mapping[str, object], context: Mapping[str, Any]) -> str:
    return reverse(name, kwargs={k: resolve(v, context) for k, v in kwargs.items()})


# --- the runner ---------------------------------------------------------------------------------
# One test per URL and method; it asks as each of the six roles in turn, every role inside a
# savepoint that is rolled back, so each role finds the data exactly as the one before it did.
# The placeholder objects (make_context) are made once for this module, in a transaction that is
# rolled back after its last test; each test runs in a savepoint of its own inside it.


@dataclass(frozen=True)
class Matrix:
    context: dict[str, Any]
    sessions: dict[str, str]  # role -> session key of its login (none for anonymous)

    def client(self, role: str) -> Client:
        """A fresh client of the role, logged in with the module's session of the role (a login
        per request would write an audit entry each time)."""
        client = Client()
        if role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


def module_matrix(django_db_blocker: Any) -> Iterator[Matrix]:
    """For a module-scoped fixture: make_context() and one login per role, made once and rolled
    back after the module's last test (test_fuzz.py uses it too)."""
    with django_db_blocker.unblock(), rolled_back():
        context = make_context()
        sessions: dict[str, str] = {}
        for role in ROLES:
            client = Client()
            login(client, role)
            if settings.SESSION_COOKIE_NAME in client.cookies:
                sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield Matrix(context, sessions)


@pytest.fixture(scope="module")
def matrix(django_db_setup: None, django_db_blocker: Any) -> Iterator[Matrix]:
    yield from module_matrix(django_db_blocker)


def _answer_problem(response: Any, want: object) -> str | None:
    """What is wrong with the answer, or None."""
    if want == LOGIN:
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith(reverse("login")):
            return f"expected a redirect to the login, got {response.status_code} {location}"
    elif response.status_code != want:
        return f"expected {want}, got {response.status_code} {response.get('Location', '')}"
    return None


def _exception(exc: Exception) -> str:
    """The exception with the innermost frame of the project's code (where to look)."""
    frames = traceback.extract_tb(exc.__traceback__)
    last = ([f for f in frames if "/hafennetz/" in f.filename] or frames or [None])[-1]
    where = f" at {last.filename.split('/src/')[-1]}:{last.lineno} ({last.name})" if last else ""
    return f"{type(exc).__name__}: {str(exc)[:500]}{where}"


def _as_each_role(
    matrix: Matrix,
    method: str,
    name: str,
    url: str,
    ask: Callable[[Client, str], str | None],
    roles: list[str] = ROLES,
) -> None:
    """`ask` as every role (a fresh client, logged in) in a rolled-back savepoint; one failure
    message per role that got a wrong answer, naming method, URL and role."""
    failures: list[str] = []
    for role in roles:
        with rolled_back():
            cache.clear()  # nothing cached for the role before (whose data was rolled back)
            client = matrix.client(role)
            try:
                problem = ask(client, role)
            except Exception as exc:  # a 500 or a broken view: name the role, go on with the next
                problem = _exception(exc)
            if problem:
                failures.append(f"{method} {name} ({url}) as {role}: {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(GET))
def test_get(matrix: Matrix, name: str) -> None:
    kwargs, expected = GET[name]
    url = _url(name, kwargs, matrix.context)

    def ask(client: Client, role: str) -> str | None:
        return _answer_problem(client.get(url), expected[role])

    _as_each_role(matrix, "GET", name, url, ask)


def _payload(row: Post, context: Mapping[str, Any]) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = row.data(context) if callable(row.data) else row.data
    data = {k: resolve(v, context) for k, v in data.items()}
    for field, (filename, content) in row.files.items():
        data[field] = SimpleUploadedFile(filename, content)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(POST))
def test_post(matrix: Matrix, name: str) -> None:
    row = POST[name]
    context = matrix.context
    url = _url(name, row.kwargs, context)
    # A payload function may make what the row needs (e.g. a questionnaire version): once here,
    # before the fingerprint; it is called again for every role (fresh codes) and then finds it.
    _payload(row, context)
    before = database_state()

    def ask(client: Client, role: str) -> str | None:
        data = _payload(row, context)
        audit_before = AuditEntry.objects.count()
        response = client.post(url, data)
        want = row.expected[role]
        problem = _answer_problem(response, want)
        if problem:
            return problem
        if want == LOGIN or (isinstance(want, int) and want >= 400):
            changed = _changed_tables(before)
            if changed:
                return f"refused ({response.status_code}) but changed data in {changed}"
        elif row.writes and AuditEntry.objects.count() <= audit_before:
            return "allowed and wrote, but nothing was audited"
        return None

    _as_each_role(matrix, "POST", name, url, ask)


def _changed_tables(before: Mapping[str, str]) -> list[str]:
    after = database_state()
    return sorted(
        label for label in before.keys() | after.keys() if before.get(label) != after.get(label)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(NO_POST))
def test_post_to_read_only_url_changes_nothing(matrix: Matrix, name: str) -> None:
    kwargs, _expected = GET[name]
    url = _url(name, kwargs, matrix.context)
    before = database_state()

    def ask(client: Client, role: str) -> str | None:
        response = client.post(url, {"x": "1"})
        if response.status_code >= 500:
            return f"HTTP {response.status_code}"
        changed = _changed_tables(before)
        return f"POST to a read-only URL wrote data in {changed}" if changed else None

    _as_each_role(matrix, "POST", name, url, ask, roles=["anonymous", "own_member", "office"])
