"""Logging in through the form, as a user would."""

from __future__ import annotations

import re

from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, MEMBER_LOGIN, OFFICE_LOGIN, BrowserPage, t


def _name(username: str) -> str:
    """The name the header shows for a demo login (the demo people have invented names)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    return user.get_full_name() or username


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
    expect(page).to_have_url("/mein-ueberblick/")  # the start page of the person's role
    who = page.locator(".site-header .who")
    expect(who).to_contain_text(_name(MEMBER_LOGIN))  # people, not addresses
    expect(who.locator(".role")).to_have_text(t("Member municipality"))
    expect(page.get_by_role("link", name=t("My member"), exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=t("Log out"), exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=t("Log in"), exact=True)).to_have_count(0)


# --- two-factor authentication and password reset, in the browser, under the CSP -------------


def _totp_code(key_hex: str, offset: int = 0) -> str:
    import binascii
    import time

    from django_otp.oath import TOTP

    totp = TOTP(binascii.unhexlify(key_hex))
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def test_office_logs_in_with_password_and_code(bpage: BrowserPage, settings) -> None:  # type: ignore[no-untyped-def]
    """The realistic path: the office has an authenticator app (a TOTP device); after the
    password it must enter the app's code before any page, here the audit log."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.TWO_FACTOR_REQUIRED = True
    office = get_user_model().objects.get(username=OFFICE_LOGIN)
    device = TOTPDevice.objects.create(user=office, name="app", confirmed=True)
    page = bpage.page

    page.goto("/verwaltung/protokoll/")
    expect(page).to_have_url(re.compile(r"/konto/anmelden/"))
    _fill_login_form(page, OFFICE_LOGIN, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/konto/zwei-faktor/pruefen/"))
    expect(page.get_by_role("heading", name=t("Enter your code"))).to_be_visible()
    # Nothing else opens before the code.
    page.goto("/verwaltung/protokoll/")
    expect(page).to_have_url(re.compile(r"/konto/zwei-faktor/pruefen/"))

    page.get_by_label(t("Code")).fill(_totp_code(device.key))
    page.get_by_role("button", name=t("Confirm"), exact=True).click()
    expect(page).to_have_url("/verwaltung/protokoll/")
    expect(page.get_by_role("heading", name=t("Audit log"))).to_be_visible()
    # The login and the second factor are in the log, with the client address.
    expect(page.locator("#audit-table")).to_contain_text("user.two_factor_verified")
    expect(page.locator("#audit-table")).to_contain_text("127.0.0.1")
    assert bpage.console_errors == []


def test_member_sets_up_two_factor_and_sees_recovery_codes_once(
    bpage: BrowserPage, settings
) -> None:  # type: ignore[no-untyped-def]
    import base64
    import binascii

    settings.TWO_FACTOR_REQUIRED = True
    page = bpage.page
    page.goto("/konto/anmelden/")
    _fill_login_form(page, MEMBER_LOGIN, DEMO_PASSWORD)
    expect(page).to_have_url("/mein-ueberblick/")
    page.get_by_role("link", name=t("Account"), exact=True).click()
    expect(page).to_have_url("/konto/")
    page.get_by_role("link", name=t("Set up two-factor authentication")).click()

    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")  # type: ignore[union-attr]
    # The image really rendered (no CSP refusal of the data: URL).
    assert page.evaluate("() => document.querySelector('img.qr').naturalWidth") > 0
    secret = page.locator("#totp-key").inner_text().replace(" ", "")
    key_hex = binascii.hexlify(base64.b32decode(secret)).decode()
    page.get_by_label(t("Code")).fill(_totp_code(key_hex))
    page.get_by_role("button", name=t("Turn on"), exact=True).click()

    expect(page).to_have_url("/konto/zwei-faktor/wiederherstellungscodes/")
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    page.reload()
    expect(page.locator("#recovery-codes")).to_have_count(0)  # shown only once

    # Turning it off asks first (a confirm() from site.js, no inline handler).
    page.goto("/konto/")
    page.get_by_label(t("Code")).fill(_totp_code(key_hex, 30))
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=t("Turn off"), exact=True).click()
    expect(page.locator(".messages")).to_contain_text(t("Two-factor authentication is off."))
    assert bpage.console_errors == []


def test_password_reset_in_the_browser(bpage: BrowserPage) -> None:
    from django.core import mail

    page = bpage.page
    page.goto("/konto/anmelden/")
    page.get_by_role("link", name=t("Forgot your password?")).click()
    page.get_by_label(re.compile("E-Mail")).fill(MEMBER_LOGIN)
    page.get_by_role("button", name=t("Send the link"), exact=True).click()
    expect(page.locator("#reset-sent")).to_be_visible()
    from tests.queued import work_off_queue

    work_off_queue()  # what the background worker does
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/konto/passwort-neu/\S+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    path = "/" + link.group(0).split("/", 3)[3]
    page.goto(path)
    new = "Neues-Hafen-Passwort-2027"
    page.locator("#id_new_password1").fill(new)
    page.locator("#id_new_password2").fill(new)
    page.get_by_role("button", name=t("Save the new password"), exact=True).click()
    expect(page.get_by_role("heading", name=t("Password changed"))).to_be_visible()
    page.goto(path)
    expect(page.locator("#reset-invalid")).to_be_visible()  # the link worked once
    _fill_login_form_at(page, MEMBER_LOGIN, new)
    expect(page.locator(".site-header .who")).to_contain_text(_name(MEMBER_LOGIN))
    assert bpage.console_errors == []


def _fill_login_form_at(page: Page, username: str, password: str) -> None:
    page.goto("/konto/anmelden/")
    _fill_login_form(page, username, password)
