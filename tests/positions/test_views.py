"""Positions pages with bad input: German messages, no 500, nothing half-written; the PDF of
the Potsdamer Erklärung read back; the published event for webhooks."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from hafennetz.core import events
from hafennetz.members.models import Declaration, Member, Signature
from hafennetz.positions import services
from hafennetz.positions.models import Comment, Endorsement, Position, PositionStatus

TEXT = "Einleitung.\n\n## Forderungen\nAufnahme über die Quote."


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(user)
    return client


@pytest.fixture
def endorsing(office_user):  # type: ignore[no-untyped-def]
    position = services.position_create(actor=office_user, title="Test", summary="", text=TEXT)
    Position.objects.filter(pk=position.pk).update(status=PositionStatus.ENDORSING)
    position.refresh_from_db()
    return position


@pytest.mark.django_db
def test_oversized_and_empty_texts_are_refused_in_german(office_user) -> None:  # type: ignore[no-untyped-def]
    client = _client(office_user)
    before = Position.objects.count()
    with translation.override("de"):
        page = client.post("/positionen/neu/", {"title": "", "text": "x" * 60_001})
        html = page.content.decode()
        assert page.status_code == 200
        assert "erforderlich" in html
        assert "höchstens 60000 Zeichen" in html or "60.000" in html
        page = client.post("/positionen/neu/", {"title": "T", "text": "## Nur\n## Überschriften"})
        assert "nicht nur Überschriften" in page.content.decode()
    assert Position.objects.count() == before


@pytest.mark.django_db
def test_endorsing_twice_or_outside_the_phase(endorsing, member_user, own_member) -> None:  # type: ignore[no-untyped-def]
    client = _client(member_user)
    data = {
        "signatory_name": "Anna",
        "signatory_function": "Bürgermeisterin",
        "authorised": "on",
    }
    url = f"/positionen/{endorsing.pk}/unterstuetzen/"
    assert client.post(url, data).status_code == 302
    with translation.override("de"):
        again = client.post(url, data)
    assert again.status_code == 200
    assert "unterstützt diese Position bereits" in again.content.decode()
    assert Endorsement.objects.filter(position=endorsing).count() == 1
    endorsement = Endorsement.objects.get(position=endorsing)
    Position.objects.filter(pk=endorsing.pk).update(status=PositionStatus.PUBLISHED)
    with translation.override("de"):
        closed = client.post(
            f"/positionen/unterstuetzungen/{endorsement.pk}/zurueckziehen/", follow=True
        )
    assert closed.status_code == 200
    assert "Mitzeichnungsphase dieser Position ist abgeschlossen" in closed.content.decode()
    assert Endorsement.objects.filter(pk=endorsement.pk).exists()
    draft = services.position_create(
        actor=None, title="Entwurf", summary="", text=TEXT, coauthors=[own_member]
    )
    with translation.override("de"):
        early = client.post(f"/positionen/{draft.pk}/unterstuetzen/", data)
    assert "nicht in der Mitzeichnungsphase" in early.content.decode()
    assert not Endorsement.objects.filter(position=draft).exists()


@pytest.mark.django_db
def test_hostile_comment_input(office_user, member_user) -> None:  # type: ignore[no-untyped-def]
    position = services.position_create(actor=office_user, title="K", summary="", text=TEXT)
    services.position_move(actor=office_user, position=position, to=PositionStatus.COMMENTING)
    client = _client(member_user)
    url = f"/positionen/{position.pk}/kommentieren/"
    for data in (
        {"section": "gibt-es-nicht", "text": "Hallo"},
        {"section": "x" * 5000, "text": "Hallo"},
        {"section": "forderungen", "text": "\x00"},
        {"section": "forderungen", "text": "y" * 5001},
        {"section": "forderungen", "text": "   "},
    ):
        assert client.post(url, data).status_code == 200
    assert not Comment.objects.filter(position=position).exists()
    ok = client.post(url, {"section": "forderungen", "text": "<script>alert(1)</script>"})
    assert ok.status_code == 302
    page = client.get(f"/positionen/{position.pk}/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert client.get(f"/positionen/{position.pk}/?version=99999999999999999999").status_code == 200
    assert client.get(f"/positionen/{position.pk}/vergleich/?von=abc&bis=-1").status_code == 200


@pytest.mark.django_db
def test_declaration_pdf_lists_the_signatures() -> None:
    position = Position.objects.get(declaration__version="2019")
    response = Client().get(f"/positionen/{position.pk}/unterzeichnende.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    declaration = Declaration.objects.get(version="2019")
    first = Signature.objects.filter(declaration=declaration).order_by("member__name").first()
    assert first is not None
    assert "Potsdamer Erklärung (2019)" in text and first.member.name in text


@pytest.mark.django_db
def test_publishing_emits_the_event(
    endorsing, office_user, own_member, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    services.endorsement_create(
        actor=None,
        position=endorsing,
        member=own_member,
        signatory_name="A",
        signatory_function="B",
    )
    seen: list[tuple[str, dict[str, object]]] = []

    def listener(name: str, **ids: object) -> None:
        seen.append((name, ids))

    events.listen(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.position_move(
                actor=office_user, position=endorsing, to=PositionStatus.PUBLISHED
            )
    finally:
        events.unlisten(listener)
    assert seen == [("position.published", {"position_id": endorsing.pk})]
    assert Member.objects.filter(pk=own_member.pk).exists()
