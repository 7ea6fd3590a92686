"""Matrix rows of joint positions and the demand tracker (ADR 0061), and of correcting or
deleting a signature of the Potsdamer Erklärung (issue 16; URLs of the members app).

`position_context` makes one position per phase, each with Detmold (the own member) as
co-author: a draft, one in the comment phase with a comment of another member, one in the
endorsement phase without endorsements (every member's staff may endorse it), one in the
endorsement phase that Detmold endorsed, and a published one; plus a demand and Detmold's
signature."""

from __future__ import annotations

from typing import Any

from .common import (
    AGS,
    DENY,
    LOGGED_IN,
    LOGIN,
    NOT_ALLOWED,
    OFFICE_ONLY,
    OK,
    OWN_OR_OFFICE,
    PUBLIC,
    REDIRECT,
    ROLES,
    Post,
    with_answer,
)

AUTHORS_ONLY = OWN_OR_OFFICE  # the office and Detmold's staff (co-author)
DRAFT_AUTHORS = OWN_OR_OFFICE
SAVED_LOGGED_IN = with_answer(REDIRECT, LOGGED_IN)
SAVED_OWN_OR_OFFICE = with_answer(REDIRECT, OWN_OR_OFFICE)
SAVED_OFFICE_ONLY = with_answer(REDIRECT, OFFICE_ONLY)
POST_ONLY = dict.fromkeys(ROLES, NOT_ALLOWED)
TEXT = "Einleitung.\n\n## Forderungen\nAufnahme über die Quote."

GET = {
    "position-list": ({}, PUBLIC),
    "position-create": ({}, OFFICE_ONLY),
    "position-detail": ({"pk": "{pos_published}"}, PUBLIC),
    "position-edit": ({"pk": "{pos_draft}"}, DRAFT_AUTHORS),
    "position-diff": ({"pk": "{pos_published}"}, PUBLIC),
    "position-phase": ({"pk": "{pos_commenting}"}, POST_ONLY),
    "position-pdf": ({"pk": "{pos_published}"}, PUBLIC),
    "comment-create": ({"pk": "{pos_commenting}"}, LOGGED_IN),
    "comment-answer": ({"pk": "{comment}"}, AUTHORS_ONLY),
    "endorsement-create": ({"pk": "{pos_endorsing}"}, LOGGED_IN),
    "endorsement-edit": ({"pk": "{endorsement}"}, OWN_OR_OFFICE),
    "endorsement-withdraw": ({"pk": "{endorsement}"}, OWN_OR_OFFICE),
    "demand-list": ({}, PUBLIC),
    "demand-create": ({}, OFFICE_ONLY),
    "demand-edit": ({"pk": "{demand}"}, OFFICE_ONLY),
    "demand-entry-create": ({"pk": "{demand}"}, OFFICE_ONLY),
    "signature-edit": ({"ags": AGS, "pk": "{signature}"}, OFFICE_ONLY),
    "signature-delete": ({"ags": AGS, "pk": "{signature}"}, OFFICE_ONLY),
}

ENDORSEMENT = {
    "signatory_name": "Anna Matrix",
    "signatory_function": "Bürgermeisterin",
    "council_decision_on": "2024-05-02",
    "council_decision_reference": "DS 2024/1",
    "authorised": "on",
}

