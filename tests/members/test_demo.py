"""`hafennetz seed-demo` is a project-level command that seeds every app once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from hafennetz.core.models import AuditEntry
from hafennetz.members.models import Contact, Member, StateCoordination

pytestmark = pytest.mark.django_db


def test_seeding_again_changes_nothing() -> None:
    """The session fixture has seeded already (tests/conftest.py)."""
    before = (
        Member.objects.count(),
        Contact.objects.count(),
        StateCoordination.objects.count(),
        AuditEntry.objects.count(),
    )
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    after = (
        Member.objects.count(),
        Contact.objects.count(),
        StateCoordination.objects.count(),
        AuditEntry.objects.count(),
    )
    assert after == before
    assert "nothing changed" in out.getvalue()
    assert "koordinierungsstelle@demo.hafennetz.example" in out.getvalue()


def test_demo_registry_keeps_the_registry_rules() -> None:
    """One member per city; every demo member seeded by the system job, audited as such."""
    assert Member.objects.count() == 140
    entry = AuditEntry.objects.filter(action="member.create").order_by("id").first()
    assert entry is not None and entry.actor is None and entry.actor_label == "system"
