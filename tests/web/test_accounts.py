"""Accounts (issue 10 item 9) and the security events of the audit log (item 4): password reset
by e-mail, two-factor authentication, session expiry, logins/failures/lockouts/refusals logged
with the client address."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hafennetz.core.models import AuditEntry
from hafennetz.members.demo import DEMO_PASSWORD
from hafennetz.web.middleware import SEEN_AT_SESSION_KEY
from tests.queued import work_off_queue

OFFICE = "koordinierungsstelle@demo.hafennetz.example"
STATE = "landeskoordination@demo.hafennetz.example"
MEMBER = "kommune@demo.hafennetz.example"


@pytest.fixture
def two_factor(settings):  # type: ignore[no-untyped-def]
    """The platform's setting (tests/conftest.py turns it off for the other tests)."""
    settings.TWO_FACTOR_REQUIRED = True
    return settings


def _login(client: Client, username: str, password: str = DEMO_PASSWORD, **extra: Any) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def _device(username: str) -> TOTPDevice:
    user = get_user_model().objects.get(username=username)
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


# --- password reset ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_password_reset_mails_a_single_use_link(client: Client) -> None:
    page = client.get(reverse("login"))
    assert reverse("password_reset").encode() in page.content  # "Passwort vergessen?"

    response = client.post(reverse("password_reset"), {"email": MEMBER.upper()})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 0  # the worker sends it, not the request
    assert work_off_queue() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [MEMBER]
    link = re.search(r"http://testserver(/konto/passwort-neu/\S+/)", message.body)
    assert link, message.body
    assert "2 Stunden" in message.body  # German, with the validity

    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    url = form.redirect_chain[-1][0]
    new = "Neues-Hafen-Passwort-2027"
    done = client.post(url, {"new_password1": new, "new_password2": new})
    assert done["Location"] == reverse("password_reset_complete")
    assert get_user_model().objects.get(username=MEMBER).check_password(new)
    assert AuditEntry.objects.filter(action="user.password_reset", object_repr=MEMBER).exists()

    # Used once: the same link no longer works (the token is bound to the password hash).
    again = Client().get(link.group(1), follow=True)
    assert not again.context["validlink"]


@pytest.mark.django_db
def test_password_reset_link_expires(client: Client, member_user) -> None:  # type: ignore[no-untyped-def]
    class ThreeHoursAgo(PasswordResetTokenGenerator):
        def _now(self) -> dt.datetime:
            return dt.datetime.now() - dt.timedelta(hours=3)

    token = ThreeHoursAgo().make_token(member_user)
    uid = urlsafe_base64_encode(force_bytes(member_user.pk))
    response = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    assert not response.context["validlink"]


