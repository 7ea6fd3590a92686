"""Two-factor authentication: an authenticator app (TOTP, RFC 6238) plus one-time recovery codes.

Required for the coordination office and the state coordinations (they can change data of every
member, or of a whole state): after the password they must enter a code before any other page
(`TwoFactorMiddleware`), and they cannot turn it off. Member staff may turn it on; once on, it is
asked for at every login as well.

Setting up: the account page links to the set-up page, which shows a QR code (an inline SVG
image, no outside service) and the secret key as text. The server signs the key it generated
into the form, so the device is stored only when the user proves with a code that the app has
it. Then ten recovery codes are shown exactly once (each works once, e.g. when the phone is lost).
"""

from __future__ import annotations

import binascii
import os
import time
from typing import Any, cast
from urllib.parse import quote

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hafennetz.core.access import AccessDenied, ensure
from hafennetz.core.audit import log_request_event
from hafennetz.members.access import roles_of

RECOVERY_CODE_COUNT = 10
# The signed key of the set-up form is valid this long (seconds).
SETUP_MAX_AGE = 30 * 60
_SETUP_SALT = "hafennetz.web.twofactor.setup"
# Session keys of the recovery codes to show once and of the page to go on to after them.
_CODES_SESSION_KEY = "hafennetz_2fa_codes"
_NEXT_SESSION_KEY = "hafennetz_2fa_next"


# --- rules ----------------------------------------------------------------------------------


def two_factor_mandatory(user: Any) -> bool:
    """The coordination office and state coordinations must use a second factor."""
    roles = roles_of(user)
    return roles.is_coordination_office or roles.is_state_coordination


def has_device(user: Any) -> bool:
    return bool(TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists())


def is_verified(user: Any) -> bool:
    """The session passed the second factor (django-otp's OTPMiddleware sets this up)."""
    return bool(getattr(user, "is_verified", lambda: False)())


def verification_needed(request: HttpRequest) -> bool:
    """The logged-in user must enter a code before using the platform: required for the role
    (unless switched off for tests) or turned on by the user."""
    user = request.user
    if not user.is_authenticated or is_verified(user):
        return False
    # Asked on every request of an unverified session (one indexed query), not cached in the
    # session: a device set up in another session must be asked for here at once.
    if has_device(user):
        return True
    return bool(settings.TWO_FACTOR_REQUIRED) and two_factor_mandatory(user)


def _logged_in_user(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    ensure(user.is_authenticated, _("Please log in to see this page."))
    return cast(AbstractBaseUser, user)


def _next_url(request: HttpRequest, fallback: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


# --- forms ----------------------------------------------------------------------------------


class CodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Code"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        # People type codes with spaces ("123 456") or dashes; recovery codes in any case.
        return "".join(str(super().clean(value)).split()).replace("-", "").lower()


class SetupForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=400)
    code = CodeField(help_text=gettext_lazy("The six-digit code your authenticator app shows now."))

    def clean_key(self) -> str:
        try:
            key = signing.loads(self.cleaned_data["key"], salt=_SETUP_SALT, max_age=SETUP_MAX_AGE)
            binascii.unhexlify(key)
        except (signing.BadSignature, binascii.Error, TypeError, ValueError) as exc:
            raise forms.ValidationError(
                _("The set-up form has expired. Scan the new QR code and try again.")
            ) from exc
        return str(key)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key, code = data.get("key"), data.get("code")
        if key and code:
            totp = _totp(key)
            if not (code.isdigit() and len(code) == 6 and totp.verify(int(code), tolerance=1)):
                self.add_error("code", _("This code is not right. Check the time on your phone."))
            else:
                data["t"] = totp.t()
        return data


class VerifyForm(forms.Form):
    code = CodeField(
        help_text=gettext_lazy("The code of your authenticator app, or one of your recovery codes.")
    )


class DisableForm(forms.Form):
    code = CodeField(
        help_text=gettext_lazy("To turn it off, confirm with a current code of your app.")
    )


def _totp(key_hex: str) -> TOTP:
    totp = TOTP(binascii.unhexlify(key_hex), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time()
    return totp


def _new_key() -> str:
    return binascii.hexlify(os.urandom(20)).decode()


def _qr_data_uri(user: Any, key_hex: str) -> str:
    url = TOTPDevice(user=user, key=key_hex).config_url
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2))


