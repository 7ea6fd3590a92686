"""Security headers on every response, and HTML the Content-Security-Policy can keep safe: every
GET URL of the permission matrix, as every role, has the headers of ADR 0041 and no inline script
(other than JSON data from `json_script`), no inline event handler, no `javascript:` URL and no
style attribute or element (which `style-src 'self'` would refuse)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from .matrix.common import ROLES, login, resolve
from .test_permission_matrix import GET, make_context


class InlineCode(HTMLParser):
    """Collects what a strict CSP would refuse: inline scripts, on*= handlers, style="" and
    <style> elements, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.styles.append(f"<{tag} style={value!r}>")
        if tag == "style":
            self.styles.append("<style>")
        inline = tag == "script" and not named.get("src")
        if inline and (named.get("type") or "").lower() != "application/json":
            self.scripts.append(f"<script {attrs}>")


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = csp_directives(response["Content-Security-Policy"])
    if csp.get("default-src") == ["'none'"] and "sandbox" in csp:
        # A user's uploaded file is served stricter still: nothing may load, nothing runs.
        assert not response.get("Content-Type", "").startswith("text/html")
    else:
        assert_page_policy(csp)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


def assert_page_policy(csp: dict[str, list[str]]) -> None:
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["default-src"] == ["'self'"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_page_sends_the_headers_and_no_inline_code(client: Client, role: str) -> None:
    context = make_context()
    login(client, role)
    found: dict[str, list[str]] = {}
    for name, (kwargs, _expected) in sorted(GET.items()):
        url = reverse(name, kwargs={k: resolve(v, context) for k, v in kwargs.items()})
        response = client.get(url)
        assert response.status_code < 500, (name, role, response.status_code)
        assert_security_headers(response)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        parser = InlineCode()
        parser.feed(response.content.decode())
        # style-src 'self' refuses style attributes and elements too: pages would lose them.
        problems = parser.scripts + parser.handlers + parser.styles
        if problems:
            found[name] = problems
    assert not found, found


@pytest.mark.django_db
def test_error_pages_send_the_headers(client: Client) -> None:
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert_security_headers(response)
    parser = InlineCode()
    parser.feed(response.content.decode())
    assert not (parser.scripts + parser.handlers + parser.styles)


def test_the_parser_finds_inline_code() -> None:
    parser = InlineCode()
    parser.feed(
        '<script>alert(1)</script><script type="application/json">{}</script>'
        '<script src="/static/x.js"></script><img src=x onerror="alert(1)">'
        '<a href=" JavaScript:alert(1)">x</a><span style="color: red"></span>'
    )
    assert len(parser.scripts) == 1
    assert len(parser.handlers) == 2
    assert len(parser.styles) == 1
