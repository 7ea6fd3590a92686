"""Account views that need an audit entry on top of Django's auth views."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from hafennetz.core.audit import log_action


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # The password itself is never logged; that it changed is.
        log_action(
            actor=self.request.user,
            action="user.password_change",
            obj=self.request.user,
            object_repr=self.request.user.get_username(),
        )
        return response
