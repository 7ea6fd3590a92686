"""Registry pages through HTTP: refusals that say what was refused, audited contact changes,
imports that cannot break the server, the export's round trip."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hafennetz.core.models import AuditEntry
from hafennetz.members.models import Contact, Member

pytestmark = pytest.mark.django_db

OWN = "05766020"  # Detmold
OTHER = "03254021"  # Hildesheim


@pytest.fixture
def office(client: Client, office_user) -> Client:  # type: ignore[no-untyped-def]
    client.force_login(office_user)
    return client


@pytest.fixture
def staff(client: Client, member_user) -> Client:  # type: ignore[no-untyped-def]
    client.force_login(member_user)
    return client


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("member-directory", {}),
        ("member-detail", {"ags": OWN}),
        ("members-export", {"fmt": "csv"}),
        ("my-member", {}),
        ("territory-search", {}),
    ],
)
def test_read_only_pages_answer_post_with_405(office: Client, name: str, kwargs: dict) -> None:
    assert office.post(reverse(name, kwargs=kwargs)).status_code == 405


def test_refusal_says_what_was_refused(staff: Client) -> None:
    response = staff.get(reverse("member-edit", args=[OTHER]), HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 403
    assert "Nur die Verwaltung von Hildesheim und die Koordinierungsstelle" in (
        response.content.decode()
    )
    response = staff.post(reverse("member-create"), {"ags": "01051001"})
    assert response.status_code == 403
    assert "Mitglieder aufnehmen" in response.content.decode()


def test_contact_change_through_the_page_is_audited_with_before_and_after(
    staff: Client, own_member
) -> None:
    """Failed on the old main: the ModelForm changed the instance before the snapshot."""
    contact = Contact.objects.create(member=own_member, name="Alt", function="Büro")
    response = staff.post(
        reverse("contact-edit", args=[OWN, contact.pk]), {"name": "Neu", "function": "Büro"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="contact.update").latest("id")
    assert (entry.before, entry.after) == ({"name": "Alt"}, {"name": "Neu"})


def test_the_export_reimports_as_no_changes(office: Client) -> None:
    for fmt in ("csv", "xlsx"):
        exported = office.get(reverse("members-export", args=[fmt]))
        assert exported.status_code == 200
        upload = SimpleUploadedFile(f"export.{fmt}", exported.content)
        response = office.post(reverse("members-import"), {"file": upload})
        assert response.status_code == 200
        preview = response.context["preview"]
        assert preview is not None and preview.is_valid, preview.error_rows[:3]
        assert (preview.creates, preview.updates) == (0, 0)
        assert preview.unchanged == Member.objects.count()


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 50,  # a binary file named .csv
        b'ags,name\n05766020,"' + b"x" * 140_000 + b'"\n',  # a field over the csv limit
        b"\xff\xfe\x00a\x00g\x00s",  # UTF-16 with NUL bytes
        b'ags\n"unterminated\n',
    ],
)
def test_bad_uploads_get_a_message_not_a_500(office: Client, content: bytes) -> None:
    before = AuditEntry.objects.count()
    upload = SimpleUploadedFile("mitglieder.csv", content)
    response = office.post(reverse("members-import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["form"].errors or not response.context["preview"].is_valid
    assert AuditEntry.objects.count() == before


def test_confirmation_needs_the_signed_rows_of_a_preview(office: Client, own_member) -> None:
    website = own_member.website
    forged = {"rows": '[[2, {"ags": "05766020", "website": "https://evil.example"}]]'}
    response = office.post(reverse("members-import-confirm"), forged)
    assert response.status_code == 302 and response["Location"] == reverse("members-import")
    own_member.refresh_from_db()
    assert own_member.website == website


def test_preview_then_confirm_imports(office: Client, own_member) -> None:
    upload = SimpleUploadedFile("m.csv", b"ags,website\n05766020,https://www.detmold.de/neu\n")
    page = office.post(reverse("members-import"), {"file": upload}).content.decode()
    signed = re.search(r'name="rows" value="([^"]+)"', page)
    assert signed is not None
    response = office.post(reverse("members-import-confirm"), {"rows": signed.group(1)})
    assert response.status_code == 302
    own_member.refresh_from_db()
    assert own_member.website == "https://www.detmold.de/neu"


@pytest.mark.parametrize(
    ("language", "phrase"),
    [
        ("de", "Auch eine leere Zelle lässt den Wert des Mitglieds unverändert"),
        ("en", "An empty cell leaves the member's value unchanged as well"),
    ],
)
def test_the_import_page_documents_what_an_update_changes(
    office: Client, language: str, phrase: str
) -> None:
    office.cookies["django_language"] = language
    response = office.get(reverse("members-import"), HTTP_ACCEPT_LANGUAGE=language)
    assert phrase in response.content.decode()


def test_adding_a_city_twice_shows_a_field_message(office: Client) -> None:
    member = Member.objects.filter(municipality__district__district_type="Kreisfreie Stadt").first()
    assert member is not None
    response = office.post(reverse("member-create"), {"ags": member.municipality.district_id})
    assert response.status_code == 200
    assert "ags" in response.context["form"].errors


def test_invitation_link_uses_the_request_host_without_site_url(
    office: Client, own_member, settings
) -> None:
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["hafennetz.example.org"]
    response = office.post(
        reverse("invitations"),
        {
            "member": own_member.pk,
            "first_name": "Nora",
            "last_name": "Neu",
            "email": "neu@detmold.example",
        },
        HTTP_HOST="hafennetz.example.org",
        secure=True,
    )
    assert response.status_code == 302
    assert "https://hafennetz.example.org/einladung/" in mail.outbox[-1].body


def test_templates_do_not_read_roles() -> None:
    templates = Path(__file__).parents[2] / "src/hafennetz/members/templates"
    for template in templates.rglob("*.html"):
        assert "roles." not in template.read_text(encoding="utf-8"), template
