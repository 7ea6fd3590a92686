"""Matrix rows of the Lagebild."""

from __future__ import annotations

from .common import (
    AGS,
    DENY,
    LOGGED_IN,
    LOGIN,
    MANAGE_MEETING,
    NOT_ALLOWED,
    NOT_FOUND,
    OFFICE_ONLY,
    OK,
    OWN_OR_OFFICE,
    POST_ONLY_MEMBERS,
    PUBLIC,
    REDIRECT,
    ROLES,
    Post,
)

GET = {
    # Lagebild (situation). Round 3 is past (Detmold submitted, not shared), round 4 is open.
    "situation-overview": ({}, LOGGED_IN),
    "situation-public": ({}, PUBLIC),
    "round-dashboard": ({"number": 3}, LOGGED_IN),
    "round-pdf": ({"number": 3}, LOGGED_IN),
    "round-progress": (
        {"number": 4},
        {**OFFICE_ONLY, "state_same": OK, "state_other": OK},
    ),
    "round-remind": (
        {"number": 4},
        {
            **OFFICE_ONLY,
            "state_same": NOT_ALLOWED,
            "state_other": NOT_ALLOWED,
            "office": NOT_ALLOWED,
        },
    ),
    "round-export": (
        {"number": 3, "fmt": "csv"},
        {**OFFICE_ONLY, "state_same": OK, "state_other": OK},
    ),
    "report-detail": ({"number": 3, "ags": AGS}, {**OWN_OR_OFFICE, "state_same": OK}),
    "report-edit": ({"number": 4, "ags": AGS}, OWN_OR_OFFICE),
    "report-new-version": (
        {"number": 3, "ags": AGS},
        {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], NOT_ALLOWED)},
    ),
    "report-review": ({"number": 3, "ags": AGS}, OFFICE_ONLY),
    "situation-admin": ({}, OFFICE_ONLY),
    "round-create": ({}, OFFICE_ONLY),
    "topic-create": ({}, OFFICE_ONLY),
    "topic-edit": ({"code": "housing"}, OFFICE_ONLY),
    "questionnaire-detail": ({"version": 1}, OFFICE_ONLY),
    "figure-create": ({"version": 1}, OFFICE_ONLY),
    "questionnaire-new-version": ({"version": 1}, {**OFFICE_ONLY, "office": NOT_ALLOWED}),
}

POST: dict[str, Post] = {}

# URLs that take no POST: posting to them must change nothing (and answer 405 or a refusal).
NO_POST: set[str] = set()

# URLs without a POST row yet. This set must end empty.
PENDING_POST = {name for name in GET}

__all__ = [
    "AGS",
    "DENY",
    "LOGGED_IN",
    "LOGIN",
    "MANAGE_MEETING",
    "NOT_ALLOWED",
    "NOT_FOUND",
    "OFFICE_ONLY",
    "OK",
    "OWN_OR_OFFICE",
    "POST_ONLY_MEMBERS",
    "PUBLIC",
    "REDIRECT",
    "ROLES",
]
