"""The Austausch: practices (rights, bad input, uploads), search on both databases, helpful
marks and comments with the author's e-mail, peer suggestions from the Lagebild, contact
requests, the overview, references and the digest. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hafennetz.core.access import AccessDenied
from hafennetz.core.models import AuditEntry
from hafennetz.exchange import search, selectors, services
from hafennetz.exchange.models import (
    Attachment,
    ContactRequest,
    Practice,
    PracticeComment,
    RequestStatus,
    TopicOptIn,
)
from hafennetz.exchange.tasks import send_digest_to, unsubscribe_token
from hafennetz.members.models import Contact, Member
from hafennetz.situation.models import Topic
from tests.queued import work_off_queue

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def _input(**changes: object) -> services.PracticeInput:
    data: dict[str, object] = {
        "title": "Testpraxis Wohnraum",
        "summary": "Wir vermitteln Wohnungen.",
        "problem": "Zu wenige Wohnungen.",
        "what_was_done": "Eine Wohnungsbörse.",
        "results": "Viele Umzüge.",
        "topics": [Topic.objects.get(code="housing")],
    }
    data.update(changes)
    return services.PracticeInput(**data)  # type: ignore[arg-type]


# --- search: the same hits on SQLite (FTS5) and PostgreSQL (tsvector) -----------------------

# (query, titles that must be among the hits, titles that must not be) on the demo data.
QUERIES = [
    ("Wohnungen", {"Wohnungen statt Turnhallen: kommunale Mietgarantie"}, set()),
    ("Wohnung", {"Wohnungen statt Turnhallen: kommunale Mietgarantie"}, set()),
    ("Kita", {"Quereinstieg in die Kita für zugewanderte Fachkräfte"}, set()),
    ("Ehrenamtliche", {"Wohnpatenschaften mit Ehrenamtlichen"}, set()),
    ("Impfquote", {"Impfsprechstunde in der Unterkunft"}, {"Sprachcafés in der Stadtbibliothek"}),
    ("Hebammen Schwangere", {"Hebammensprechstunde für Schwangere"}, set()),
    ("Turnhallen Container", set(), {"Wohnungen statt Turnhallen: kommunale Mietgarantie"}),
]


@pytest.mark.parametrize(("query", "must", "must_not"), QUERIES)
def test_search_finds_stemmed_words(
    office_user, query: str, must: set[str], must_not: set[str]
) -> None:  # type: ignore[no-untyped-def]
    hits = {
        p.title for p in selectors.practices_search(office_user, selectors.SearchFilters(q=query))
    }
    assert must <= hits, (query, hits)
    assert not (must_not & hits), (query, hits)


def test_search_gives_the_same_hits_on_both_databases(office_user) -> None:  # type: ignore[no-untyped-def]
    """The hit sets of a fixed list of queries on the demo data, written down once: the test
    runs in the SQLite pass and in the PostgreSQL pass, so both must give exactly these."""
    got = {
        q: sorted(
            p.title
            for p in selectors.practices_search(office_user, selectors.SearchFilters(q=q))
            if p.is_demo
        )
        for q in SAME_ON_BOTH
    }
    assert got == SAME_ON_BOTH


SAME_ON_BOTH: dict[str, list[str]] = {
    "Wohnungen": [
        "Ausbildungsbegleitung für Geflüchtete",
        "Auszugsmanagement aus der Gemeinschaftsunterkunft",
        "Modulbauten mit Nachnutzung als Sozialwohnungen",
        "Sozialberatung im Quartier statt in der Unterkunft",
        "Wohnpatenschaften mit Ehrenamtlichen",
        "Wohnungen statt Turnhallen: kommunale Mietgarantie",
    ],
    "Wohnung": [
        "Ausbildungsbegleitung für Geflüchtete",
        "Auszugsmanagement aus der Gemeinschaftsunterkunft",
        "Modulbauten mit Nachnutzung als Sozialwohnungen",
        "Sozialberatung im Quartier statt in der Unterkunft",
        "Wohnpatenschaften mit Ehrenamtlichen",
        "Wohnungen statt Turnhallen: kommunale Mietgarantie",
    ],
    "Kita": [
        "Brückenangebote vor dem Kita-Platz",
        "Integrationskurs mit Kinderbetreuung",
        "Mehrsprachige Kita-Platzvergabe",
        "Quereinstieg in die Kita für zugewanderte Fachkräfte",
    ],
    "Kinder": [
        "Brückenangebote vor dem Kita-Platz",
        "Impfsprechstunde in der Unterkunft",
        "Integrationskurs mit Kinderbetreuung",
        "Kindertagespflege in Unterkünften",
        "Mehrsprachige Kita-Platzvergabe",
        "Schulplatzkoordination im Bildungsbüro",
        "Willkommensklassen mit festem Übergang",
    ],
    "Sprachkurse": [
        "Berufssprachkurse im Betrieb",
        "Integrationskurs mit Kinderbetreuung",
        "Kindertagespflege in Unterkünften",
        "Online-Sprachkurse für den ländlichen Raum",
        "Sprachkurswarteliste zentral führen",
    ],
    "Sprachkurs Kinderbetreuung": [],
    "Ehrenamtliche": [
        "Ausbildungsbegleitung für Geflüchtete",
        "Ehrenamtskoordination mit Einsatzbörse",
        "Sprachcafés in der Stadtbibliothek",
        "Wohnpatenschaften mit Ehrenamtlichen",
    ],
    "Geflüchtete": [
        "Ausbildungsbegleitung für Geflüchtete",
        "Gesundheitskarte vom ersten Tag",
        "Mehrsprachige Kita-Platzvergabe",
        "Modulbauten mit Nachnutzung als Sozialwohnungen",
        "Sozialberatung im Quartier statt in der Unterkunft",
        "Wohnungen statt Turnhallen: kommunale Mietgarantie",
    ],
    "Schule": [
        "Brückenangebote vor dem Kita-Platz",
        "Interkommunale Kooperation bei Sprachmittlung",
        "Lernpatenschaften mit Studierenden",
        "Schulplatzkoordination im Bildungsbüro",
    ],
    "Ausbildung": [
        "Ausbildungsbegleitung für Geflüchtete",
        "Berufsschulklassen für junge Erwachsene",
    ],
    "Gesundheitskarte": [
        "Gesundheitskarte vom ersten Tag",
    ],
    "Impfquote": [
        "Impfsprechstunde in der Unterkunft",
    ],
    "Hebammen Schwangere": [
        "Hebammensprechstunde für Schwangere",
    ],
    "Fachkräfte": [
        "Brückenangebote vor dem Kita-Platz",
        "Quereinstieg in die Kita für zugewanderte Fachkräfte",
        "Springerpool für die Unterkünfte",
    ],
    "Unterkünfte": [
        "Auszugsmanagement aus der Gemeinschaftsunterkunft",
        "Hebammensprechstunde für Schwangere",
        "Impfsprechstunde in der Unterkunft",
        "Jobbörse in der Unterkunft",
        "Kindertagespflege in Unterkünften",
        "Lernpatenschaften mit Studierenden",
        "Mehrsprachige Kita-Platzvergabe",
        "Modulbauten mit Nachnutzung als Sozialwohnungen",
        "Sozialberatung im Quartier statt in der Unterkunft",
        "Springerpool für die Unterkünfte",
    ],
    "Container Turnhallen": [],
    "digitale Akten": [
        "Entlastung durch digitale Akten",
    ],
    "Jobcenter": [
        "Auszugsmanagement aus der Gemeinschaftsunterkunft",
        "Jobbörse in der Unterkunft",
    ],
    "Sozialarbeit": [
        "Auszugsmanagement aus der Gemeinschaftsunterkunft",
        "Digitale Terminvergabe der Ausländerbehörde",
        "Sozialberatung im Quartier statt in der Unterkunft",
        "Springerpool für die Unterkünfte",
    ],
    "Familien": [
        "Gesundheitslotsinnen aus der Community",
        "Mehrsprachige Kita-Platzvergabe",
        "Wohnpatenschaften mit Ehrenamtlichen",
        "Wohnungen statt Turnhallen: kommunale Mietgarantie",
    ],
}


def test_search_terms_match_postgresql_stemming() -> None:
    assert search.terms("Wohnungen für Geflüchtete und die Häuser") == [
        "wohnung",
        "gefluchtet",
        "haus",
    ]


def test_search_filters_and_hostile_queries(office_user) -> None:  # type: ignore[no-untyped-def]
    housing = selectors.practices_search(office_user, selectors.SearchFilters(topic="housing"))
    assert housing and all("housing" in {t.code for t in p.topics.all()} for p in housing)
    for q in ['"', "AND OR NOT", "wohn*", "NEAR(a b)", "'; DROP TABLE x", "\x00", "ß" * 500]:
        selectors.practices_search(office_user, selectors.SearchFilters(q=q))


def test_anonymous_sees_only_public_published(client: Client) -> None:
    response = client.get("/austausch/praxis/?q=Wohnung")
    assert response.status_code == 200
    titles = {p.title for p in response.context["practices"]}
    assert "Wohnungen statt Turnhallen: kommunale Mietgarantie" in titles
    alliance = Practice.objects.filter(visibility="alliance", status="published").first()
    assert alliance is not None
    assert alliance.title not in {p.title for p in response.context["practices"]}
    assert client.get(f"/austausch/praxis/{alliance.pk}/").status_code == 302  # to the login


# --- practices: rights and bad input ----------------------------------------------------------


def test_member_writes_only_for_its_own_member(member_user, other_member) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AccessDenied):
        services.practice_save(actor=member_user, member=other_member, data=_input())
    own = Member.objects.get(municipality_id="05766020")
    practice = services.practice_save(actor=member_user, member=own, data=_input())
    assert practice.status == "draft"
    assert AuditEntry.objects.filter(action="practice.create", object_id=str(practice.pk)).exists()
    hits = selectors.practices_search(member_user, selectors.SearchFilters(q="Wohnungsbörse"))
    assert practice in hits


def test_bad_practice_input_is_refused_in_german_and_writes_nothing(
    client: Client, member_user
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(member_user)
    before = Practice.objects.count()
    topic = Topic.objects.get(code="housing")
    for data in [
        {"title": "", "summary": "", "problem": "", "what_was_done": "", "results": ""},
        {"title": "x" * 201, "summary": "s", "problem": "p", "what_was_done": "w", "results": "r"},
        {"title": "t", "summary": "s" * 601, "problem": "p", "what_was_done": "w", "results": "r"},
        {"title": "t", "summary": "   ", "problem": "p", "what_was_done": "w", "results": "r"},
        {"title": "a\r\nb", "summary": "s", "problem": "p", "what_was_done": "w", "results": "r"},
        {
            "title": "t",
            "summary": "s",
            "problem": "p",
            "what_was_done": "w",
            "results": "r",
            "links": "javascript:alert(1)",
        },
    ]:
        response = client.post(
            "/austausch/praxis/neu/",
            {**data, "topics": topic.pk, "visibility": "alliance"},
            HTTP_ACCEPT_LANGUAGE="de",
        )
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    assert Practice.objects.count() == before
    response = client.post(
        "/austausch/praxis/neu/",
        {
            "title": "t",
            "summary": "s",
            "problem": "p",
            "what_was_done": "w",
            "results": "r",
            "topics": topic.pk,
            "visibility": "alliance",
            "links": "javascript:alert(1)",
        },
    )
    assert "ist keine Webadresse" in response.content.decode()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_text_as_search_or_comment_never_breaks(member_user, text: str) -> None:  # type: ignore[no-untyped-def]
    selectors.practices_search(member_user, selectors.SearchFilters(q=text))
    practice = Practice.objects.filter(status="published", visibility="public").first()
    assert practice is not None
    try:
        services.comment_add(actor=member_user, practice=practice, kind="comment", text=text)
    except ValidationError:
        assert not text.strip() or "\x00" in text


# --- uploads ----------------------------------------------------------------------------------


def test_uploads_checked_by_content(member_user, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    own = Member.objects.get(municipality_id="05766020")
    practice = services.practice_save(actor=member_user, member=own, data=_input())
    ok = services.attachment_add(
        actor=member_user, practice=practice, upload=SimpleUploadedFile("plan.pdf", PDF)
    )
    assert ok.content_type == "application/pdf" and ok.stored_name != "plan.pdf"
    assert (tmp_path / "exchange" / ok.stored_name).read_bytes() == PDF
    for name, content, _message in [
        ("bild.png", PDF, "nicht, was sein Name sagt"),
        ("plan.pdf", b"MZ\x90\x00 not a pdf", "keine PDF"),
        ("plan.pdf", b"", "leer"),
        ("../../etc/passwd.pdf", b"<html><script>", "keine PDF"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.attachment_add(
                actor=member_user, practice=practice, upload=SimpleUploadedFile(name, content)
            )
        assert exc.value.messages
    big = SimpleUploadedFile("gross.png", PNG + b"\x00" * (5 * 1024 * 1024))
    with pytest.raises(ValidationError):
        services.attachment_add(actor=member_user, practice=practice, upload=big)
    assert Attachment.objects.filter(practice=practice).count() == 1
    assert len(list((tmp_path / "exchange").iterdir())) == 1


def test_attachment_of_a_draft_is_served_only_to_its_member(
    client: Client, member_user, other_member, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    own = Member.objects.get(municipality_id="05766020")
    practice = services.practice_save(actor=member_user, member=own, data=_input())
    attachment = services.attachment_add(
        actor=member_user, practice=practice, upload=SimpleUploadedFile("plan.pdf", PDF)
    )
    client.force_login(member_user)
    response = client.get(f"/austausch/anhang/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["X-Content-Type-Options"] == "nosniff"
    client.logout()
    assert client.get(f"/austausch/anhang/{attachment.pk}/").status_code == 302


# --- helpful, comments, e-mail to the author --------------------------------------------------


def test_helpful_and_question_notify_the_author_by_background_task(member_user) -> None:  # type: ignore[no-untyped-def]
    practice = (
        Practice.objects.filter(status="published")
        .exclude(member__municipality_id="05766020")
        .exclude(helpful__user=member_user)
        .first()
    )
    assert practice is not None
    contact = practice.contact
    mail.outbox.clear()
    assert services.helpful_toggle(actor=member_user, practice=practice) is True
    comment = services.comment_add(
        actor=member_user, practice=practice, kind="question", text="Wie lange dauerte das?"
    )
    assert mail.outbox == []  # not in the request
    work_off_queue()
    if contact is not None and contact.email:
        to_author = [m for m in mail.outbox if contact.email in m.to]
        assert len(to_author) == 2
        assert any("Wie lange dauerte das?" in m.body for m in to_author)
    assert services.helpful_toggle(actor=member_user, practice=practice) is False
    assert PracticeComment.objects.filter(pk=comment.pk).exists()


def test_drafts_cannot_be_marked_or_commented(member_user, office_user) -> None:  # type: ignore[no-untyped-def]
    own = Member.objects.get(municipality_id="05766020")
    draft = services.practice_save(actor=member_user, member=own, data=_input())
    with pytest.raises(AccessDenied):
        services.helpful_toggle(actor=office_user, practice=draft)


# --- peer learning and contact requests -------------------------------------------------------


def test_peer_suggestions_only_opted_in_and_explained(member_user) -> None:  # type: ignore[no-untyped-def]
    own = Member.objects.get(municipality_id="05766020")
    learning = selectors.peer_suggestions(member_user, own)
    assert learning.survey_round is not None
    opted = set(TopicOptIn.objects.values_list("member_id", "topic_id"))
    for suggestion in learning.suggestions:
        assert suggestion.strain in (3, 4)
        for peer in suggestion.peers:
            assert (peer.member.pk, suggestion.topic.pk) in opted
            assert peer.reasons
            assert peer.member.pk != own.pk
            assert peer.strain in (None, 1, 2, 3, 4)


def test_contact_request_flow_hides_the_address_until_accepted(
    client: Client, member_user, state_coordinator
) -> None:  # type: ignore[no-untyped-def]
    kiel = Member.objects.get(municipality_id="01002000")
    topic = Topic.objects.get(code="housing")
    opt_in = TopicOptIn.objects.get(member=kiel, topic=topic)
    assert not opt_in.contact.is_public
    mail.outbox.clear()
    request = services.contact_request_create(
        actor=member_user, to_member=kiel, topic=topic, message="Hallo Kiel", from_contact=None
    )
    work_off_queue()
    assert {a for m in mail.outbox for a in m.to} >= {opt_in.contact.email}
    client.force_login(member_user)
    page = client.get(f"/austausch/anfragen/{request.pk}/").content.decode()
    assert opt_in.contact.email not in page
    # Only the peer answers; twice is refused.
    response = client.post(f"/austausch/anfragen/{request.pk}/", {"decision": "accept"})
    assert response.status_code == 403
    services.contact_request_answer(
        actor=state_coordinator, request=request, accept=True, answer="Gern"
    )
    with pytest.raises(ValidationError):
        services.contact_request_answer(
            actor=state_coordinator, request=request, accept=False, answer=""
        )
    page = client.get(f"/austausch/anfragen/{request.pk}/").content.decode()
    assert opt_in.contact.email in page and "Gern" in page


def test_request_to_a_member_that_did_not_opt_in_is_refused(client: Client, member_user) -> None:  # type: ignore[no-untyped-def]
    topic = Topic.objects.get(code="health")
    peer = (
        Member.objects.alliance()
        .exclude(exchange_opt_ins__topic=topic)
        .exclude(municipality_id="05766020")
        .first()
    )
    assert peer is not None
    client.force_login(member_user)
    before = ContactRequest.objects.count()
    response = client.post(
        f"/austausch/anfragen/neu/{peer.ags}/",
        {"topic": topic.pk, "message": "Hallo"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 200
    assert "nicht gesendet" in response.content.decode()
    assert ContactRequest.objects.count() == before
    response = client.post(
        f"/austausch/anfragen/neu/{peer.ags}/", {"topic": topic.pk, "message": "   "}
    )
    assert response.status_code == 200 and ContactRequest.objects.count() == before


# --- overview, seeding, references, digest ----------------------------------------------------


def test_overview_state_coordination_sees_its_state_only(state_coordinator) -> None:  # type: ignore[no-untyped-def]
    data = selectors.overview(state_coordinator, ["01"])
    assert data.rows and all(r.member.state_id == "01" for r in data.rows)
    assert any(c is not None for r in data.rows for c in r.cells)


def test_participant_file_and_small_group_round(client: Client, office_user) -> None:  # type: ignore[no-untyped-def]
    from hafennetz.meetings.models import Meeting

    meeting = Meeting.objects.filter(closed_at__isnull=True).order_by("starts_at").last()
    assert meeting is not None
    client.force_login(office_user)
    response = client.get(f"/austausch/uebersicht/treffen/{meeting.pk}/teilnehmende.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id,name,email,member,member_name,state,role,size_class")
    from hafennetz.engines.grouping.csvio import parse_participants

    # The breakout planner reads it as it is (hafennetz plan-groups participants.csv).
    assert len(parse_participants(text)) == meeting.registrations.filter(status="confirmed").count()


def test_digest_and_signed_unsubscribe(client: Client, member_user) -> None:  # type: ignore[no-untyped-def]
    practice = (
        Practice.objects.filter(status="published")
        .exclude(member__municipality_id="05766020")
        .first()
    )
    assert practice is not None
    services.helpful_toggle(actor=member_user, practice=practice)
    since = timezone.now() - dt.timedelta(minutes=1)
    other = (
        Member.objects.exclude(pk=practice.member_id).exclude(municipality_id="05766020").first()
    )
    from django.contrib.auth import get_user_model

    from hafennetz.members.models import StaffAccount

    someone = get_user_model().objects.create_user(
        username="digest@test.example", email="digest@test.example"
    )
    StaffAccount.objects.create(user=someone, member=other)  # type: ignore[misc]
    services.comment_add(actor=someone, practice=practice, kind="comment", text="Neu")
    mail.outbox.clear()
    assert send_digest_to(member_user, now=timezone.now()) >= 1
    assert "Neu" in mail.outbox[-1].body and "/austausch/abbestellen/" in mail.outbox[-1].body
    token = unsubscribe_token(member_user.pk)
    assert client.get(f"/austausch/abbestellen/{token}/").status_code == 200
    assert client.get(f"/austausch/abbestellen/{token}x/").status_code == 400
    client.post(f"/austausch/abbestellen/{token}/")
    assert member_user.pk not in {u.pk for u in selectors.digest_recipients()}
    assert since < timezone.now()


def test_demo_data(db) -> None:  # type: ignore[no-untyped-def]
    assert Practice.objects.filter(is_demo=True).count() >= 30
    assert ContactRequest.objects.filter(is_demo=True, status=RequestStatus.OPEN).exists()
    assert set(Topic.objects.filter(practices__is_demo=True).values_list("code", flat=True)) >= {
        "housing",
        "childcare",
        "school",
        "labour",
        "social",
        "staff",
        "health",
        "language",
    }
    assert Contact.objects.filter(member__municipality_id="05766020").exists()


def test_agenda_item_references_a_practice_and_a_position(office_user) -> None:  # type: ignore[no-untyped-def]
    from hafennetz.exchange.models import Reference
    from hafennetz.meetings.models import Meeting
    from hafennetz.positions import selectors as positions_selectors

    meeting = Meeting.objects.filter(closed_at__isnull=True, blocks__isnull=False).first()
    assert meeting is not None
    block = meeting.blocks.first()
    practice = Practice.objects.filter(status="published").first()
    position = positions_selectors.visible_positions(office_user).first()
    assert practice is not None and position is not None
    services.reference_add(actor=office_user, practice=practice, block=block)
    services.reference_add(actor=office_user, position=position, block=block)
    with pytest.raises(ValidationError):
        services.reference_add(actor=office_user, practice=practice, block=block)
    with pytest.raises(ValidationError):
        services.reference_add(actor=office_user, block=block)
    refs = selectors.references_of(block=block)
    assert {r.target for r in refs} >= {practice, position}
    assert Reference.objects.filter(block=block).count() == 2


def test_a_contact_of_a_request_can_still_be_deleted(client: Client, member_user) -> None:  # type: ignore[no-untyped-def]
    from hafennetz.members import services as member_services

    request = ContactRequest.objects.filter(is_demo=True).first()
    assert request is not None and request.to_contact is not None
    member_services.contact_delete(actor=member_user, contact=request.to_contact)
    request.refresh_from_db()
    assert request.to_contact is None
    client.force_login(member_user)
    assert client.get(f"/austausch/anfragen/{request.pk}/").status_code == 200


def test_digest_command_queues_or_sends(member_user) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("send_exchange_digest", "--queue", stdout=out)
    assert "queued" in out.getvalue()
    assert work_off_queue() >= 1


def test_library_and_overview_take_a_bounded_number_of_queries(
    client: Client, office_user, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(office_user)
    with django_assert_max_num_queries(25):
        assert client.get("/austausch/praxis/?q=Wohnungen").status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get("/austausch/uebersicht/").status_code == 200


def test_digest_lists_positions_in_their_comment_phase(member_user) -> None:  # type: ignore[no-untyped-def]
    from hafennetz.exchange.models import DigestSetting
    from hafennetz.positions.models import Position, PositionStatus

    position = Position.objects.filter(status=PositionStatus.COMMENTING).first()
    assert position is not None
    DigestSetting.objects.update_or_create(
        user=member_user, defaults={"last_sent_at": timezone.now() - dt.timedelta(days=3650)}
    )
    mail.outbox.clear()
    assert send_digest_to(member_user, now=timezone.now()) >= 1
    assert position.title in mail.outbox[-1].body
