"""Absolute links for e-mails, calendars and anything read outside the browser.

Not a URLconf: the project's routes live in hafennetz/urls.py and the apps' urls.py."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """`path` (e.g. from `reverse()`) as an absolute URL: under the configured SITE_URL if set
    (what a deployment behind a proxy should do), else on the host the request came to. Never a
    guessed host or port: a job without a request needs SITE_URL."""
    if not path.startswith("/"):
        path = "/" + path
    site_url = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if site_url:
        return site_url + path
    if request is not None:
        return request.build_absolute_uri(path)
    raise ImproperlyConfigured(
        "SITE_URL must be set (e.g. https://hafennetz.example.org) to build links outside a "
        "request, such as in e-mails sent by scheduled jobs."
    )
