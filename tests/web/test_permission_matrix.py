"""Role × URL × method permission matrix: every URL of the project, with what each role gets for
GET and for POST. The rows live in `tests/web/matrix/<area>.py`; a URL added to the project
without a GET row, or without a POST row (or a NO_POST entry), fails the completeness tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hafennetz.admission.models import AllocationRun, Contingent, Household, Placement, Pledge
from hafennetz.core.models import AuditEntry
from hafennetz.meetings.models import FollowUp, Meeting
from hafennetz.members.models import Contact, Member

from .matrix import admission, api, exchange, meetings, members, platform, positions, situation
from .matrix.common import LOGIN, ROLES, Post, database_state, login, resolve

AREAS = [platform, members, situation, meetings, admission, exchange, api, positions]
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
    contact = Contact.objects.filter(member=member).first() or Contact.objects.create(
        member=member, name="Test Kontakt"
    )
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
        **api.api_context(member),
        **exchange.exchange_context(meeting),
    }


def _url(name: str, kwargs: Mapping[str, object], context: Mapping[str, Any]) -> str:
    return reverse(name, kwargs={k: resolve(v, context) for k, v in kwargs.items()})


def _assert_answer(response: Any, want: object, name: str, role: str) -> None:
    if want == LOGIN:
        assert response.status_code == 302, (name, role, response.status_code)
        assert response["Location"].startswith(reverse("login")), (name, role)
    else:
        assert response.status_code == want, (name, role, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(GET))
def test_get(client: Client, name: str, role: str) -> None:
    kwargs, expected = GET[name]
    context = make_context()
    login(client, role)
    response = client.get(_url(name, kwargs, context))
    _assert_answer(response, expected[role], name, role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(POST))
def test_post(client: Client, name: str, role: str) -> None:
    row = POST[name]
    context = make_context()
    login(client, role)
    data = row.data(context) if callable(row.data) else row.data
    data = {k: resolve(v, context) for k, v in data.items()}
    for field, (filename, content) in row.files.items():
        from django.core.files.uploadedfile import SimpleUploadedFile

        data[field] = SimpleUploadedFile(filename, content)
    before = database_state()
    audit_before = AuditEntry.objects.count()
    response = client.post(_url(name, row.kwargs, context), data)
    want = row.expected[role]
    _assert_answer(response, want, name, role)
    refused = want == LOGIN or (isinstance(want, int) and want >= 400)
    if refused:
        assert database_state() == before, f"{name} as {role} was refused but changed data"
    elif row.writes:
        assert AuditEntry.objects.count() > audit_before, f"{name} as {role}: not audited"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "own_member", "office"])
@pytest.mark.parametrize("name", sorted(NO_POST))
def test_post_to_read_only_url_changes_nothing(client: Client, name: str, role: str) -> None:
    kwargs, _expected = GET[name]
    context = make_context()
    login(client, role)
    before = database_state()
    response = client.post(_url(name, kwargs, context), {"x": "1"})
    assert response.status_code < 500, (name, role, response.status_code)
    assert database_state() == before, f"{name} as {role}: POST to a read-only URL wrote data"
