"""Middleware of the web layer: the chosen language, the Permissions-Policy header, the idle
timeout of sessions and the second factor."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import Resolver404, ResolverMatch, resolve, reverse
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """German first: the language is German unless the user chose another one with the switch
    (stored in the language cookie). The browser's Accept-Language is deliberately ignored, so a
    municipal office with an English browser still gets the German platform."""

    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


# Features the platform never uses; the browser refuses them to any script or frame.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class PermissionsPolicyMiddleware:
    """Sends Permissions-Policy on every response (Django has no setting for it), and keeps
    pages of logged-in users out of caches."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # Pages for a logged-in user hold personal and internal data: no browser or proxy keeps
        # a copy (ASVS 8.2.1), unless the view chose its own caching.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        return response


# Session keys of the idle timeout: Unix times of the login and of the last request seen.
LOGIN_AT_SESSION_KEY = "hafennetz_login_at"
SEEN_AT_SESSION_KEY = "hafennetz_seen_at"
# The last-seen time is written at most this often (seconds): a session write per request
# would cost a database write per page view.
_SEEN_RESOLUTION = 60


class IdleTimeoutMiddleware:
    """Logs a user out after SESSION_IDLE_TIMEOUT seconds without a request, and at the latest
    SESSION_COOKIE_AGE seconds after the login (the session cookie alone would slide)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.utils.translation import gettext as _

        now = int(time.time())
        session = request.session
        seen = session.get(SEEN_AT_SESSION_KEY)
        login_at = session.get(LOGIN_AT_SESSION_KEY)
        idle = isinstance(seen, int) and now - seen > settings.SESSION_IDLE_TIMEOUT
        too_old = isinstance(login_at, int) and now - login_at > settings.SESSION_COOKIE_AGE
        if idle or too_old:
            request.session_expired = True  # type: ignore[attr-defined]  # read by the audit
            logout(request)
            messages.info(
                request,
                _("You were logged out after %(minutes)d minutes without activity.")
                % {"minutes": settings.SESSION_IDLE_TIMEOUT // 60}
                if idle
                else _("You were logged out: please log in again."),
            )
            return
        if not isinstance(login_at, int):
            session[LOGIN_AT_SESSION_KEY] = now
        if not isinstance(seen, int) or now - seen >= _SEEN_RESOLUTION:
            session[SEEN_AT_SESSION_KEY] = now


# While the second factor is outstanding, only these pages open (by URL name).
_UNVERIFIED_ALLOWED = {
    "two-factor-verify",
    "two-factor-setup",
    "logout",
    "set_language",
}


class TwoFactorMiddleware:
    """A user who must enter a second factor (see web/twofactor.py) reaches no other page before
    it: HTML requests go to the code page (or the set-up page, for a first time)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        from hafennetz.web.twofactor import has_device, verification_needed

        if request.user.is_authenticated and verification_needed(request):
            match = resolve_or_none(request.path_info)
            if match is None or match.url_name not in _UNVERIFIED_ALLOWED:
                target = "two-factor-verify" if has_device(request.user) else "two-factor-setup"
                next_url = request.get_full_path() if request.method in {"GET", "HEAD"} else "/"
                return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")
        return self.get_response(request)


def resolve_or_none(path: str) -> ResolverMatch | None:
    try:
        return resolve(path)
    except Resolver404:
        return None