def _key_text(key_hex: str) -> str:
    import base64

    secret = base64.b32encode(binascii.unhexlify(key_hex)).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- views ----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    user = _logged_in_user(request)
    if has_device(user) and not is_verified(user):
        # Whoever has only the password must not replace the second factor.
        return redirect(f"{reverse('two-factor-verify')}?next={quote(request.get_full_path())}")
    posted = request.method == "POST"
    form = SetupForm(request.POST if posted else None)
    if posted and form.is_valid():
        codes = _enable(request, form.cleaned_data["key"], form.cleaned_data["t"])
        request.session[_CODES_SESSION_KEY] = codes
        request.session[_NEXT_SESSION_KEY] = _next_url(request, "account")
        messages.success(request, _("Two-factor authentication is on."))
        return redirect("two-factor-recovery")
    # A wrong code keeps the key the app has already scanned; a missing or expired key is
    # replaced by a new one.
    key = form.cleaned_data.get("key") if posted else None
    key = key or _new_key()
    if posted:
        data = cast(QueryDict, form.data).copy()
        data["key"] = signing.dumps(key, salt=_SETUP_SALT)
        form.data = data
    else:
        form = SetupForm(initial={"key": signing.dumps(key, salt=_SETUP_SALT)})
    return render(
        request,
        "web/two_factor_setup.html",
        {
            "form": form,
            "qr": _qr_data_uri(user, key),
            "key_text": _key_text(key),
            "next": _next_url(request, "account"),
            "mandatory": two_factor_mandatory(user),
        },
    )


def _new_recovery_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def _enable(request: HttpRequest, key: str, t: int) -> list[str]:
    user = _logged_in_user(request)
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        device = TOTPDevice.objects.create(
            user=user, name=_("Authenticator app"), key=key, confirmed=True, last_t=t
        )
        codes = _new_recovery_codes(user)
        log_request_event(
            request,
            action="user.two_factor_enabled",
            actor=user,
            obj=user,
            object_repr=user.get_username(),
        )
    otp_login(request, device)
    return codes


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user = _logged_in_user(request)
    if is_verified(user):
        return HttpResponseRedirect(_next_url(request))
    if not has_device(user):
        return redirect(f"{reverse('two-factor-setup')}?next={quote(_next_url(request))}")
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _match(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            log_request_event(
                request,
                action="user.two_factor_verified"
                if isinstance(device, TOTPDevice)
                else "user.recovery_code_used",
                actor=user,
                obj=user,
                object_repr=user.get_username(),
            )
            return HttpResponseRedirect(_next_url(request))
        log_request_event(
            request,
            action="user.two_factor_failed",
            actor=user,
            obj=user,
            object_repr=user.get_username(),
        )
        form.add_error(
            "code",
            _("This code is not right, or too many wrong codes were entered: wait a moment."),
        )
    return render(
        request,
        "web/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
    )


def _match(user: Any, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts the code: the app (six digits) or a recovery code. django-otp
    throttles each device after wrong codes and refuses a TOTP code that was used before."""
    with transaction.atomic():
        if code.isdigit() and len(code) == 6:
            devices: list[Any] = list(
                TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True)
            )
        else:
            devices = list(
                StaticDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True)
            )
        for device in devices:
            if device.verify_token(code):
                return device
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Shows new recovery codes once; POST makes a new set (the old ones stop working)."""
    user = _logged_in_user(request)
    if not has_device(user):
        return redirect("two-factor-setup")
    if request.method == "POST":
        with transaction.atomic():
            codes = _new_recovery_codes(user)
            log_request_event(
                request,
                action="user.recovery_codes_renewed",
                actor=user,
                obj=user,
                object_repr=user.get_username(),
            )
        request.session[_CODES_SESSION_KEY] = codes
        return redirect("two-factor-recovery")
    codes = request.session.pop(_CODES_SESSION_KEY, None)
    next_url = request.session.pop(_NEXT_SESSION_KEY, None)
    remaining = StaticToken.objects.filter(device__user_id=user.pk).count()
    response = render(
        request,
        "web/two_factor_recovery.html",
        {
            "codes": codes if isinstance(codes, list) else None,
            "remaining": remaining,
            "next": next_url if isinstance(next_url, str) else None,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    user = _logged_in_user(request)
    if two_factor_mandatory(user):
        raise AccessDenied(
            _(
                "The coordination office and the state coordinations must use two-factor "
                "authentication; it cannot be turned off."
            )
        )
    if not has_device(user):
        messages.info(request, _("Two-factor authentication is not on."))
        return redirect("account")
    form = DisableForm(request.POST)
    if not (form.is_valid() and _match(user, form.cleaned_data["code"]) is not None):
        messages.error(request, _("Two-factor authentication stays on: the code was not right."))
        return redirect("account")
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        StaticDevice.objects.filter(user_id=user.pk).delete()
        log_request_event(
            request,
            action="user.two_factor_disabled",
            actor=user,
            obj=user,
            object_repr=user.get_username(),
        )
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("account")
