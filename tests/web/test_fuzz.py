"""No 5xx on bad input, anywhere (issue 10, item 7).

A property-based test (hypothesis) over every URL of the permission matrix: as every role that
may use the page, it reads the rendered forms (inputs, selects, textareas, submit buttons) and
submits them with hostile values — wrong types, 5,000-digit and negative numbers, dates of the
years 1, 1900 and 9999, control characters (CR/LF, NUL), 200,000-character texts, '²' and other
non-ASCII digits, HTML/JS payloads, binary uploads — and sends the query parameters the views
read (the names of the page's GET forms and the known ones: version, runde, page, present, ...)
with the same values. The POST rows of the matrix contribute their valid payloads as further
forms, so the fuzzer also reaches POST-only URLs. Every answer must be below 500.

Before the random examples, a systematic edge sweep: every distinct form once per edge value
with all fields of a kind set at once (dates to the years 1 and 9999, numbers beyond 2^64, '²',
CR/LF with NUL, 200,000 characters), so an extreme reaches every field of every form.

Deterministic and bounded: derandomized, a fixed number of examples per URL, each request in a
savepoint that is rolled back (examples are independent). A failure names the request with every
field (long values abbreviated): that is the repro. Below, the concrete repros of the issue as
plain regression tests.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from .fuzz.html_forms import Form, parse_forms
from .fuzz.values import NASTY, nasty, uploads, value_for
from .matrix.common import DENY, LOGIN, NOT_ALLOWED, ROLES, login
from .matrix.common import resolve as resolve_placeholder
from .test_permission_matrix import GET, POST, _url, module_matrix

# Query parameters some view reads (or once read) besides the fields of its GET forms.
KNOWN_QUERY = [
    "version",
    "runde",
    "page",
    "present",
    "state",
    "q",
    "fmt",
    "status",
    "topic",
    "size_class",
    "level",
    "action",
    "next",
    # read by the session-4 views (exchange, positions, admission results, directory)
    "land",
    "thema",
    "praxis",
    "treffen",
    "von",
    "bis",
    "abschnitt",
    "show",
    "member",
    "sort",
    "run",
]
# Fields a lower role must not be able to set (mass assignment): sent now and then as extras.
EXTRA_FIELDS = ["member", "joined_on", "state", "is_demo", "review_comment", "actor", "id"]
EXAMPLES = 15
# The random examples run on this database only; the edge sweep runs on every database.
RANDOM_ON = "sqlite"
EXAMPLES_OF = {"round-pdf": 3}  # WeasyPrint renders every example
# Fields POSTed to URLs that take nothing but POST (their forms live on other pages).
POST_ONLY_FIELDS = ["q0", "q1", "status", "state", "code", "confirm", "present", "next"]
# Forms of the page layout (every page has them): fuzzed on the landing page only.
LAYOUT_FORMS = {"logout", "set_language"}
REFUSED = {LOGIN, DENY, NOT_ALLOWED}

# No shrinking: it may take minutes per failure; the failure message names the request with
# every field (long values abbreviated), which is the repro.
FUZZ_SETTINGS = settings(
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=list(HealthCheck),
)


@dataclass
class Target:
    """One way to send input to the application: a form (or the query string) as a role."""

    role: str
    method: str  # "get" or "post"
    path: str
    source: str  # where it was found, for the failure report
    # name -> (HTML kind, choices, default values)
    fields: dict[str, tuple[str, list[str], list[str]]] = field(default_factory=dict)
    submits: list[tuple[str, str]] = field(default_factory=list)


def _defaults(form: Form) -> dict[str, tuple[str, list[str], list[str]]]:
    fields: dict[str, tuple[str, list[str], list[str]]] = {}
    for f in form.inputs:
        kind, choices, values = fields.get(f.name, (f.kind, [], []))
        if f.kind in ("checkbox", "radio"):
            choices = [*choices, f.value or "on"]
            if f.checked:
                values = [*values, f.value or "on"]
        elif f.kind == "select":
            choices = f.choices
            first = [] if f.multiple or not f.choices else [f.choices[0]]
            values = [f.value] if f.value else first
        elif f.kind != "file":
            values = [*values, f.value]
        fields[f.name] = (kind, choices, values)
    return fields


def _form_target(role: str, page_path: str, page: str, form: Form) -> Target | None:
    path = urlsplit(form.action).path if form.action else page_path
    try:
        action = resolve(path).url_name
    except Resolver404:
        return None
    if action == "logout" or (action in LAYOUT_FORMS and page != "home"):
        return None
    return Target(
        role=role,
        method=form.method if form.method in ("get", "post") else "get",
        path=path,
        source=f"{form.method.upper()} form of {page} -> {action}",
        fields=_defaults(form),
        submits=[(f.name, f.value) for f in form.submits],
    )


def _targets(name: str, context: Mapping[str, Any], clients: dict[str, Client]) -> list[Target]:
    kwargs, expected = GET[name]
    path = _url(name, kwargs, context)
    targets: list[Target] = []
    for role in ROLES:
        if expected[role] == NOT_ALLOWED and role != "anonymous":
            # A POST-only URL this role passes the guard of (405 on GET).
            target = Target(role=role, method="post", path=path, source=f"POST-only {name}")
            target.fields = {q: ("text", [], []) for q in POST_ONLY_FIELDS}
            targets.append(target)
            continue
        if expected[role] in REFUSED:
            continue
        response = clients[role].get(path)
        assert response.status_code < 500, (name, role, response.status_code)
        query = Target(role=role, method="get", path=path, source=f"query of {name}")
        query.fields = {q: ("text", [], []) for q in KNOWN_QUERY}
        targets.append(query)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in parse_forms(response.content.decode()):
            target = _form_target(role, path, name, form)
            if target is None:
                continue
            if target.method == "get" and target.path == path:
                for q in target.fields:  # the page's own filter form: its fields join the query
                    query.fields.setdefault(q, target.fields[q])
            targets.append(target)
    row = POST.get(name)
    if row is not None:
        data = row.data(context) if callable(row.data) else row.data
        post_path = _url(name, row.kwargs, context)
        for role in ROLES:
            if row.expected[role] in REFUSED or (
                isinstance(row.expected[role], int) and row.expected[role] >= 400
            ):
                continue
            target = Target(role=role, method="post", path=post_path, source=f"POST row {name}")
            for key, value in data.items():
                values = value if isinstance(value, list | tuple) else [value]
                target.fields[key] = (
                    "text",
                    [],
                    [str(resolve_placeholder(v, context)) for v in values],
                )
            for key in row.files:
                target.fields[key] = ("file", [], [])
            targets.append(target)
    return targets


def _payload(data: st.DataObject, target: Target) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for key, (kind, choices, defaults) in target.fields.items():
        if kind == "file":
            if data.draw(st.booleans(), label=f"upload {key}"):
                filename, content = data.draw(uploads, label=f"file {key}")
                payload[key] = SimpleUploadedFile(filename, content)
            continue
        if not data.draw(st.booleans(), label=f"fuzz {key}"):
            if defaults:
                payload[key] = defaults
            continue
        values = data.draw(st.lists(value_for(kind, choices), min_size=1, max_size=2), label=key)
        payload[key] = values
    if target.submits:
        button = data.draw(st.sampled_from(target.submits), label="button")
        payload.setdefault(button[0], button[1])
    if target.method == "post" and data.draw(st.booleans(), label="extra fields"):
        for key in data.draw(st.lists(st.sampled_from(EXTRA_FIELDS), max_size=3, unique=True)):
            payload.setdefault(key, data.draw(nasty, label=key))
    return payload


EDGES: list[tuple[set[str] | None, str]] = [
    ({"date"}, "0001-01-01"),
    ({"date"}, "9999-12-31"),
    ({"datetime-local"}, "0001-01-01T00:00"),
    ({"datetime-local"}, "9999-12-31T23:59"),
    ({"date", "datetime-local"}, "1900-01-01"),
    (None, "99999999999999999999"),
    (None, "-99999999999999999999"),
    (None, "²"),
    (None, "a\r\nBcc: victim@example.org\x00"),
    (None, "x" * 200_000),
]


# The query string of a page (its filters and the known parameters): the values that broke it.
QUERY_EDGES: list[tuple[set[str] | None, str]] = [
    (None, "²"),
    (None, "99999999999999999999"),
    (None, "-1"),
]


# Edge values that still break a page on today's main, held back so the suite stays green until
# the page's owner fixes it (each entry says what breaks; remove it with the fix).
# (URL name, database vendor or None for every database) -> held-back edge values.
HUGE = "99999999999999999999"
# Edge values a page is known to fail on, per database, until its owner fixes it. Empty: F10
# (model choice ids beyond 2^63), F12 (login names beyond 255 characters) and F13 (a NUL in the
# reminder's state) are fixed; a new entry needs a finding in the issue.
HELD_BACK: dict[tuple[str, str | None], set[str]] = {}


def _held_back(name: str) -> set[str]:
    from django.db import connection

    return HELD_BACK.get((name, None), set()) | HELD_BACK.get((name, connection.vendor), set())


def _distinct(targets: list[Target]) -> list[Target]:
    """One target per distinct form (the last role that has it: usually the most fields)."""
    seen: dict[tuple[str, str, frozenset[str]], Target] = {}
    for target in targets:
        seen[(target.method, target.path, frozenset(target.fields))] = target
    return list(seen.values())


def _edge_payloads(target: Target, *, held_back: set[str]) -> list[dict[str, Any]]:
    """The form with its defaults, and every field of a kind (or every field) set to one edge
    value; once per submit button."""
    defaults = {k: v for k, (_kind, _c, v) in target.fields.items() if v}
    payloads = []
    edges = EDGES if not target.source.startswith("query") else QUERY_EDGES
    for kinds, value in edges:
        if value in held_back:
            continue
        changed = {
            k: value
            for k, (kind, _c, _v) in target.fields.items()
            if kind != "file" and k != "csrfmiddlewaretoken" and (kinds is None or kind in kinds)
        }
        if not changed:
            continue
        for button in target.submits or [None]:
            payload: dict[str, Any] = {**defaults, **changed}
            if button is not None:
                payload[button[0]] = button[1]
            payloads.append(payload)
    return payloads


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:100] + f"... ({len(text)} chars)"


def _send(client: Client, target: Target, payload: dict[str, Any], *, hypothesis: bool) -> None:
    shown = {k: _short(v) for k, v in payload.items()}
    where = f"{target.method.upper()} {target.path} as {target.role} ({target.source}) {shown}"
    if hypothesis:
        note(where)
    with transaction.atomic():
        try:
            if target.method == "get":
                response = client.get(target.path, payload)
            else:
                response = client.post(target.path, payload)
        except Exception as exc:
            frames = traceback.extract_tb(exc.__traceback__)
            own = [f for f in frames if "/hafennetz/" in f.filename] or frames
            last = own[-1]
            raise AssertionError(
                f"{where}: {type(exc).__name__}: {str(exc)[:300]} "
                f"at {last.filename.split('/src/')[-1]}:{last.lineno} ({last.name})"
            ) from exc
        finally:
            transaction.set_rollback(True)
    assert response.status_code < 500, f"{where}: HTTP {response.status_code}"


@pytest.fixture(scope="module")
def context(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The matrix's placeholder objects, made once for this module (rolled back after it)."""
    for matrix in module_matrix(django_db_blocker):
        yield matrix.context


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(GET))
def test_no_5xx_on_hostile_input(context: dict[str, Any], name: str) -> None:
    clients: dict[str, Client] = {}
    for role in ROLES:
        clients[role] = Client()
        login(clients[role], role)
    targets = _targets(name, context, clients)
    assert targets, f"{name}: nothing to send"
    # First the edges, systematically: every field of a kind at once at its extreme (on every
    # database: the edges are where the databases differ).
    for target in _distinct(targets):
        for payload in _edge_payloads(target, held_back=_held_back(name)):
            _send(clients[target.role], target, payload, hypothesis=False)
    if connection.vendor != RANDOM_ON:
        return  # the random examples test the views' input handling: one database is enough

    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES_OF.get(name, EXAMPLES))
    @given(st.data())
    def fuzz(data: st.DataObject) -> None:
        target = data.draw(st.sampled_from(targets), label="target")
        _send(clients[target.role], target, _payload(data, target), hypothesis=True)

    fuzz()


