"""Accessibility (issue 16): axe-core with the WCAG 2.1 A and AA rules finds nothing on the main
page of every module, for every demo role (public, member staff, state coordination, office).

axe-core is vendored for the tests only (tests/browser/vendor/axe-core, MPL-2.0, see
src/hafennetz/web/static/vendor/README.md) and injected into the page by Playwright; no page of
the platform ever loads it. One page load per page and role; the failure lists every violation
with its rule, the page and the first elements it found.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tests.browser.conftest import (
    EXPECT_TIMEOUT_MS,
    MEMBER_LOGIN,
    OFFICE_LOGIN,
    STATE_LOGIN,
    LoginAs,
)

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The Lagebild pages are the heaviest; a busy CI machine needs more than the default 10 s.
NAVIGATION_TIMEOUT_MS = 30_000

# The main page of each module as each role reaches it (URL names without arguments, or with
# the arguments that `main_pages` fills in).
PUBLIC = [
    "home",
    "member-directory",
    "situation-public",
    "exchange-hub",
    "position-list",
    "transparency-list",
    "login",
    "accessibility",
    "api-docs",
]
ROLE_PAGES: dict[str | None, list[str]] = {
    None: PUBLIC,
    MEMBER_LOGIN: [
        "my-overview",
        "my-member",
        "situation-overview",
        "meeting-list",
        "my-admission",
        "exchange-hub",
        "position-list",
        "account",
    ],
    STATE_LOGIN: [
        "my-overview",
        "situation-overview",
        "round-dashboard",
        "meeting-list",
        "state-results-mine",
        "member-directory",
    ],
    OFFICE_LOGIN: [
        "my-overview",
        "situation-overview",
        "round-dashboard",
        "situation-admin",
        "contingent-list",
        "meeting-list",
        "coordination",
        "audit-log",
        "position-list",
        "exchange-hub",
    ],
}
ROLE_IDS = {None: "public", MEMBER_LOGIN: "member", STATE_LOGIN: "state", OFFICE_LOGIN: "office"}


@pytest.fixture
def context(browser: Any, live_server: Any) -> Iterator[Any]:
    """The browser context of conftest.py, allowed to inject axe-core: the pages' policy forbids
    inline scripts, and Playwright's script tag is one (the policy itself has its own tests)."""
    ctx = browser.new_context(
        base_url=live_server.url,
        locale="de-DE",
        viewport={"width": 1366, "height": 900},
        bypass_csp=True,
    )
    ctx.set_default_timeout(EXPECT_TIMEOUT_MS)
    yield ctx
    ctx.close()


def page_url(name: str) -> str:
    """The path of a main page (the round pages: the latest round that has reports)."""
    if name == "round-dashboard":
        from hafennetz.situation.models import SurveyRound

        latest = SurveyRound.objects.filter(reports__isnull=False).order_by("-number").first()
        assert latest is not None, "the demo data has a round with reports"
        return reverse(name, kwargs={"number": latest.number})
    return reverse(name)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""",
        WCAG_21_AA,
    )
    return list(result)


@pytest.mark.parametrize("login", list(ROLE_PAGES), ids=list(ROLE_IDS.values()))
def test_main_pages_have_no_wcag_21_aa_violations(
    context: Any, live_server: Any, login_as: LoginAs, login: str | None
) -> None:
    if login is not None:
        login_as(login)
    page = context.new_page()
    found: list[str] = []
    for name in ROLE_PAGES[login]:
        url = page_url(name)
        response = page.goto(url, timeout=NAVIGATION_TIMEOUT_MS)
        assert response is not None and response.status == 200, (url, response and response.status)
        page.wait_for_load_state("load")
        for v in axe_violations(page):
            found.append(
                f"{url}: {v['id']} ({v['impact']}, {v['nodes']}x) {v['help']} — {v['targets']}"
            )
    assert not found, f"{len(found)} violations as {ROLE_IDS[login]}:\n" + "\n".join(found)