@pytest.mark.django_db
def test_password_reset_does_not_tell_whether_an_account_exists(client: Client) -> None:
    known = client.post(reverse("password_reset"), {"email": MEMBER})
    unknown = client.post(reverse("password_reset"), {"email": "niemand@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    work_off_queue()
    assert len(mail.outbox) == 1

    def page(url: str) -> str:  # without the per-request CSRF token
        return re.sub(r'value="[^"]{64}"', "", client.get(url).content.decode())

    assert page(known["Location"]) == page(unknown["Location"])


@pytest.mark.django_db
def test_password_reset_is_throttled_per_address_and_client(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    for _i in range(settings.PASSWORD_RESET_MAX_PER_ADDRESS + 2):
        response = client.post(reverse("password_reset"), {"email": MEMBER})
        assert response["Location"] == reverse("password_reset_done")
    work_off_queue()
    assert len(mail.outbox) == settings.PASSWORD_RESET_MAX_PER_ADDRESS
    throttled = AuditEntry.objects.filter(
        action="user.password_reset_requested", after__throttled=True
    )
    assert throttled.count() == 2
    assert throttled.first().client_address == "127.0.0.1"  # type: ignore[union-attr]

    # Per client address: guessing many addresses from one machine stops sending mail.
    settings.PASSWORD_RESET_MAX_PER_CLIENT = 5  # this client asked 5 times already
    response = client.post(reverse("password_reset"), {"email": OFFICE})
    assert response["Location"] == reverse("password_reset_done")
    work_off_queue()
    assert len(mail.outbox) == settings.PASSWORD_RESET_MAX_PER_ADDRESS
    other_client = Client(REMOTE_ADDR="10.0.0.7")
    other_client.post(reverse("password_reset"), {"email": OFFICE})
    work_off_queue()
    assert len(mail.outbox) == settings.PASSWORD_RESET_MAX_PER_ADDRESS + 1


# --- two-factor authentication ---------------------------------------------------------------


def _setup_payload(response: Any) -> tuple[str, str]:
    """The signed key of the set-up form and the code an app would show for its key."""
    form = response.context["form"]
    signed = form["key"].value()
    secret = response.context["key_text"].replace(" ", "")
    import base64

    totp = TOTP(base64.b32decode(secret))
    totp.time = time.time()
    return signed, f"{totp.token():06d}"


@pytest.mark.django_db
def test_office_must_set_up_two_factor_before_any_page(client: Client, two_factor) -> None:  # type: ignore[no-untyped-def]
    # The login lands on the start page ("Mein Überblick"), which needs the second factor too.
    assert _login(client, OFFICE)["Location"] == reverse("my-overview")
    for url in (reverse("my-overview"), reverse("audit-log"), reverse("member-directory")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two-factor-setup"))
    # Writes are stopped too.
    response = client.post(reverse("password_change"), {})
    assert response["Location"].startswith(reverse("two-factor-setup"))

    page = client.get(reverse("two-factor-setup"))
    assert page.status_code == 200
    assert page.context["qr"].startswith("data:image/svg+xml")
    signed, code = _setup_payload(page)
    wrong = client.post(reverse("two-factor-setup"), {"key": signed, "code": "000000"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    # The same key again after a wrong code (the app has scanned it already).
    assert wrong.context["key_text"] == page.context["key_text"]

    done = client.post(
        reverse("two-factor-setup"), {"key": signed, "code": code, "next": reverse("audit-log")}
    )
    assert done["Location"] == reverse("two-factor-recovery")
    shown = client.get(done["Location"])
    codes = shown.context["codes"]
    assert len(codes) == 10
    assert shown.context["next"] == reverse("audit-log")  # on to the page asked for
    assert client.get(reverse("two-factor-recovery")).context["codes"] is None  # shown once
    assert client.get(reverse("audit-log")).status_code == 200
    assert AuditEntry.objects.filter(action="user.two_factor_enabled", object_repr=OFFICE).exists()


@pytest.mark.django_db
def test_login_with_a_device_asks_for_the_code(client: Client, two_factor) -> None:  # type: ignore[no-untyped-def]
    device = _device(STATE)
    _login(client, STATE)
    response = client.get(reverse("account"))
    assert response["Location"].startswith(reverse("two-factor-verify"))

    wrong = client.post(reverse("two-factor-verify"), {"code": "000000", "next": "/konto/"})
    assert wrong.status_code == 200
    failed = AuditEntry.objects.get(action="user.two_factor_failed")
    assert failed.client_address == "127.0.0.1"
    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp waits after a wrong code
    device.throttling_failure_timestamp = None
    device.save()

    code = _code(device)
    ok = client.post(reverse("two-factor-verify"), {"code": code, "next": "/konto/"})
    assert ok["Location"] == "/konto/"
    assert client.get(reverse("account")).status_code == 200

    # The same code does not work a second time (replay), in another session.
    other = Client()
    _login(other, STATE)
    replay = other.post(reverse("two-factor-verify"), {"code": code})
    assert replay.status_code == 200
    assert other.get(reverse("account")).status_code == 302


@pytest.mark.django_db
def test_a_recovery_code_works_once(client: Client, two_factor) -> None:  # type: ignore[no-untyped-def]
    _device(OFFICE)
    user = get_user_model().objects.get(username=OFFICE)
    from django_otp.plugins.otp_static.models import StaticDevice

    static = StaticDevice.objects.create(user=user, name="codes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    _login(client, OFFICE)
    response = client.post(reverse("two-factor-verify"), {"code": "ABCD 2345"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert AuditEntry.objects.filter(action="user.recovery_code_used").exists()
    assert not StaticToken.objects.filter(token="abcd2345").exists()


@pytest.mark.django_db
def test_coordination_cannot_turn_two_factor_off_member_staff_can(
    client: Client, two_factor
) -> None:  # type: ignore[no-untyped-def]
    office_device = _device(OFFICE)
    _login(client, OFFICE)
    client.post(reverse("two-factor-verify"), {"code": _code(office_device)})
    refused = client.post(reverse("two-factor-disable"), {"code": _code(office_device, 30)})
    assert refused.status_code == 403
    assert "cannot be turned off" in refused.content.decode() or "nicht ausgeschaltet" in (
        refused.content.decode()
    )
    assert TOTPDevice.objects.filter(pk=office_device.pk).exists()
    entry = AuditEntry.objects.get(action="request.refused")
    assert entry.actor_label == OFFICE
    assert entry.client_address == "127.0.0.1"
    assert entry.object_repr == "POST " + reverse("two-factor-disable")

    member = Client()
    member_device = _device(MEMBER)
    _login(member, MEMBER)
    assert member.get(reverse("account"))["Location"].startswith(reverse("two-factor-verify"))
    member.post(reverse("two-factor-verify"), {"code": _code(member_device)})
    kept = member.post(reverse("two-factor-disable"), {"code": "000000"})
    assert kept.status_code == 302 and TOTPDevice.objects.filter(pk=member_device.pk).exists()
    member_device.refresh_from_db()
    member_device.throttling_failure_count = 0
    member_device.throttling_failure_timestamp = None
    member_device.save()
    off = member.post(reverse("two-factor-disable"), {"code": _code(member_device, 30)})
    assert off.status_code == 302
    assert not TOTPDevice.objects.filter(user__username=MEMBER).exists()
    assert member.get(reverse("account")).status_code == 200  # no code needed any more


@pytest.mark.django_db
def test_member_staff_need_no_second_factor(client: Client, two_factor) -> None:  # type: ignore[no-untyped-def]
    _login(client, MEMBER)
    assert client.get(reverse("account")).status_code == 200


# --- sessions ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_session_ends_after_inactivity(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    _login(client, MEMBER)
    assert client.get(reverse("account")).status_code == 200
    session = client.session
    session[SEEN_AT_SESSION_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="user.session_expired", object_repr=MEMBER).exists()


@pytest.mark.django_db
def test_session_stays_while_active(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    _login(client, MEMBER)
    session = client.session
    session[SEEN_AT_SESSION_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT + 30
    session.save()
    assert client.get(reverse("account")).status_code == 200
    assert client.session[SEEN_AT_SESSION_KEY] >= int(time.time()) - 5


# --- audit of security events -----------------------------------------------------------------


@pytest.mark.django_db
def test_logins_logouts_failures_and_lockouts_are_audited(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    _login(client, MEMBER, REMOTE_ADDR="192.0.2.10")
    client.post(reverse("logout"), REMOTE_ADDR="192.0.2.10")
    login = AuditEntry.objects.get(action="user.login")
    assert (login.actor_label, login.client_address) == (MEMBER, "192.0.2.10")
    assert AuditEntry.objects.get(action="user.logout").client_address == "192.0.2.10"

    for _i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, OFFICE, "falsch", REMOTE_ADDR="198.51.100.4")
    failed = AuditEntry.objects.filter(action="user.login_failed")
    assert failed.count() == settings.AXES_FAILURE_LIMIT
    assert {(e.actor_label, e.client_address) for e in failed} == {(OFFICE, "198.51.100.4")}
    locked = AuditEntry.objects.get(action="user.locked_out")
    assert (locked.actor_label, locked.client_address) == (OFFICE, "198.51.100.4")


@pytest.mark.django_db
def test_client_address_behind_a_trusted_proxy(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    # Without a trusted proxy a forged header is ignored.
    _login(client, MEMBER, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert AuditEntry.objects.get(action="user.login").client_address == "10.0.0.1"
    AuditEntry.objects.all().delete()
    # One proxy of ours: the address it saw is the rightmost entry; the client's own is ignored.
    settings.TRUSTED_PROXY_COUNT = 1
    Client().post(
        reverse("login"),
        {"username": MEMBER, "password": DEMO_PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
    )
    assert AuditEntry.objects.get(action="user.login").client_address == "203.0.113.9"


@pytest.mark.django_db
def test_refused_request_is_audited(client: Client, member_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(member_user)
    response = client.get(reverse("audit-log"), REMOTE_ADDR="192.0.2.55")
    assert response.status_code == 403
    entry = AuditEntry.objects.get(action="request.refused")
    assert entry.actor_id == member_user.pk
    assert entry.client_address == "192.0.2.55"
    assert entry.object_repr == "GET " + reverse("audit-log")
    # Anonymous visitors are sent to the login, which is no security event.
    Client().get(reverse("audit-log"))
    assert AuditEntry.objects.filter(action="request.refused").count() == 1


@pytest.mark.django_db
def test_audit_log_filters_by_kind_and_address(client: Client, office_user) -> None:  # type: ignore[no-untyped-def]
    _login(Client(), MEMBER, REMOTE_ADDR="192.0.2.10")
    _login(Client(), OFFICE, "falsch", REMOTE_ADDR="198.51.100.4")
    client.force_login(office_user)
    url = reverse("audit-log")

    logins = client.get(url, {"kind": "logins"}).context["page"]
    assert {e.action for e in logins} >= {"user.login", "user.login_failed"}
    assert all(e.action.startswith("user.") for e in logins)

    by_address = client.get(url, {"address": "198.51.100"}).context["page"]
    assert [e.action for e in by_address] == ["user.login_failed"]
    page = client.get(url, {"address": "198.51.100.4", "kind": "logins"})
    assert b"198.51.100.4" in page.content

    changes = client.get(url, {"kind": "changes"}).context["page"]
    assert not any(e.action.startswith(("user.", "request.")) for e in changes)
    # Nonsense in the filter is a form error, not a 500.
    bad = client.get(url, {"address": "<script>", "kind": "x" * 500, "page": "²"})
    assert bad.status_code == 200


# --- error pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_404_and_500_pages_render_in_production_mode(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert b"Seite nicht gefunden" in response.content or b"not found" in response.content

    from django.test import RequestFactory
    from django.views.defaults import server_error

    from hafennetz import urls  # noqa: F401  (the handlers are the defaults for 404/500)

    error = server_error(RequestFactory().get("/"))
    assert error.status_code == 500
    assert b"Ein Fehler ist aufgetreten" in error.content


@pytest.mark.django_db
def test_a_device_set_up_elsewhere_is_asked_for_in_an_open_session(
    client: Client, two_factor
) -> None:  # type: ignore[no-untyped-def]
    """Someone who knows only the password and is logged in already cannot stay in once the
    owner turns two-factor authentication on."""
    _login(client, MEMBER)
    assert client.get(reverse("account")).status_code == 200
    _device(MEMBER)
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-verify"))


@pytest.mark.django_db
def test_pages_of_logged_in_users_are_not_cached(client: Client, member_user) -> None:  # type: ignore[no-untyped-def]
    assert "no-store" not in client.get(reverse("home")).get("Cache-Control", "")
    client.force_login(member_user)
    assert client.get(reverse("account"))["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_csrf_failure_page_is_ours_and_has_no_inline_style() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": MEMBER, "password": DEMO_PASSWORD})
    assert response.status_code == 403
    body = response.content.decode()
    assert "<style" not in body and "style=" not in body
    assert "Formular" in body
