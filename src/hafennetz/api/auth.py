"""Who calls the API: a personal access token (`Authorization: Bearer hn_…`) or nobody.

A request without an Authorization header is anonymous and sees public data only (the apps'
access functions decide what that is). A header with an unknown, expired or revoked token is
refused with 401 — never silently treated as anonymous. A browser session cookie is ignored:
the API authenticates by token only (so no CSRF protection is needed).

Scopes: `require_scope(request, "situation:write")` in an endpoint; a token without the scope
gets 403. Rate limits per token and per client address (see `ratelimit`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from hafennetz.api import ratelimit, selectors
from hafennetz.api.models import ApiToken
from hafennetz.api.problems import Problem
from hafennetz.core.audit import client_address

# last_used_at is written at most this often per token (a write per request would cost).
_TOUCH_RESOLUTION = dt.timedelta(minutes=1)


def _limited(retry_after: int) -> Problem:
    return Problem(
        "rate-limited",
        _("Too many requests. Please wait %(seconds)s seconds.") % {"seconds": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


def _unauthenticated(detail: str) -> Problem:
    return Problem(
        "unauthenticated", detail, headers={"WWW-Authenticate": 'Bearer realm="hafennetz"'}
    )


class TokenAuth(HttpBearer):
    """Bearer token or anonymous (returns a truthy marker either way, or raises a Problem)."""

    openapi_description = (
        "Personal access token of a staff account (created under Konto → API-Tokens), "
        "sent as `Authorization: Bearer hn_…`. Without it, only public data is available."
    )

    def __call__(self, request: HttpRequest) -> Any:
        address = client_address(request) or "unknown"
        header = request.headers.get("Authorization")
        request.api_token = None  # type: ignore[attr-defined]
        if not header:
            request.user = AnonymousUser()
            wait = ratelimit.hit(f"addr:{address}", settings.API_RATE_LIMIT_PER_ADDRESS)
            if wait:
                raise _limited(wait)
            return "anonymous"
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise _unauthenticated(_("Send the token as: Authorization: Bearer hn_…"))
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str | None) -> Any:
        address = client_address(request) or "unknown"
        wait = ratelimit.hit(f"addr:{address}", settings.API_RATE_LIMIT_PER_ADDRESS)
        if wait:
            raise _limited(wait)
        found = selectors.token_by_secret(token or "")
        if found is None:
            raise _unauthenticated(_("This token is unknown."))
        if found.revoked_at is not None:
            raise _unauthenticated(_("This token has been revoked."))
        if found.expires_at <= timezone.now():
            raise _unauthenticated(_("This token has expired."))
        if not found.user.is_active:
            raise _unauthenticated(_("The account of this token is deactivated."))
        wait = ratelimit.hit(f"token:{found.pk}", settings.API_RATE_LIMIT_PER_TOKEN)
        if wait:
            raise _limited(wait)
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > _TOUCH_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found


def token_of(request: HttpRequest) -> ApiToken | None:
    return getattr(request, "api_token", None)


def require_scope(request: HttpRequest, scope: str) -> None:
    """Anonymous: 401 (this needs a token). A token without `scope`: 403."""
    token = token_of(request)
    if token is None:
        raise _unauthenticated(_("This needs a personal access token."))
    if not token.allows(scope):
        raise Problem(
            "scope",
            _("This token lacks the scope %(scope)s.") % {"scope": scope},
        )


def read_scope(request: HttpRequest, module: str) -> None:
    """Reads of non-public data with a token need `<module>:read`; anonymous callers go on
    (the access functions refuse what is not public)."""
    if token_of(request) is not None:
        require_scope(request, f"{module}:read")
