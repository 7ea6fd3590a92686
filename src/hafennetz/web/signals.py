"""Security events into the audit log: logins, logouts, failed logins and lockouts, each with
the user (or the name typed), the time and the client address."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from hafennetz.core.audit import LOCKED_OUT, LOGIN, LOGIN_FAILED, LOGOUT, log_request_event
from hafennetz.web.middleware import LOGIN_AT_SESSION_KEY, SEEN_AT_SESSION_KEY

SESSION_EXPIRED = "user.session_expired"


def _typed_name(value: Any) -> str:
    # Whatever was typed as the user name, as text of bounded length (it may be anything).
    return str(value or "")[:150]


@receiver(user_logged_in, dispatch_uid="hafennetz.audit.login")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT_SESSION_KEY] = now
        request.session[SEEN_AT_SESSION_KEY] = now
    log_request_event(request, action=LOGIN, actor=user, obj=user, object_repr=user.get_username())


@receiver(user_logged_out, dispatch_uid="hafennetz.audit.logout")
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:
        return  # nobody was logged in
    expired = bool(getattr(request, "session_expired", False))
    log_request_event(
        request,
        action=SESSION_EXPIRED if expired else LOGOUT,
        actor=user,
        obj=user,
        object_repr=user.get_username(),
    )


@receiver(user_login_failed, dispatch_uid="hafennetz.audit.login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    name = _typed_name(credentials.get("username"))
    log_request_event(
        request,
        action=LOGIN_FAILED,
        actor_label=name or "?",
        object_type="auth.user",
        object_repr=name,
    )


@receiver(user_locked_out, dispatch_uid="hafennetz.audit.locked_out")
def _locked_out(sender: Any, request: HttpRequest | None, username: Any, **kwargs: Any) -> None:
    name = _typed_name(username)
    log_request_event(
        request,
        action=LOCKED_OUT,
        actor_label=name or "?",
        object_type="auth.user",
        object_repr=name,
    )
