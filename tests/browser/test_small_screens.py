"""Small screens (issue 16): at 390 px (a phone) the main pages of every role fit the width of
the screen (wide tables scroll in a box of their own), and the navigation is behind a menu
button that opens and closes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import EXPECT_TIMEOUT_MS, OFFICE_LOGIN, LoginAs
from tests.browser.test_accessibility import NAVIGATION_TIMEOUT_MS, ROLE_IDS, ROLE_PAGES, page_url

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def context(browser: Any, live_server: Any) -> Iterator[Any]:
    ctx = browser.new_context(
        base_url=live_server.url, locale="de-DE", viewport=PHONE, device_scale_factor=1
    )
    ctx.set_default_timeout(EXPECT_TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.mark.parametrize("login", list(ROLE_PAGES), ids=list(ROLE_IDS.values()))
def test_main_pages_fit_a_390_px_screen(
    context: Any, live_server: Any, login_as: LoginAs, login: str | None
) -> None:
    if login is not None:
        login_as(login)
    page = context.new_page()
    too_wide: list[str] = []
    for name in ROLE_PAGES[login]:
        url = page_url(name)
        page.goto(url, timeout=NAVIGATION_TIMEOUT_MS)
        page.wait_for_load_state("load")
        width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth,"
            " [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
            ".right > window.innerWidth + 1 && !e.closest('.table-scroll, .leaflet-container'))"
            ".slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '')"
            " + (e.className && typeof e.className === 'string' ? '.' + e.className : ''))]"
        )
        if width[0] > width[1]:
            too_wide.append(f"{url}: {width[0]} px wide > {width[1]} px ({width[2]})")
    assert not too_wide, "\n".join(too_wide)


def test_navigation_opens_behind_the_menu_button(
    context: Any, live_server: Any, login_as: LoginAs
) -> None:
    login_as(OFFICE_LOGIN)
    page = context.new_page()
    page.goto("/mein-ueberblick/")
    nav = page.locator("#main-nav")
    button = page.locator(".nav-toggle")
    expect(nav).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(nav).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    button.click()
    expect(nav).to_be_hidden()
