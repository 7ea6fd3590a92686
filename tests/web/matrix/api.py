"""Matrix rows of the api app's web pages: the API documentation and the personal access
tokens in the account (the office's list of every token). The endpoints under /api/v1/ are
not web pages: their role × endpoint × method matrix is tests/api/test_matrix.py (the
completeness test there checks every operation of the OpenAPI document)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .common import DENY, LOGGED_IN, LOGIN, NOT_ALLOWED, OFFICE_ONLY, PUBLIC, REDIRECT, Post


def api_context(member: Any) -> dict[str, Any]:
    """A token of the own member's demo login, for the revoke row."""
    from django.contrib.auth import get_user_model

    from hafennetz.api import services

    user = get_user_model().objects.get(username="kommune@demo.hafennetz.example")
    token, _secret = services.token_create(
        actor=user,
        name="Matrix",
        scopes=["situation:read"],
        expires_on=dt.date.today() + dt.timedelta(days=30),
    )
    return {"{api_token}": token.pk}


def _token_payload(_context: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": "Fachverfahren",
        "scopes": ["situation:write", "members:read"],
        "expires_on": (dt.date.today() + dt.timedelta(days=60)).isoformat(),
    }


GET = {
    "api-docs": ({}, PUBLIC),
    "api-tokens": ({}, LOGGED_IN),
    "api-token-revoke": ({"pk": "{api_token}"}, dict.fromkeys(PUBLIC, NOT_ALLOWED)),
    "api-tokens-all": ({}, OFFICE_ONLY),
}

POST = {
    # Every logged-in role is staff of a member: each may create its own tokens (the page
    # shows the new token once, no redirect).
    "api-tokens": Post({}, _token_payload, LOGGED_IN),
    "api-token-revoke": Post(
        {"pk": "{api_token}"},
        {},
        {
            "anonymous": LOGIN,
            "own_member": REDIRECT,
            "other_member": DENY,
            "state_same": DENY,
            "state_other": DENY,
            "office": REDIRECT,
        },
    ),
}

NO_POST = {"api-docs", "api-tokens-all"}
