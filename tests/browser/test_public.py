"""The public landing page in a real browser: map, figures, chart, nothing from outside."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from hafennetz.core.models import State
from hafennetz.members.models import Member
from tests.browser.conftest import BrowserPage


def test_landing_page_map_shows_every_member_without_cdn(bpage: BrowserPage) -> None:
    page = bpage.page
    members = Member.objects.alliance().count()
    states = State.objects.exclude(boundary="").count()
    assert members > 100  # the demo registry
    assert states == 16

    page.goto("/")

    expect(page.locator("#member-count")).to_have_text(str(members))
    # One circle per member, drawn by Leaflet as SVG paths with the class "member-point".
    expect(page.locator("#map .member-point")).to_have_count(members)
    # The state boundaries arrive by fetch: one path per state (MultiPolygons are one path).
    state_paths = page.locator(
        "#map .leaflet-overlay-pane path:not(.member-point):not(.pledge-point)"
    )
    expect(state_paths).to_have_count(states)
    # The points are drawn over the boundaries, not hidden below them.
    assert page.evaluate(
        """() => {
            const paths = [...document.querySelectorAll('#map .leaflet-overlay-pane path')];
            const lastState = Math.max(...paths.map((p, i) =>
                p.classList.contains('member-point') ? -1 : i));
            const firstPoint = paths.findIndex((p) => p.classList.contains('member-point'));
            return lastState < firstPoint;
        }"""
    )
    # A point links to its member page.
    # Dispatched on the point itself: a pledge circle drawn over it may take a pointer click.
    page.locator("#map .member-point").first.dispatch_event("click")
    expect(page.locator(".leaflet-popup-content a")).to_have_attribute(
        "href", re.compile(r"^/mitglieder/\d{5}(\d{3})?/$")
    )

    # The growth chart is drawn: Chart.js owns the canvas and painted non-transparent pixels.
    page.wait_for_function(
        """() => {
            const canvas = document.getElementById('growth');
            if (!window.Chart || !Chart.getChart(canvas) || !canvas.width) return false;
            const pixels = canvas.getContext('2d')
                .getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) return true;
            return false;
        }"""
    )
    points = page.evaluate("() => Chart.getChart(document.getElementById('growth')).data")
    assert points["datasets"][0]["data"][-1] == members

    assert bpage.console_errors == []
    outside = [url for url in bpage.requests if not url.startswith(bpage.base_url + "/")]
    assert outside == [], "requests that left the live server (CDN?)"
    assert bpage.base_url.startswith("http://127.0.0.1:")
    assert any(url.endswith("/karte/laender.geojson") for url in bpage.requests)


XSS_NAME = '<img src=x onerror="window.__xss = 1">Kiel<script>window.__xss = 2</script>'


def test_member_names_on_the_map_are_text_not_html(bpage: BrowserPage) -> None:
    """Issue 10 item 1: a member's staff may write HTML into the member's name; the map's
    tooltip and popup must show it as text, and no script may run (CSP and textContent)."""
    page = bpage.page
    member = Member.objects.alliance().order_by("pk").first()
    assert member is not None
    Member.objects.filter(pk=member.pk).update(name=XSS_NAME)

    page.goto("/")
    expect(page.locator("#map .member-point")).to_have_count(Member.objects.alliance().count())
    index = page.evaluate(
        """(name) => JSON.parse(document.getElementById('member-points').textContent)
            .findIndex((p) => p.name === name)""",
        XSS_NAME,
    )
    assert index >= 0
    point = page.locator("#map .member-point").nth(index)
    point.dispatch_event("mouseover")
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_have_text(XSS_NAME)
    expect(tooltip.locator("img, script")).to_have_count(0)
    point.dispatch_event("click")
    popup_link = page.locator(".leaflet-popup-content a")
    expect(popup_link).to_have_text(XSS_NAME)
    expect(page.locator(".leaflet-popup-content img")).to_have_count(0)
    # Nothing ran: neither the handler nor the script (and no CSP report of a blocked one).
    assert page.evaluate("() => window.__xss") is None
    assert bpage.console_errors == []


def test_pages_send_a_strict_content_security_policy(bpage: BrowserPage) -> None:
    """The policy is on the page the browser loads, and the browser enforces it: an inline
    script injected into the page does not run."""
    page = bpage.page
    response = page.goto("/")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    violated = page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener('securitypolicyviolation',
                (e) => resolve(e.violatedDirective), { once: true });
            const s = document.createElement('div');
            s.innerHTML = '<img src=x onerror="window.__xss = 3">';
            document.body.appendChild(s);
        })"""
    )
    assert violated.startswith("script-src")
    assert page.evaluate("() => window.__xss") is None
