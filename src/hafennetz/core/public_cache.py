"""Pages the public sees, rendered once and served from the cache until the data changes.

When the press links to the map or the Lagebild, many anonymous visitors ask for the same few
pages. `cached_for_visitors` keeps each such page (per path, query and language) in the cache
and serves it to every visitor who is not logged in. The key contains the data version: the id
of the newest audit entry of a committed change (every committed change writes one, ADR 0004),
so any change of members, reports, pledges or positions makes the next request render afresh —
in every gunicorn worker, whatever cache backend. A time limit bounds what an unaudited change
(a reference import, a migration) could leave stale.

A page's CSRF tokens (the language switcher is a POST form) are never shared between visitors:
they are cut out before storing and each answer gets the visitor's own token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from hafennetz.core.models import AuditEntry

TIMEOUT_SECONDS = 600
MAX_KEY_PATH = 500  # longer paths are rendered, not cached
_MARKER = b"__hafennetz_csrf_token__"
_CSRF_VALUE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')
# Security events are audited too, but change nothing a public page shows.
_NOT_DATA = Q(action__startswith="user.") | Q(action__startswith="request.")


def data_version() -> int:
    """The id of the newest audit entry of a data change (0 before the first)."""
    newest = AuditEntry.objects.exclude(_NOT_DATA).order_by("-id").values_list("id", flat=True)
    return newest.first() or 0


def _cacheable(request: HttpRequest) -> bool:
    return (
        settings.PUBLIC_PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and len(request.get_full_path()) <= MAX_KEY_PATH
        and not len(get_messages(request))  # a message is for one visitor only
    )


def cached_for_visitors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = f"public-page:{data_version()}:{get_language()}:{request.get_full_path()}"
        stored = cache.get(key)
        if stored is not None:
            content, content_type = stored
            token = get_token(request).encode()  # sets the visitor's CSRF cookie as usual
            return HttpResponse(content.replace(_MARKER, token), content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            content = _CSRF_VALUE.sub(rb"\1" + _MARKER + rb"\2", response.content)
            cache.set(key, (content, response["Content-Type"]), TIMEOUT_SECONDS)
        return response

    return wrapper
