"""The audit log in sentences (issue 16, "Readable records"): one registry of actions with their
display text; field labels and formatted values; links to the object; the actor by name and
member; anything a user typed stays text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hafennetz.core.audit_types import readable, registered_actions
from hafennetz.core.models import AuditEntry
from hafennetz.members import services
from hafennetz.members.models import Contact, Member

SRC = Path(__file__).resolve().parents[2] / "src" / "hafennetz"
ACTION_LINE = re.compile(r"\baction\s*=\s*(?:f?\"[^\"]*\"|[^,\n]*\"[^\"]*\")")
LITERAL = re.compile(r"\"([a-z_]+\.[a-z_]+)\"")


def _actions_in_code() -> set[str]:
    """Every literal action name the code writes (`action="x.y"`, also in `a if b else c`)."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if ACTION_LINE.search(line) and "{" not in line:
                found |= set(LITERAL.findall(line))
    return found


def test_every_action_the_code_writes_has_a_display_text() -> None:
    missing = _actions_in_code() - registered_actions()
    assert not missing, f"register these in <app>/audit_types.py: {sorted(missing)}"


@pytest.mark.django_db
def test_a_contact_change_reads_as_a_german_sentence_with_labels(office_user) -> None:  # type: ignore[no-untyped-def]
    office_user.first_name, office_user.last_name = "Anna", "Beispiel"
    office_user.save()
    member = Member.objects.get(municipality_id="05766020")
    contact = Contact.objects.create(member=member, name="Integrationsbüro", phone="05231 1")
    contact.phone = "+49 5231 <b>977</b>"
    services.contact_save(actor=office_user, member=member, data={}, contact=contact)

    client = Client()
    client.force_login(office_user)
    with translation.override("de"):
        page = client.get(
            reverse("audit-log"), {"action": "contact.update"}, HTTP_ACCEPT_LANGUAGE="de"
        )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Anna Beispiel (Potsdam) hat den Kontakt" in html
    assert f'href="{reverse("member-detail", kwargs={"ags": member.ags})}"' in html
    assert "<strong>Telefon:</strong>" in html
    assert "05231 1 → +49 5231 &lt;b&gt;977&lt;/b&gt;" in html
    assert "<b>977</b>" not in html


@pytest.mark.django_db
def test_values_are_formatted_and_unknown_actions_still_show(office_user) -> None:  # type: ignore[no-untyped-def]
    member = Member.objects.get(municipality_id="05766020")
    entries = [
        AuditEntry(
            actor=office_user,
            actor_label="x",
            action="member.update",
            object_type="members.member",
            object_id=str(member.pk),
            object_repr=member.name,
            before={"joined_on": "2019-06-14", "state_id": "05"},
            after={"joined_on": "2020-01-02", "state_id": "03"},
        ),
        AuditEntry(actor_label="<script>", action="made.up", object_repr="<i>x</i>"),
    ]
    with translation.override("de"):
        rows = readable(entries)
    changes = {c.label: (c.old, c.new) for c in rows[0].changes}
    assert changes["Bündnisbeitritt"] == ("14.06.2019", "02.01.2020")
    assert changes["Bundesland"] == ("Nordrhein-Westfalen", "Niedersachsen")
    assert not rows[1].registered
    assert "&lt;script&gt;" in rows[1].sentence and "<i>" not in rows[1].sentence
