"""Attacks that must keep failing (issue 10): stored XSS through every text a member types, the
office's review comment leaking to other members, and the Content-Security-Policy that would
stop a script even if one slipped through."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hafennetz.meetings.models import Meeting, Registration, RegistrationStatus
from hafennetz.members.models import Contact, Member
from hafennetz.situation.models import Answer, SituationReport

from .matrix.common import OK, login
from .test_permission_matrix import GET, _url, make_context


def payload(where: str) -> str:
    """Breaks out of text, attributes and scripts if anything renders it unescaped."""
    return f"<script>alert('{where}')</script><img src=x onerror=alert(1)>\"'><svg onload=x>"


RAW_MARKERS = ("<script>alert(", "<img src=x onerror", "<svg onload")


class _Scripts(HTMLParser):
    """The bodies of <script type="application/json"> blocks (json_script)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.json_blocks: list[str] = []
        self._in_json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_json = tag == "script" and dict(attrs).get("type") == "application/json"
        if self._in_json:
            self.json_blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_json = False

    def handle_data(self, data: str) -> None:
        if self._in_json:
            self.json_blocks[-1] += data


def _plant(context: dict[str, Any]) -> None:
    """A payload in every text a member or organiser types that pages show."""
    member = Member.objects.get(municipality_id="05766020")
    member.name = payload("member-name")
    member.website = "https://example.org/" + payload("member-website")
    member.save(update_fields=["name", "website"])
    contact = Contact.objects.get(pk=context["{contact}"])
    contact.name, contact.function = payload("contact-name"), payload("contact-function")
    contact.phone, contact.is_public = payload("phone")[:50], True
    contact.save()
    meeting = Meeting.objects.get(pk=context["{meeting}"])
    meeting.title, meeting.description = payload("meeting-title"), payload("meeting-text")
    meeting.place, meeting.moderators = payload("meeting-place"), payload("moderators")
    meeting.save()
    user = get_user_model().objects.get(username="kommune@demo.hafennetz.example")
    user.first_name, user.last_name = payload("first-name"), payload("last-name")
    user.save(update_fields=["first_name", "last_name"])
    Registration.objects.create(
        meeting=meeting,
        user=user,
        member=member,
        status=RegistrationStatus.CONFIRMED,
        answers=[payload("registration-answer")] * len(meeting.question_list),
    )
    report = SituationReport.objects.filter(member=member, round__number=3, is_current=True).get()
    report.share_with_members = True
    report.save()
    Answer.objects.filter(report=report).update(
        what_is_hard=payload("what-is-hard"), what_works=payload("what-works")
    )


def _clients(roles: list[str]) -> dict[str, Client]:
    clients = {}
    for role in roles:
        clients[role] = Client()
        login(clients[role], role)
    return clients


def _html_pages(
    context: dict[str, Any], clients: dict[str, Client]
) -> Iterator[tuple[str, str, str]]:
    for role, client in clients.items():
        for name, (kwargs, expected) in sorted(GET.items()):
            if expected[role] != OK:
                continue
            response = client.get(_url(name, kwargs, context))
            assert response.status_code == 200, (name, role, response.status_code)
            if "html" in response.get("Content-Type", ""):
                yield name, role, response.content.decode()


@pytest.mark.django_db
def test_stored_xss_is_rendered_as_text_everywhere() -> None:
    context = make_context()
    _plant(context)
    escaped_seen: set[str] = set()
    for name, role, html in _html_pages(context, _clients(["anonymous", "own_member", "office"])):
        for marker in RAW_MARKERS:
            assert marker not in html, f"{name} as {role}: unescaped {marker!r}"
        scripts = _Scripts()
        scripts.feed(html)
        for block in scripts.json_blocks:
            assert "<" not in block and ">" not in block, f"{name} as {role}: raw < in JSON"
            json.loads(block)  # valid JSON, so JavaScript reads the text as text
        escaped_seen |= set(re.findall(r"&lt;script&gt;alert\(&#x27;([a-z-]+)&#x27;\)", html))
        for block in scripts.json_blocks:
            escaped_seen |= set(re.findall(r"\\u003Cscript\\u003Ealert\('([a-z-]+)'\)", block))
    # The payloads did reach the pages (as text): otherwise this test would prove nothing.
    assert {
        "member-name",
        "contact-name",
        "meeting-title",
        "what-is-hard",
        "registration-answer",
    } <= escaped_seen, escaped_seen