# --- the concrete repros of issue 10, item 7 ---------------------------------------------------


def _id(value: object) -> str:
    text = ascii(value)
    return text if len(text) <= 24 else f"{text[:12]}...{len(text)}chars"


def _office() -> Client:
    client = Client()
    login(client, "office")
    return client


def _page_form(client: Client, path: str) -> dict[str, Any]:
    """The values the browser would send with the page's own POST form (not the layout's),
    every checkbox ticked: name -> (kind, values)."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    (form,) = [
        f
        for f in parse_forms(page.content.decode())
        if f.method == "post" and urlsplit(f.action).path in ("", path)
    ]
    fields = _defaults(form).items()
    return {k: (kind, c if kind == "checkbox" else v) for k, (kind, c, v) in fields}


def _assert_refused_or_form(response: Any) -> None:
    """A 4xx, or the page again (a re-rendered form, an error message): never a 5xx."""
    assert response.status_code < 500
    assert response.status_code in (200, 302, 400, 403, 404, 405, 413, 422), response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["²", "9" * 5000, "-1", "0", "99999999999999999999"], ids=_id)
def test_report_page_with_a_hostile_version(context: dict[str, Any], version: str) -> None:
    kwargs, _ = GET["report-detail"]
    response = _office().get(_url("report-detail", kwargs, context), {"version": version})
    assert response.status_code in (200, 400, 404)


def _meeting_with_plan() -> Any:
    from hafennetz.meetings import planning
    from hafennetz.meetings.models import Meeting

    for meeting in Meeting.objects.order_by("pk"):
        if planning.current_plan(meeting) is not None:
            return meeting
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("runde", ["²", "٣", "9" * 5000, "0", "-1"], ids=_id)
def test_zoom_export_with_a_hostile_round(runde: str) -> None:
    meeting = _meeting_with_plan()
    assert meeting is not None, "the demo data has a meeting with a small-group plan"
    response = _office().get(f"/treffen/{meeting.pk}/kleingruppen/zoom/", {"runde": runde})
    assert response.status_code in (400, 404)
    response = _office().get(f"/treffen/{meeting.pk}/kleingruppen/bbb/", {"runde": runde})
    assert response.status_code in (400, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("present", ["²", "٣", "9" * 5000, "-1", "99999999999999999999"], ids=_id)
def test_checkin_list_with_a_hostile_present(context: dict[str, Any], present: str) -> None:
    response = _office().post(f"/treffen/{context['{meeting}']}/anwesenheit/", {"present": present})
    _assert_refused_or_form(response)


def _meeting_form_data(meeting: Any, **changes: str) -> dict[str, Any]:
    """The meeting's edit form as the browser sends it, with some fields changed."""
    client = _office()
    page = client.get(f"/treffen/{meeting.pk}/bearbeiten/")
    assert page.status_code == 200
    (form,) = [f for f in parse_forms(page.content.decode()) if f.method == "post"]
    data: dict[str, Any] = {}
    for key, (_kind, _choices, values) in _defaults(form).items():
        if values:
            data[key] = values
    data.update(changes)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "9999-12-31"])
