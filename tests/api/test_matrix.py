"""Role × endpoint × method matrix of the API: every operation of the OpenAPI document, asked
as each role with a token of every scope (anonymous without one). A refused role changes no
table; an allowed write is audited. The completeness test fails for an operation without a row.
Scopes are tested in test_auth.py: here a token never narrows its account. "Changes no table"
is checked by recording every INSERT, UPDATE and DELETE the refused request sends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from hafennetz.core.models import AuditEntry

from .conftest import AGS, ROLES, client_as, role_user
from .openapi_check import document

ALL = dict.fromkeys(ROLES, 200)
STAFF = {"anonymous": 401, **dict.fromkeys(ROLES[1:], 200)}
OWN_OR_OFFICE = {
    "anonymous": 401,
    "own_member": 200,
    "other_member": 403,
    "state_same": 403,
    "state_other": 403,
    "office": 200,
}
OWN_STATE_OR_OFFICE = {**OWN_OR_OFFICE, "state_same": 200}
OFFICE = {"anonymous": 401, **dict.fromkeys(ROLES[1:5], 403), "office": 200}


def answer(code: int, roles: Mapping[str, int]) -> dict[str, int]:
    return {role: (code if want == 200 else want) for role, want in roles.items()}


@dataclass(frozen=True)
class Row:
    path: str  # with {placeholders} of the context
    expected: Mapping[str, int]
    body: Any = None  # dict, or a function of the context
    writes: bool = False


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def make_context() -> dict[str, Any]:
    from hafennetz.admission.models import AllocationRun, Contingent, Household, Placement, Pledge
    from hafennetz.api import services as api_services
    from hafennetz.meetings.models import Meeting, Registration
    from hafennetz.members.models import Member
    from hafennetz.situation import selectors as situation_selectors
    from hafennetz.situation import services as situation_services
    from hafennetz.situation.models import Questionnaire

    member = Member.objects.get(municipality_id=AGS)
    today = timezone.localdate()
    questionnaire = Questionnaire.objects.order_by("-version").first()
    assert questionnaire is not None
    fresh = situation_services.round_open(
        actor=None,
        title="API-Matrix offen",
        questionnaire=questionnaire,
        opens_on=today,
        deadline=today + dt.timedelta(days=20),
    )
    done = situation_services.round_open(
        actor=None,
        title="API-Matrix eingereicht",
        questionnaire=questionnaire,
        opens_on=today,
        deadline=today + dt.timedelta(days=20),
    )
    topics = situation_selectors.questionnaire_topics(questionnaire)
    answers = {t.code: situation_services.AnswerInput(strain=2) for t in topics}
    situation_services.report_save(
        actor=None,
        survey_round=done,
        member=member,
        share_with_members=False,
        answers=answers,
        figures={},
        submit=True,
    )
    now = timezone.now()
    meeting = Meeting.objects.create(
        title="API-Matrix Treffen",
        level="federal",
        format="digital",
        starts_at=now + dt.timedelta(days=20),
        ends_at=now + dt.timedelta(days=20, hours=3),
        registration_opens_at=now - dt.timedelta(days=1),
        registration_closes_at=now + dt.timedelta(days=10),
        checkin_code="APIMTX",
    )
    own = role_user("own_member")
    Registration.objects.create(meeting=meeting, user=own, member=member, status="confirmed")
    for role in ROLES[1:]:
        role_user(role)
    pledge = Pledge.objects.create(
        member=member,
        valid_from=today,
        valid_until=today + dt.timedelta(days=90),
        places_housing=4,
    )
    contingent = Contingent.objects.create(
        name="API-Matrix",
        programme="other",
        persons=10,
        period_start=today,
        period_end=today + dt.timedelta(days=30),
        key="population",
    )
    Household.objects.create(contingent=contingent, case_id="API-0001", age_18_64=1)
    run = AllocationRun.objects.create(contingent=contingent, method="greedy")
    placed = Household.objects.create(contingent=contingent, case_id="API-0009", age_18_64=1)
    placement = Placement.objects.create(run=run, household=placed, member=member, persons=1)
    endpoint, _secret = api_services.webhook_create(
        actor=own, url="http://127.0.0.1:9/hook", events_=["round.opened"]
    )
    from hafennetz.exchange import services as exchange_services
    from hafennetz.exchange.selectors import topics as practice_topics
    from hafennetz.positions import services as position_services
    from hafennetz.positions.models import Position, PositionVersion

    practice = exchange_services.practice_save(
        actor=None,
        member=member,
        data=exchange_services.PracticeInput(
            title="API-Matrix Praxis",
            summary="Kurz",
            problem="Problem",
            what_was_done="Getan",
            results="Ergebnis",
            topics=practice_topics()[:1],
        ),
    )
    position = Position.objects.create(title="API-Matrix Position", status="endorsing")
    PositionVersion.objects.create(
        position=position, number=1, sections=[{"key": "a", "heading": "A", "text": "Text"}]
    )
    position_services.endorsement_create(
        actor=None,
        position=position,
        member=member,
        signatory_name="Bürgermeisterin",
        signatory_function="Bürgermeisterin",
    )
    return {
        "practice": practice.pk,
        "practice_topic": practice_topics()[0].code,
        "position": position.pk,
        "fresh": fresh.number,
        "done": done.number,
        "topics": [t.code for t in topics],
        "meeting": meeting.pk,
        "pledge": pledge.pk,
        "contingent": contingent.pk,
        "run": run.pk,
        "placement": placement.pk,
        "webhook": endpoint.pk,
    }


def _report(context: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "share_with_members": False,
        "answers": {code: {"strain": 3, "what_is_hard": "Wohnraum"} for code in context["topics"]},
        "figures": {},
    }


def _pledge(_context: Mapping[str, Any]) -> dict[str, Any]:
    today = dt.date.today()
    return {
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=60)).isoformat(),
        "places_housing": 3,
        "offers": ["dialysis"],
    }


def _practice(context: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "title": "Patenschaften",
        "summary": "Ehrenamtliche begleiten Familien",
        "problem": "Wenig Kontakte",
        "what_was_done": "Vermittlung",
        "results": "120 Patenschaften",
        "topics": [context["practice_topic"]],
        "links": ["https://example.org/paten"],
    }


ENDORSEMENT = {
    "signatory_name": "Erika Muster",
    "signatory_function": "Oberbürgermeisterin",
    "authorised": True,
}
OWN_ONLY = {"anonymous": 401, **dict.fromkeys(ROLES[1:], 404), "own_member": 200}

V = "/api/v1"
R = V + "/situation/rounds"
MATRIX: dict[tuple[str, str], Row] = {
    ("GET", "/members"): Row(V + "/members", ALL),
    ("GET", "/members/{ags}"): Row(V + f"/members/{AGS}", ALL),
    ("PATCH", "/members/{ags}"): Row(
        V + f"/members/{AGS}", OWN_OR_OFFICE, {"description": "Über die API"}, writes=True
    ),
    ("GET", "/me"): Row(V + "/me", STAFF),
    ("GET", "/situation/rounds"): Row(R, STAFF),
    ("GET", "/situation/rounds/{number}"): Row(R + "/{fresh}", STAFF),
    ("GET", "/situation/rounds/{number}/aggregates"): Row(R + "/{done}/aggregates", STAFF),
    ("GET", "/situation/public"): Row(V + "/situation/public", ALL),
    ("GET", "/situation/rounds/{number}/reports/{ags}"): Row(
        R + f"/{{done}}/reports/{AGS}", OWN_STATE_OR_OFFICE
    ),
    ("PUT", "/situation/rounds/{number}/reports/{ags}"): Row(
        R + f"/{{fresh}}/reports/{AGS}", OWN_OR_OFFICE, _report, writes=True
    ),
    ("POST", "/situation/rounds/{number}/reports/{ags}/submit"): Row(
        R + f"/{{fresh}}/reports/{AGS}/submit", OWN_OR_OFFICE, _report, writes=True
    ),
    ("POST", "/situation/rounds/{number}/reports/{ags}/new-version"): Row(
        R + f"/{{done}}/reports/{AGS}/new-version", OWN_OR_OFFICE, {}, writes=True
    ),
    ("GET", "/meetings"): Row(V + "/meetings", STAFF),
    ("GET", "/meetings/{id}"): Row(V + "/meetings/{meeting}", STAFF),
    ("GET", "/meetings/{id}/registration"): Row(
        V + "/meetings/{meeting}/registration",
        {"anonymous": 401, **dict.fromkeys(ROLES[1:], 404), "own_member": 200},
    ),
    ("POST", "/meetings/{id}/registration"): Row(
        V + "/meetings/{meeting}/registration",
        {"anonymous": 401, **dict.fromkeys(ROLES[1:], 201), "own_member": 422},
        {"answers": []},
        writes=True,
    ),
    ("DELETE", "/meetings/{id}/registration"): Row(
        V + "/meetings/{meeting}/registration",
        {"anonymous": 401, **dict.fromkeys(ROLES[1:], 404), "own_member": 200},
        writes=True,
    ),
    ("GET", "/meetings/{id}/groups"): Row(V + "/meetings/{meeting}/groups", STAFF),
    ("GET", "/admission/members/{ags}/pledges"): Row(
        V + f"/admission/members/{AGS}/pledges", OWN_STATE_OR_OFFICE
    ),
    ("POST", "/admission/members/{ags}/pledges"): Row(
        V + f"/admission/members/{AGS}/pledges",
        answer(201, OWN_OR_OFFICE),
        _pledge,
        writes=True,
    ),
    ("PUT", "/admission/pledges/{id}"): Row(
        V + "/admission/pledges/{pledge}", OWN_OR_OFFICE, _pledge, writes=True
    ),
    ("GET", "/admission/members/{ags}/placements"): Row(
        V + f"/admission/members/{AGS}/placements", OWN_OR_OFFICE
    ),
    ("POST", "/admission/placements/{id}/confirm"): Row(
        V + "/admission/placements/{placement}/confirm", OWN_OR_OFFICE, {}, writes=True
    ),
    ("POST", "/admission/contingents/{id}/households"): Row(
        V + "/admission/contingents/{contingent}/households",
        answer(201, OFFICE),
        {"households": [{"case_id": "API-0100", "age_18_64": 2, "age_0_2": 1}]},
        writes=True,
    ),
    ("POST", "/admission/contingents/{id}/runs"): Row(
        V + "/admission/contingents/{contingent}/runs",
        answer(202, OFFICE),
        {"method": "greedy", "work": 1.0},
        writes=True,
    ),
    ("GET", "/admission/runs/{id}"): Row(V + "/admission/runs/{run}", OFFICE),
    ("GET", "/practices"): Row(V + "/practices", ALL),
    ("GET", "/practices/{id}"): Row(V + "/practices/{practice}", OWN_OR_OFFICE),
    ("PUT", "/practices/{id}"): Row(
        V + "/practices/{practice}", OWN_OR_OFFICE, _practice, writes=True
    ),
    ("POST", "/members/{ags}/practices"): Row(
        V + f"/members/{AGS}/practices", answer(201, OWN_OR_OFFICE), _practice, writes=True
    ),
    ("GET", "/positions"): Row(V + "/positions", ALL),
    ("GET", "/positions/{id}"): Row(V + "/positions/{position}", STAFF),
    ("POST", "/positions/{id}/endorsement"): Row(
        V + "/positions/{position}/endorsement",
        {"anonymous": 401, **dict.fromkeys(ROLES[1:], 201), "own_member": 422},
        ENDORSEMENT,
        writes=True,
    ),
    ("PUT", "/positions/{id}/endorsement"): Row(
        V + "/positions/{position}/endorsement", OWN_ONLY, ENDORSEMENT, writes=True
    ),
    ("DELETE", "/positions/{id}/endorsement"): Row(
        V + "/positions/{position}/endorsement", OWN_ONLY, writes=True
    ),
    ("GET", "/webhooks"): Row(V + "/webhooks", STAFF),
    ("POST", "/webhooks"): Row(
        V + "/webhooks",
        answer(201, STAFF),
        {"url": "http://127.0.0.1:9/other", "events": ["report.submitted"]},
        writes=True,
    ),
    ("GET", "/webhooks/{id}"): Row(V + "/webhooks/{webhook}", OWN_OR_OFFICE),
    ("PATCH", "/webhooks/{id}"): Row(
        V + "/webhooks/{webhook}", OWN_OR_OFFICE, {"active": False}, writes=True
    ),
    ("DELETE", "/webhooks/{id}"): Row(V + "/webhooks/{webhook}", OWN_OR_OFFICE, writes=True),
    ("GET", "/webhooks/{id}/deliveries"): Row(V + "/webhooks/{webhook}/deliveries", OWN_OR_OFFICE),
}


def test_every_operation_has_a_row() -> None:
    operations = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, methods in document()["paths"].items()
        for method in methods
    }
    assert operations == set(MATRIX)


@dataclass
class Matrix:
    context: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
def matrix(django_db_setup: None, django_db_blocker: Any) -> Iterator[Matrix]:
    with django_db_blocker.unblock(), rolled_back():
        yield Matrix(make_context())


@contextmanager
def writes_recorded() -> Iterator[list[str]]:
    """The SQL writes (INSERT, UPDATE, DELETE) made inside the block: stricter and much cheaper
    than comparing every table, and blind only to the token's own last-use stamp."""
    from django.db import connection

    written: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        verb = sql.lstrip().split(" ", 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE"} and '"api_apitoken"' not in sql:
            written.append(sql[:120])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield written


@pytest.mark.django_db
@pytest.mark.parametrize("operation", sorted(MATRIX), ids=" ".join)
def test_operation(matrix: Matrix, operation: tuple[str, str]) -> None:
    method, _template = operation
    row = MATRIX[operation]
    context = matrix.context
    path = row.path.format(**context)
    failures = []
    clients = {role: client_as(role) for role in ROLES}
    for role in ROLES:
        with rolled_back():
            client = clients[role]
            audited = AuditEntry.objects.count()
            body: Any = row.body(context) if callable(row.body) else row.body
            with writes_recorded() as written:
                response = client.request(method, path, body)
            want = row.expected[role]
            if response.status_code != want:
                failures.append(
                    f"{method} {path} as {role}: expected {want}, got {response.status_code} "
                    f"{response.content[:300]!r}"
                )
            elif want >= 400 and written:
                failures.append(f"{method} {path} as {role}: refused but wrote {written}")
            elif want < 400 and row.writes and AuditEntry.objects.count() <= audited:
                failures.append(f"{method} {path} as {role}: wrote without an audit entry")
    assert not failures, "\n".join(failures)


Payload = Mapping[str, Any] | Callable[[Mapping[str, Any]], Mapping[str, Any]]
