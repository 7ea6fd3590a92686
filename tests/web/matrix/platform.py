"""Matrix rows of the platform pages: landing page, accounts (login, password, password reset,
two-factor authentication), language."""

from __future__ import annotations

import binascii
import os
from collections.abc import Mapping
from typing import Any

from .common import (
    DENY,
    LOGGED_IN,
    LOGIN,
    NOT_ALLOWED,
    PUBLIC,
    REDIRECT,
    ROLES,
    Post,
)

DEMO_PASSWORD = "Hafen-Demo-2026"  # hafennetz.members.demo.DEMO_PASSWORD, also of the test roles
# Logged in: redirected (e.g. to the set-up page, as nobody here has a second factor yet).
LOGGED_IN_REDIRECT = {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], REDIRECT)}
RESET_LINK = {"uidb64": "{reset_uid}", "token": "{reset_token}"}

GET = {
    "my-overview": ({}, LOGGED_IN),
    "my-admission": ({}, {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], REDIRECT)}),
    "state-boundaries": ({}, PUBLIC),
    "home": ({}, PUBLIC),
    "accessibility": ({}, PUBLIC),
    "login": ({}, PUBLIC),
    "logout": ({}, dict.fromkeys(ROLES, NOT_ALLOWED)),
    "account": ({}, LOGGED_IN),
    "password_change": ({}, LOGGED_IN),
    "password_change_done": ({}, LOGGED_IN),
    "password_reset": ({}, PUBLIC),
    "password_reset_done": ({}, PUBLIC),
    # A valid link: stored in the session and redirected to the form (the token leaves the URL).
    "password_reset_confirm": (RESET_LINK, dict.fromkeys(ROLES, REDIRECT)),
    "password_reset_complete": ({}, PUBLIC),
    "two-factor-setup": ({}, LOGGED_IN),
    "two-factor-verify": ({}, LOGGED_IN_REDIRECT),
    "two-factor-recovery": ({}, LOGGED_IN_REDIRECT),
    "two-factor-disable": ({}, dict.fromkeys(ROLES, NOT_ALLOWED)),
    "set_language": ({}, dict.fromkeys(ROLES, REDIRECT)),
}


def _two_factor_setup(_context: Mapping[str, Any]) -> dict[str, str]:
    """What the set-up form posts: the signed key it was given and the app's current code."""
    import time

    from django.core import signing
    from django_otp.oath import TOTP

    from hafennetz.web.twofactor import _SETUP_SALT

    key = binascii.hexlify(os.urandom(20)).decode()
    totp = TOTP(binascii.unhexlify(key))
    totp.time = time.time()
    return {
        "key": signing.dumps(key, salt=_SETUP_SALT),
        "code": f"{totp.token():06d}",
        "next": "/",
    }


POST: dict[str, Post] = {
    "account": Post({}, {"first_name": "Vera", "last_name": "Vorname"}, LOGGED_IN_REDIRECT),
    "login": Post(
        {},
        {"username": "kommune@demo.hafennetz.example", "password": DEMO_PASSWORD},
        dict.fromkeys(ROLES, REDIRECT),
    ),
    # Logging out writes an audit entry only for someone who was logged in.
    "logout": Post({}, {}, dict.fromkeys(ROLES, REDIRECT), writes=False),
    "password_change": Post(
        {},
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Neues-Hafen-Passwort-2027",
            "new_password2": "Neues-Hafen-Passwort-2027",
        },
        {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], REDIRECT)},
    ),
    # The same answer for every address (no account enumeration); every request is logged.
    "password_reset": Post(
        {}, {"email": "kommune@demo.hafennetz.example"}, dict.fromkeys(ROLES, REDIRECT)
    ),
    "password_reset_confirm": Post(
        RESET_LINK,
        {
            "new_password1": "Neues-Hafen-Passwort-2027",
            "new_password2": "Neues-Hafen-Passwort-2027",
        },
        dict.fromkeys(ROLES, REDIRECT),
        writes=False,
    ),
    "two-factor-setup": Post({}, _two_factor_setup, LOGGED_IN_REDIRECT),
    # Nobody has a device yet: sent to the set-up page, nothing verified or written.
    "two-factor-verify": Post({}, {"code": "123456"}, LOGGED_IN_REDIRECT, writes=False),
    "two-factor-recovery": Post({}, {}, LOGGED_IN_REDIRECT, writes=False),
    # Mandatory for the coordination roles: they may not turn it off.
    "two-factor-disable": Post(
        {},
        {"code": "123456"},
        {
            "anonymous": LOGIN,
            "own_member": REDIRECT,
            "other_member": REDIRECT,
            "state_same": DENY,
            "state_other": DENY,
            "office": DENY,
        },
        writes=False,
    ),
    "set_language": Post(
        {}, {"language": "en", "next": "/"}, dict.fromkeys(ROLES, REDIRECT), writes=False
    ),
}

# URLs that take no POST: posting to them must change nothing (and answer 405 or a refusal).
NO_POST: set[str] = {
    "accessibility",
    "my-overview",
    "my-admission",
    "home",
    "state-boundaries",
    "password_change_done",
    "password_reset_done",
    "password_reset_complete",
}
