"""A member's developer as the docs tell it: a token made in the account pages (shown once),
then used against the API of the running server; the Swagger UI loads under the CSP."""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import expect

from tests.browser.conftest import MEMBER_LOGIN, BrowserPage, field, t


def test_token_from_the_account_page_works_against_the_api(
    bpage: BrowserPage,
    login_as,  # type: ignore[no-untyped-def]
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    page = bpage.page
    login_as(MEMBER_LOGIN)
    page.goto("/konto/")
    page.get_by_role("link", name=t("Manage API tokens")).click()
    page.get_by_label(field("Name")).fill("Fachverfahren Lagebild")
    page.get_by_label(f"{t('Situation picture')}: {t('read and write')}").check()
    page.get_by_role("button", name=t("Create token"), exact=True).click()
    secret = page.locator("#token-secret").inner_text().strip()
    assert secret.startswith("hn_")

    request = urllib.request.Request(  # noqa: S310 (the live test server)
        f"{live_server.url}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        me = json.loads(answer.read())
    assert me["token"]["scopes"] == ["situation:write"]
    assert me["member"].endswith("/api/v1/members/05766020")

    # Shown once: the list knows only the prefix.
    page.goto("/konto/api-tokens/")
    expect(page.get_by_text(secret[:11] + "…")).to_be_visible()
    assert secret not in page.content()

    page.goto("/api/v1/docs/swagger")
    expect(page.locator(".opblock").first).to_be_visible()
    assert not bpage.console_errors, bpage.console_errors
