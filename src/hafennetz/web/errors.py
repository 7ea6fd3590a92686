"""Error pages. A refused request of a logged-in user is a security event: it goes into the
audit log (who, what, when, from where) before the 403 page shows the reason."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from hafennetz.core.audit import REQUEST_REFUSED, log_request_event


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        log_request_event(
            request,
            action=REQUEST_REFUSED,
            actor=user,
            object_type="request",
            object_repr=f"{request.method} {request.path}"[:255],
            after={"reason": str(exception)[:500]} if str(exception) else None,
        )
    return defaults.permission_denied(request, exception)
