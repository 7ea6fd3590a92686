"""The coordination office's audit log: every committed change and every security event
(logins, logouts, failed logins, lockouts, refused requests, account changes), filterable by
kind, action, user, client address and date."""

from __future__ import annotations

import re

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from hafennetz.core import selectors
from hafennetz.core.audit_types import readable
from hafennetz.core.forms import DateInput
from hafennetz.core.models import AuditEntry
from hafennetz.members.access import check_view_audit_log
from hafennetz.members.models import StaffAccount

# Kinds of entries, by their action names.
_LOGIN_ACTIONS = (
    "user.login",
    "user.logout",
    "user.login_failed",
    "user.locked_out",
    "user.session_expired",
    "user.two_factor_verified",
    "user.two_factor_failed",
    "user.recovery_code_used",
)
KINDS = {
    "changes": _("Changes of data"),
    "logins": _("Logins and logouts (also failed)"),
    "account": _("Account security (password, two-factor)"),
    "refused": _("Refused requests"),
}


def _of_kind(entries: QuerySet[AuditEntry], kind: str) -> QuerySet[AuditEntry]:
    security = Q(action__startswith="user.") | Q(action__startswith="request.")
    if kind == "changes":
        return entries.exclude(security)
    if kind == "logins":
        return entries.filter(action__in=_LOGIN_ACTIONS)
    if kind == "account":
        return entries.filter(action__startswith="user.").exclude(action__in=_LOGIN_ACTIONS)
    if kind == "refused":
        return entries.filter(action__startswith="request.")
    return entries


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("User"), required=False, max_length=254)
    address = forms.CharField(
        label=_("Client address"),
        required=False,
        max_length=45,
        help_text=_("An IP address, or its beginning (e.g. 192.168.)."),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kind"].choices = [("", _("All")), *KINDS.items()]  # type: ignore[attr-defined]
        self.fields["action"].choices = [("", _("All"))] + [  # type: ignore[attr-defined]
            (a, a) for a in selectors.audit_actions()
        ]

    def clean_address(self) -> str:
        address = str(self.cleaned_data["address"]).strip()
        if address and not re.fullmatch(r"[0-9A-Fa-f:.]+", address):
            raise forms.ValidationError(_("Enter an IP address or its beginning."))
        return address


@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    check_view_audit_log(request.user)
    form = AuditFilterForm(request.GET or None)
    filters = dict(form.cleaned_data) if form.is_valid() else {}
    kind = filters.pop("kind", "")
    address = filters.pop("address", "")
    entries = _of_kind(selectors.audit_entries(**{k: v for k, v in filters.items() if v}), kind)
    if address:
        entries = entries.filter(client_address__startswith=address)
    page = Paginator(entries.select_related("actor"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = readable(list(page), actor_names=_people(list(page)))
    return render(
        request,
        "web/audit_log.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


def _people(entries: list[AuditEntry]) -> dict[int, str]:
    """ "Anna Beispiel (Detmold)": the name of each acting user (or their login, if they have no
    name) with the member whose staff they are."""
    users = {e.actor_id: e.actor for e in entries if e.actor is not None and e.actor_id}
    members = dict(
        StaffAccount.objects.filter(user_id__in=users).values_list("user_id", "member__name")
    )
    names = {}
    for user_id, user in users.items():
        name = user.get_full_name() or user.get_username()
        member = members.get(user_id)
        names[user_id] = f"{name} ({member})" if member else name
    return names
