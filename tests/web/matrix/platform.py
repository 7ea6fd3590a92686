"""Matrix rows of the platform pages: landing page, accounts, language."""

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
    "state-boundaries": ({}, PUBLIC),
    "home": ({}, PUBLIC),
    "login": ({}, PUBLIC),
    "logout": ({}, dict.fromkeys(ROLES, NOT_ALLOWED)),
    "password_change": ({}, LOGGED_IN),
    "password_change_done": ({}, LOGGED_IN),
    "set_language": ({}, dict.fromkeys(ROLES, REDIRECT)),
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
