"""Logging in through the form, as a user would."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, MEMBER_LOGIN, BrowserPage, t


def _fill_login_form(page: Page, username: str, password: str) -> None:
    page.get_by_label(t("E-mail"), exact=True).fill(username)
    page.get_by_label(t("Password"), exact=True).fill(password)
    page.get_by_role("button", name=t("Log in"), exact=True).click()


def test_login_with_the_form_shows_the_user_and_wrong_password_is_refused(
    bpage: BrowserPage,
) -> None:
    page = bpage.page
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("link", name=t("Log in"), exact=True).click()
    expect(page).to_have_url("/konto/anmelden/")

    _fill_login_form(page, MEMBER_LOGIN, "wrong-" + DEMO_PASSWORD)
    with translation.override("de"):
        form = AuthenticationForm()
        refused = form.error_messages["invalid_login"] % {
            "username": form.username_field.verbose_name
        }
    expect(page.locator("form .errorlist")).to_have_text(refused)
    # Django's own German catalog: this text is German already.
    assert "Passwort" in refused
    expect(page).to_have_url("/konto/anmelden/")
    expect(page.locator(".site-header .who")).to_have_count(0)
    expect(page.get_by_label(t("E-mail"), exact=True)).to_have_value(MEMBER_LOGIN)

    _fill_login_form(page, MEMBER_LOGIN, DEMO_PASSWORD)
    expect(page).to_have_url("/")
    who = page.locator(".site-header .who")
    expect(who).to_contain_text(MEMBER_LOGIN)
    expect(who.locator(".role")).to_have_text(t("Member municipality"))
    expect(page.get_by_role("link", name=t("My member"), exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=t("Log out"), exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=t("Log in"), exact=True)).to_have_count(0)
