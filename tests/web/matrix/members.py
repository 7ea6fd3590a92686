"""Matrix rows of the member registry (and the audit log, which the office reads)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core import signing

from .common import (
    AGS,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    OFFICE_ONLY,
    OWN_OR_OFFICE,
    PUBLIC,
    REDIRECT,
    ROLES,
    Post,
    with_answer,
)

GET = {
    "member-directory": ({}, PUBLIC),
    "member-detail": ({"ags": AGS}, PUBLIC),
    "member-edit": ({"ags": AGS}, OWN_OR_OFFICE),
    "contact-create": ({"ags": AGS}, OWN_OR_OFFICE),
    "contact-edit": ({"ags": AGS, "pk": "{contact}"}, OWN_OR_OFFICE),
    "contact-delete": ({"ags": AGS, "pk": "{contact}"}, OWN_OR_OFFICE),
    "signature-create": ({"ags": AGS}, OFFICE_ONLY),
    "member-leave": ({"ags": AGS}, OFFICE_ONLY),
    "member-rejoin": ({"ags": AGS}, OFFICE_ONLY),
    "my-member": ({}, {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], REDIRECT)}),
    "member-create": ({}, OFFICE_ONLY),
    "territory-search": ({}, OFFICE_ONLY),
    "coordination": ({}, OFFICE_ONLY),
    "invitations": ({}, OFFICE_ONLY),
    "members-import": ({}, OFFICE_ONLY),
    # POST only: the method check answers first, for everyone.
    "members-import-confirm": ({}, dict.fromkeys(ROLES, NOT_ALLOWED)),
    "members-export": ({"fmt": "csv"}, OFFICE_ONLY),
    "invitation-accept": ({"token": "not-a-valid-token"}, dict.fromkeys(ROLES, NOT_FOUND)),
    "audit-log": ({}, OFFICE_ONLY),
}

SAVED_OWN_OR_OFFICE = with_answer(REDIRECT, OWN_OR_OFFICE)
SAVED_OFFICE_ONLY = with_answer(REDIRECT, OFFICE_ONLY)


def _member_pk(ags: str = AGS) -> int:
    from hafennetz.members.models import Member

    return Member.objects.get(municipality_id=ags).pk


def _signature(_context: Mapping[str, Any]) -> dict[str, Any]:
    from hafennetz.members.models import Declaration

    return {
        "declaration": Declaration.objects.get(version="2021").pk,
        "signed_on": "2022-03-01",
        "signatory": "Bürgermeister (Matrix)",
    }


def _state_coordination(_context: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "assign": "1",
        "sc-state": "05",
        "sc-member": _member_pk(),
        "sc-starts_on": "2025-06-01",
    }


def _left_detmold(_context: Mapping[str, Any]) -> dict[str, Any]:
    """Detmold left (made before the request): its rejoining is what the office records."""
    from hafennetz.members.models import Member

    Member.objects.filter(municipality_id=AGS).update(left_on="2025-01-31")
    return {"joined_on": "2025-06-01"}


def _invitation(_context: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "member": _member_pk(),
        "first_name": "Mara",
        "last_name": "Matrix",
        "email": "matrix-einladung@detmold.example",
    }


def _signed_import(_context: Mapping[str, Any]) -> dict[str, Any]:
    """What the preview page hands to the confirmation: the checked rows, signed."""
    from hafennetz.members.views import IMPORT_SALT

    rows = [[2, {"ags": AGS, "website": "https://www.detmold.de/import"}]]
    return {"rows": signing.dumps(rows, salt=IMPORT_SALT, compress=True)}


POST: dict[str, Post] = {
    "member-edit": Post(
        {"ags": AGS},
        {"name": "Detmold", "website": "https://www.detmold.de/matrix", "decided_networking": "on"},
        SAVED_OWN_OR_OFFICE,
    ),
    "contact-create": Post(
        {"ags": AGS},
        {"name": "Neue Ansprechperson", "email": "neu@detmold.example"},
        SAVED_OWN_OR_OFFICE,
    ),
    "contact-edit": Post(
        {"ags": AGS, "pk": "{contact}"},
        {"name": "Geänderte Ansprechperson", "function": "Integration"},
        SAVED_OWN_OR_OFFICE,
    ),
    "contact-delete": Post({"ags": AGS, "pk": "{contact}"}, {}, SAVED_OWN_OR_OFFICE),
    "signature-create": Post({"ags": AGS}, _signature, SAVED_OFFICE_ONLY),
    "member-leave": Post(
        {"ags": AGS}, {"left_on": "2025-01-31", "confirm": "on"}, SAVED_OFFICE_ONLY
    ),
    "member-rejoin": Post({"ags": AGS}, _left_detmold, SAVED_OFFICE_ONLY),
    "member-create": Post({}, {"ags": "01051001", "joined_on": "2023-01-01"}, SAVED_OFFICE_ONLY),
    "coordination": Post({}, _state_coordination, SAVED_OFFICE_ONLY),
    "invitations": Post({}, _invitation, SAVED_OFFICE_ONLY),
    # The upload only previews (nothing written); the confirmation writes.
    "members-import": Post(
        {},
        {},
        OFFICE_ONLY,
        writes=False,
        files={
            "file": ("mitglieder.csv", f"ags,website\n{AGS},https://www.detmold.de/i\n".encode())
        },
    ),
    "members-import-confirm": Post({}, _signed_import, SAVED_OFFICE_ONLY),
    # The token is the right: whoever holds an open invitation sets the password (and is then
    # logged in as the new account).
    "invitation-accept": Post(
        {"token": "{invitation_token}"},
        {"password1": "Sicherer-Hafen-2026", "password2": "Sicherer-Hafen-2026"},
        dict.fromkeys(ROLES, REDIRECT),
    ),
}

# URLs that take no POST: posting to them must change nothing (they answer 405).
NO_POST: set[str] = {
    "member-directory",
    "member-detail",
    "my-member",
    "territory-search",
    "members-export",
    "audit-log",
}


def invitation_token() -> str:
    """An open invitation to Detmold's staff (for make_context's "{invitation_token}")."""
    import datetime as dt
    import hashlib

    from django.utils import timezone

    from hafennetz.members.models import Invitation, Member

    token = "matrix-invitation-token"
    Invitation.objects.create(
        email="matrix-eingeladen@detmold.example",
        member=Member.objects.get(municipality_id=AGS),
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    return token
