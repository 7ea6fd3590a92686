"""Matrix rows of working meetings."""

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
    "meeting-list": ({}, LOGGED_IN),
    "meeting-create": ({}, {**OFFICE_ONLY, "state_same": OK, "state_other": OK}),
    "meeting-calendar": ({}, LOGGED_IN),
    "meeting-calendar-feed": ({"token": "not-a-valid-token"}, dict.fromkeys(ROLES, NOT_FOUND)),
    "meeting-detail": ({"pk": "{meeting}"}, LOGGED_IN),
    "meeting-edit": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-ics": ({"pk": "{meeting}"}, LOGGED_IN),
    "meeting-agenda": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-agenda-delete": (
        {"pk": "{meeting}", "block_id": "{block}"},
        {**MANAGE_MEETING, "state_same": NOT_ALLOWED, "office": NOT_ALLOWED},
    ),
    "meeting-register": ({"pk": "{meeting}"}, POST_ONLY_MEMBERS),
    "meeting-cancel": ({"pk": "{meeting}"}, POST_ONLY_MEMBERS),
    "meeting-registrations": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-registrations-export": ({"pk": "{meeting}", "fmt": "csv"}, MANAGE_MEETING),
    "meeting-message": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-plan": ({"pk": "{meeting}"}, MANAGE_MEETING),
    # No plan exists yet for this meeting: organisers get 404, the rest are refused first.
    "meeting-plan-export": (
        {"pk": "{meeting}", "kind": "print"},
        {**MANAGE_MEETING, "state_same": NOT_FOUND, "office": NOT_FOUND},
    ),
    "meeting-checkin": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-minutes": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-follow-up-status": (
        {"pk": "{meeting}", "follow_up_id": "{follow_up}"},
        POST_ONLY_MEMBERS,
    ),
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