def test_meeting_starting_at_an_extreme_date(context: dict[str, Any], day: str) -> None:
    """A new meeting with the fields of the demo meeting as the browser sends them, but in the
    year 1 (1900, 9999): the form again with an error, no meeting created."""
    from hafennetz.meetings.models import Meeting

    meeting = Meeting.objects.get(pk=context["{meeting}"])
    client = _office()
    data = {
        k: v
        for k, (_kind, v) in _page_form(client, f"/treffen/{meeting.pk}/bearbeiten/").items()
        if v
    }
    count = Meeting.objects.count()
    control = client.post("/treffen/neu/", data)  # the demo meeting's fields make a valid meeting
    assert control.status_code == 302, control.context["form"].errors
    assert Meeting.objects.count() == count + 1
    for key in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        if key in data:
            data[key] = f"{day}T{data[key][0][11:] or '10:00'}"
    response = client.post("/treffen/neu/", data)
    _assert_refused_or_form(response)
    assert Meeting.objects.count() == count + 1
    edit = client.post(f"/treffen/{meeting.pk}/bearbeiten/", data)
    _assert_refused_or_form(edit)
    # (not a __year lookup: Django cannot build the bounds of the year 1 in UTC either)
    plausible = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    assert not Meeting.objects.exclude(starts_at__range=plausible).exists()