POST = {
    "position-create": Post({}, {"title": "Matrix-Position", "text": TEXT}, SAVED_OFFICE_ONLY),
    "position-edit": Post(
        {"pk": "{pos_draft}"},
        {"title": "Matrix-Entwurf", "text": TEXT + " Neu.", "note": "ergänzt"},
        SAVED_OWN_OR_OFFICE,
    ),
    "position-phase": Post({"pk": "{pos_commenting}"}, {"to": "endorsing"}, SAVED_OFFICE_ONLY),
    "comment-create": Post(
        {"pk": "{pos_commenting}"},
        {"section": "forderungen", "text": "Ein Kommentar."},
        SAVED_LOGGED_IN,
    ),
    "comment-answer": Post(
        {"pk": "{comment}"}, {"answer": "Danke für den Hinweis."}, SAVED_OWN_OR_OFFICE
    ),
    "endorsement-create": Post({"pk": "{pos_endorsing}"}, ENDORSEMENT, SAVED_LOGGED_IN),
    "endorsement-edit": Post(
        {"pk": "{endorsement}"},
        ENDORSEMENT | {"signatory_name": "Berta Matrix"},
        SAVED_OWN_OR_OFFICE,
    ),
    "endorsement-withdraw": Post({"pk": "{endorsement}"}, {}, SAVED_OWN_OR_OFFICE),
    "demand-create": Post(
        {},
        {"title": "Neue Forderung", "addressee": "Bund", "status": "open", "order": "9"},
        SAVED_OFFICE_ONLY,
    ),
    "demand-edit": Post(
        {"pk": "{demand}"},
        {"title": "Geänderte Forderung", "addressee": "Bund", "status": "partly", "order": "1"},
        SAVED_OFFICE_ONLY,
    ),
    "demand-entry-create": Post(
        {"pk": "{demand}"},
        {"happened_on": "2025-01-15", "actor_name": "Bund", "text": "Antwort erhalten."},
        SAVED_OFFICE_ONLY,
    ),
    "signature-edit": Post(
        {"ags": AGS, "pk": "{signature}"},
        {"signed_on": "2019-06-14", "signatory": "Bürgermeister (Matrix)"},
        SAVED_OFFICE_ONLY,
    ),
    "signature-delete": Post({"ags": AGS, "pk": "{signature}"}, {}, SAVED_OFFICE_ONLY),
}

NO_POST: set[str] = {
    "position-list",
    "position-detail",
    "position-diff",
    "position-pdf",
    "demand-list",
}

assert OK and DENY and LOGIN  # vocabulary used through the shared role dicts


def position_context() -> dict[str, Any]:
    """Placeholders of the positions rows (see the module docstring)."""
    import datetime as dt

    from hafennetz.members.models import Member, Signature
    from hafennetz.positions.models import (
        Comment,
        Demand,
        Endorsement,
        Position,
        PositionVersion,
    )

    detmold = Member.objects.get(municipality_id=AGS)
    other = Member.objects.alliance().exclude(pk=detmold.pk).order_by("pk").first()
    sections = [
        {"key": "einleitung", "heading": "", "text": "Einleitung."},
        {"key": "forderungen", "heading": "Forderungen", "text": "Aufnahme über die Quote."},
    ]
    made: dict[str, Any] = {}
    for name, status in (
        ("draft", "draft"),
        ("commenting", "commenting"),
        ("endorsing", "endorsing"),
        ("endorsed", "endorsing"),
        ("published", "published"),
    ):
        position = Position.objects.create(
            title=f"Matrix {name}",
            status=status,
            published_on=dt.date(2025, 1, 1) if status == "published" else None,
        )
        position.coauthors.add(detmold)
        version = PositionVersion.objects.create(position=position, number=1, sections=sections)
        made[name] = (position, version)
    position, version = made["commenting"]
    comment = Comment.objects.create(
        position=position,
        version=version,
        section_key="forderungen",
        section_heading="Forderungen",
        member=other,
        text="Matrix-Kommentar",
    )
    position, version = made["endorsed"]
    endorsement = Endorsement.objects.create(
        position=position,
        member=detmold,
        version=version,
        signatory_name="Anna Matrix",
        signatory_function="Bürgermeisterin",
        endorsed_on=dt.date.today(),
    )
    demand = Demand.objects.create(title="Matrix-Forderung", addressee="Bund")
    signature = Signature.objects.filter(member=detmold).order_by("pk").first()
    assert signature is not None
    return {
        "{pos_draft}": made["draft"][0].pk,
        "{pos_commenting}": made["commenting"][0].pk,
        "{pos_endorsing}": made["endorsing"][0].pk,
        "{pos_published}": made["published"][0].pk,
        "{comment}": comment.pk,
        "{endorsement}": endorsement.pk,
        "{demand}": demand.pk,
        "{signature}": signature.pk,
    }
