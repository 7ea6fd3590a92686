"""Account pages: the account overview, password change and password reset by e-mail.

Password reset: the page answers the same whether or not an account has the address (no account
enumeration); the link in the e-mail works once (the token is bound to the password hash and the
last login, so a reset or a login spends it) and for PASSWORD_RESET_TIMEOUT seconds. Requests
are throttled per address and per client address (PASSWORD_RESET_MAX_PER_*, counted in the audit
log, so the limit holds across server processes); beyond the limit the answer is the same but
no mail is sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UsernameField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from hafennetz.core.access import ensure
from hafennetz.core.audit import client_address, log_action, log_request_event
from hafennetz.core.forms import save_form
from hafennetz.core.models import AuditEntry
from hafennetz.core.tasks import send_email
from hafennetz.core.urls import absolute_url
from hafennetz.core.validators import validate_single_line
from hafennetz.members.services import profile_update
from hafennetz.web.twofactor import has_device, two_factor_mandatory


class LoginForm(AuthenticationForm):
    """The login form with a length bound checked before anything else: Django's form sets
    max_length only on the widget, so a 300-character name reached the lockout bookkeeping
    (django-axes stores it in a 255-character column: a 500 on PostgreSQL)."""

    username = UsernameField(
        max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "maxlength": 150})
    )


PASSWORD_RESET_REQUESTED = "user.password_reset_requested"  # noqa: S105 (an action name)
PASSWORD_RESET_DONE = "user.password_reset"  # noqa: S105 (an action name)


class ProfileForm(forms.Form):
    """The name shown to others instead of the e-mail address."""

    first_name = forms.CharField(
        label=_lazy("First name"), max_length=150, validators=[validate_single_line]
    )
    last_name = forms.CharField(
        label=_lazy("Last name"), max_length=150, validators=[validate_single_line]
    )


@require_http_methods(["GET", "HEAD", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    from django.utils.translation import gettext as _

    ensure(request.user.is_authenticated, _("Please log in to see this page."))
    user = request.user
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        initial={"first_name": user.first_name, "last_name": user.last_name},  # type: ignore[union-attr]
    )
    if save_form(
        request,
        form,
        lambda: profile_update(actor=user, **form.cleaned_data),  # type: ignore[arg-type]
    ):
        messages.success(request, _("Your name was saved."))
        return redirect("account")
    return render(
        request,
        "web/account.html",
        {
            "profile_form": form,
            "two_factor_on": has_device(user),
            "two_factor_mandatory": two_factor_mandatory(user),
            "idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60,
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # The password itself is never logged; that it changed is.
        user = form.user
        log_request_event(
            self.request,
            actor=user,
            action="user.password_change",
            obj=user,
            object_repr=user.get_username(),
        )
        return response


class ThrottledPasswordResetForm(PasswordResetForm):
    """Sends the reset mail with a link built from SITE_URL or the request, at most
    PASSWORD_RESET_MAX_PER_ADDRESS times an hour per address."""

    request: HttpRequest | None = None

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        context["reset_url"] = absolute_url(
            reverse(
                "password_reset_confirm",
                kwargs={"uidb64": context["uid"], "token": context["token"]},
            ),
            self.request,
        )
        context["valid_hours"] = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html = (
            loader.render_to_string(html_email_template_name, context)
            if html_email_template_name
            else ""
        )
        # The background worker sends it: the answer to this request takes as long whether or
        # not an account has the address (no account enumeration by response time).
        send_email.enqueue(
            subject=subject, body=body, to=[to_email], from_email=from_email, html=html
        )


def _recent_requests(**filters: Any) -> int:
    since = timezone.now() - dt.timedelta(hours=1)
    return AuditEntry.objects.filter(
        action=PASSWORD_RESET_REQUESTED, created_at__gte=since, **filters
    ).count()


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()[:254]
        address = client_address(self.request)
        throttled = _recent_requests(
            object_repr=email, after__mail_sent=True
        ) >= settings.PASSWORD_RESET_MAX_PER_ADDRESS or (
            address is not None
            and _recent_requests(client_address=address) >= settings.PASSWORD_RESET_MAX_PER_CLIENT
        )
        accounts = 0 if throttled else len(list(form.get_users(email)))
        if throttled or not accounts:
            # The same answer as when a mail goes out: whether an account exists stays secret.
            response: HttpResponse = super(auth_views.PasswordResetView, self).form_valid(form)
        else:
            form.request = self.request
            response = super().form_valid(form)  # queues the mail for the worker
        log_action(
            actor=None,
            actor_label=email,
            action=PASSWORD_RESET_REQUESTED,
            object_type="auth.user",
            object_repr=email,
            after={"mail_sent": bool(accounts) and not throttled, "throttled": throttled},
            client_address=address,
        )
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        log_request_event(
            self.request,
            action=PASSWORD_RESET_DONE,
            actor=form.user,
            obj=form.user,
            object_repr=form.user.get_username(),
        )
        return response
