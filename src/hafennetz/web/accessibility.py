"""The accessibility statement (Erklärung zur Barrierefreiheit, BITV 2.0 § 12b; issue 16): status
of conformity, known gaps, how to give feedback (the coordination office) and the enforcement
procedure (Schlichtungsstelle nach § 16 BGG). Public, linked in the footer of every page."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from hafennetz.members import selectors

# When the statement was last reviewed (the axe-core test of tests/browser runs on every change).
REVIEWED_ON = dt.date(2026, 11, 30)


@require_safe
def statement(request: HttpRequest) -> HttpResponse:
    office = selectors.current_coordination_office()
    contacts = []
    if office is not None:
        contacts = [c for c in office.member.contacts.all() if c.is_public and c.email]
    return render(
        request,
        "web/accessibility.html",
        {"office": office, "contacts": contacts, "reviewed_on": REVIEWED_ON},
    )