# Our own JavaScript hands user text to the DOM only as text.
_JS_SINKS = re.compile(r"\.innerHTML\s*[+]?=|insertAdjacentHTML|outerHTML\s*=|document\.write")
_LEAFLET_CALL = re.compile(r"\.(bindTooltip|bindPopup|setContent)\(\s*([^,)]+)")


def _own_scripts() -> list[Path]:
    root = Path(__file__).resolve().parents[2] / "src" / "hafennetz"
    return [p for p in root.rglob("static/**/*.js") if "vendor" not in p.parts]


def test_own_javascript_has_no_html_sinks() -> None:
    scripts = _own_scripts()
    assert scripts
    for path in scripts:
        text = path.read_text()
        assert not _JS_SINKS.search(text), f"{path.name}: HTML sink"
        for method, argument in _LEAFLET_CALL.findall(text):
            # A text node (span with textContent, the scripts' textNode helper) is a DOM node:
            # whatever its text is built from, Leaflet does not parse it as HTML.
            if argument.strip().startswith("textNode("):
                continue
            # Leaflet renders a string argument as HTML: only DOM nodes may be passed.
            assert not argument.strip().startswith(("'", '"', "`")), f"{path.name}: {method}"
            assert "+" not in argument, f"{path.name}: {method}({argument}) builds HTML"


@pytest.mark.django_db
def test_review_comment_stays_between_office_and_member() -> None:
    context = make_context()
    secret = "Interne-Anmerkung-der-Koordinierungsstelle-4711"
    report = SituationReport.objects.filter(
        member__municipality_id="05766020", round__number=3, is_current=True
    ).get()
    report.review_comment = secret
    report.share_with_members = True  # the answers are shared; the review is not
    report.save()
    clients = _clients(["other_member", "state_same", "state_other", "office"])
    seen_by: set[str] = set()
    for name, role, html in _html_pages(context, clients):
        if secret in html:
            seen_by.add(role)
            assert role in ("own_member", "office"), f"{name} shows the review to {role}"
    assert "office" in seen_by
    for role in ("state_same", "state_other"):
        client = clients[role]
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/lagebild/runden/3/export.{fmt}")
            assert response.status_code == 200
            assert secret.encode() not in response.content, f"export.{fmt} as {role}"


_HTML_PAGES = ["home", "member-directory", "member-detail", "situation-public", "login"]


def _policy(response: Any) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("name", _HTML_PAGES)
def test_security_headers(client: Client, name: str) -> None:
    kwargs, _ = GET[name]
    response = client.get(_url(name, kwargs, make_context()))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy, "no Content-Security-Policy header"
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None, "neither script-src nor default-src"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, scripts
    assert "*" not in scripts and "data:" not in scripts, scripts
    assert "object-src" in policy or "'none'" in policy.get("default-src", [])
    assert policy.get("frame-ancestors") in (["'none'"], ["'self'"]), policy.get("frame-ancestors")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.get("Referrer-Policy") in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    )
    assert response.get("Permissions-Policy"), "no Permissions-Policy header"


# GET and HEAD must not change data: a link or an <img> on another site (CSRF) could trigger it.
_GET_MAY_WRITE = {
    "meetings.calendarfeed",  # the personal calendar address is made when first shown
}
# Reading is logged where the data demands it (households) and refusals are logged.
_GET_MAY_AUDIT = {"request.refused", "meeting.calendar_feed", "household.view"}


@pytest.mark.django_db
def test_get_changes_no_data() -> None:
    from hafennetz.core.models import AuditEntry

    from .matrix.common import database_state

    context = make_context()
    clients = _clients(["own_member", "office"])
    audit_before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    before = database_state()
    for role, client in clients.items():
        for name, (kwargs, _expected) in sorted(GET.items()):
            response = client.get(_url(name, kwargs, context))
            assert response.status_code < 500, (name, role)
    after = database_state()
    changed = (
        {t for t in before if before[t] != after.get(t)} - _GET_MAY_WRITE - {"core.auditentry"}
    )
    assert not changed, f"GET requests changed {sorted(changed)}"
    actions = set(AuditEntry.objects.filter(pk__gt=audit_before).values_list("action", flat=True))
    assert actions <= _GET_MAY_AUDIT, actions - _GET_MAY_AUDIT