@pytest.mark.django_db
def test_meeting_message_subject_with_crlf(context: dict[str, Any]) -> None:
    from django.core import mail

    response = _office().post(
        f"/treffen/{context['{meeting}']}/nachricht/",
        {"subject": "Einladung\r\nBcc: victim@example.org", "body": "Hallo"},
    )
    _assert_refused_or_form(response)
    for message in mail.outbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        assert "victim@example.org" not in message.bcc


@pytest.mark.django_db
@pytest.mark.parametrize(
    "filename, content",
    [
        ("binary.csv", bytes(range(256)) * 16),
        ("long-field.csv", b"ags;name\n05766020;" + b"x" * 140_000 + b"\n"),
        ("long-field-comma.csv", b"ags,name\n05766020," + b"y" * 131_073 + b"\n"),
        ("garbage.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4),
    ],
    ids=["binary", "long-field", "long-field-comma", "garbage-xlsx"],
)
def test_member_import_with_a_hostile_file(filename: str, content: bytes) -> None:
    response = _office().post(
        "/verwaltung/import/", {"file": SimpleUploadedFile(filename, content)}
    )
    assert response.status_code in (200, 400, 413)
    if response.status_code == 200:
        assert response.context["form"].errors or not response.context["preview"].is_valid


@pytest.mark.django_db
def test_report_figure_beyond_the_database(context: dict[str, Any]) -> None:
    """A report whose key figures are 99999999999999999999 (and 5,000 digits), confirmed as
    correct: the form again with an error, nothing saved."""
    from hafennetz.situation.models import FigureValue

    client = Client()
    login(client, "own_member")
    kwargs, _ = GET["report-edit"]
    path = _url("report-edit", kwargs, context)
    fields = _page_form(client, path)
    figure_fields = [k for k, (kind, _v) in fields.items() if kind == "number"]
    assert figure_fields, "the report form has number fields for the key figures"
    data = {k: v for k, (_kind, v) in fields.items() if v}
    control = client.post(path, data)  # the form as shown (a draft) is valid: it saves
    assert control.status_code == 302, control.context["form"].errors
    for huge in ("99999999999999999999", "9" * 5000):
        before = FigureValue.objects.count()
        data = {k: v for k, (_kind, v) in fields.items() if v}
        data.update(dict.fromkeys(figure_fields, huge))
        response = client.post(path, data)
        assert response.status_code == 200, response.status_code
        assert response.context["form"].errors
        # The plausibility warning offers "the number is correct": confirm every figure.
        (form,) = [
            f
            for f in parse_forms(response.content.decode())
            if f.method == "post" and urlsplit(f.action).path in ("", path)
        ]
        confirms = {f.name: f.value or "on" for f in form.inputs if f.kind == "checkbox"}
        response = client.post(path, {**data, **confirms})
        assert response.status_code == 200, response.status_code
        assert response.context["form"].errors
        assert FigureValue.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("value", NASTY, ids=_id)
def test_public_lagebild_filters(value: str) -> None:
    response = Client().get(
        "/lagebild/deutschland/", {"state": value, "size_class": value, "topic": value}
    )
    assert response.status_code in (200, 400)
