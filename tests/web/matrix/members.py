"""Matrix rows of the member registry (and the audit log, which the office reads)."""

from __future__ import annotations

from .common import (
    AGS,
    DENY,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    OFFICE_ONLY,
    OK,
    OWN_OR_OFFICE,
    PUBLIC,
    REDIRECT,
    ROLES,
    Post,
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
    "my-member": ({}, {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], REDIRECT)}),
    "member-create": ({}, OFFICE_ONLY),
    "territory-search": ({}, OFFICE_ONLY),
    "coordination": ({}, OFFICE_ONLY),
    "invitations": ({}, OFFICE_ONLY),
    "members-import": ({}, OFFICE_ONLY),
    # POST only: the guard answers first, then the method check.
    "members-import-confirm": ({}, {**OFFICE_ONLY, "office": NOT_ALLOWED}),
    "members-export": ({"fmt": "csv"}, OFFICE_ONLY),
    "invitation-accept": ({"token": "not-a-valid-token"}, dict.fromkeys(ROLES, NOT_FOUND)),
    "audit-log": ({}, OFFICE_ONLY),
}

POST: dict[str, Post] = {}

# URLs that take no POST: posting to them must change nothing (and answer 405 or a refusal).
NO_POST: set[str] = set()

# URLs that accept POST but have no POST row yet. This set must end empty.
PENDING_POST = {
    "member-edit",
    "contact-create",
    "contact-edit",
    "contact-delete",
    "signature-create",
    "member-leave",
    "my-member",
    "member-create",
    "territory-search",
    "coordination",
    "invitations",
    "members-import",
    "members-import-confirm",
    "members-export",
    "invitation-accept",
    "audit-log",
    "member-directory",
    "member-detail",
}

__all__ = ["DENY", "GET", "NO_POST", "OK", "PENDING_POST", "POST"]
