"""Positions: phases, versions and diff, comments with answers traced to versions,
endorsements (one per member, only in the phase, withdrawable until it closes), the signatory
list shared with the Potsdamer Erklärung, the demand tracker, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hafennetz.core.access import AccessDenied
from hafennetz.core.models import AuditEntry
from hafennetz.members.models import Declaration, Member, Signature
from hafennetz.positions import access, selectors, services
from hafennetz.positions.models import (
    Comment,
    Endorsement,
    Position,
    PositionStatus,
    PositionVersion,
)

TEXT = (
    "Einleitung.\n\n## Ausgangslage\nViele Plätze sind frei.\n\n"
    "## Forderungen\nAufnahme über die Quote."
)


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


@pytest.fixture
def position(office_user, own_member):  # type: ignore[no-untyped-def]
    return services.position_create(
        actor=office_user, title="Test-Position", summary="", text=TEXT, coauthors=[own_member]
    )


def _endorse(user, position, member, **extra):  # type: ignore[no-untyped-def]
    return services.endorsement_create(
        actor=user,
        position=position,
        member=member,
        signatory_name="Anna Beispiel",
        signatory_function="Bürgermeisterin",
        authorised=True,
        **extra,
    )


def test_sections_parse_and_round_trip() -> None:
    sections = services.parse_sections(TEXT)
    assert [s["key"] for s in sections] == ["einleitung", "ausgangslage", "forderungen"]
    assert services.parse_sections(services.sections_text(sections)) == sections


def test_the_whole_way_from_draft_to_published(
    position, office_user, member_user, own_member, other_member
) -> None:  # type: ignore[no-untyped-def]
    audit_before = AuditEntry.objects.count()
    # a co-author's staff edits the draft: a new version
    v2 = services.position_update(
        actor=member_user,
        position=position,
        title=position.title,
        summary="",
        text=TEXT + " Jetzt.",
    )
    assert v2 is not None and v2.number == 2
    lines = selectors.diff(position.versions.get(number=1), v2)
    assert any(p.kind == "ins" and p.text == "Jetzt." for line in lines for p in line.parts)
    # comments only in the comment phase
    with pytest.raises(ValidationError, match=r"Kommentarphase|comment phase"):
        services.comment_create(
            actor=member_user,
            position=position,
            member=own_member,
            section_key="forderungen",
            text="x",
        )
    services.position_move(actor=office_user, position=position, to=PositionStatus.COMMENTING)
    comment = services.comment_create(
        actor=member_user,
        position=position,
        member=own_member,
        section_key="forderungen",
        text="Bitte Schulen nennen.",
    )
    v3 = services.position_update(
        actor=office_user,
        position=position,
        title=position.title,
        summary="",
        text=TEXT + " Mit Schulen.",
        note="Schulen ergänzt",
    )
    assert v3 is not None
    services.comment_answer(actor=office_user, comment=comment, answer="Danke!", taken_up_in=v3)
    comment.refresh_from_db()
    assert comment.taken_up_in == v3 and comment.answer == "Danke!"
    services.position_move(actor=office_user, position=position, to=PositionStatus.ENDORSING)
    # the text is fixed now
    with pytest.raises(ValidationError):
        services.position_update(
            actor=office_user, position=position, title="x", summary="", text=TEXT
        )
    endorsement = _endorse(member_user, position, own_member)
    assert endorsement.version == v3
    with pytest.raises(ValidationError) as exc:
        _endorse(member_user, position, own_member)
    assert "bereits" in _errors(exc) or "already" in _errors(exc)
    # another member's staff may not endorse for Detmold
    with pytest.raises(AccessDenied):
        _endorse(office_user, position, own_member)
    services.endorsement_withdraw(actor=member_user, endorsement=endorsement)
    endorsement = _endorse(
        member_user, position, own_member, council_decision_on=dt.date(2024, 5, 2)
    )
    services.position_move(actor=office_user, position=position, to=PositionStatus.PUBLISHED)
    position.refresh_from_db()
    assert position.published_on is not None
    # withdrawing or endorsing after the phase closed: a clear message, nothing changes
    with pytest.raises(ValidationError, match=r"abgeschlossen|closed"):
        services.endorsement_withdraw(actor=member_user, endorsement=endorsement)
    with pytest.raises(ValidationError):
        _endorse(office_user, position, Member.objects.get(municipality_id="12054000"))
    assert Endorsement.objects.filter(position=position).count() == 1
    rows = selectors.signatories(position)
    assert [r.member for r in rows] == [own_member.name]
    actions = set(AuditEntry.objects.order_by("pk")[audit_before:].values_list("action", flat=True))
    assert {
        "position.version",
        "position.phase",
        "position.comment",
        "position.comment_answer",
        "position.endorse",
        "position.endorsement_withdraw",
    } <= actions


def test_phases_are_checked(position, office_user, member_user) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        services.position_move(actor=office_user, position=position, to=PositionStatus.PUBLISHED)
    with pytest.raises(AccessDenied):
        services.position_move(actor=member_user, position=position, to=PositionStatus.COMMENTING)
    services.position_move(actor=office_user, position=position, to=PositionStatus.COMMENTING)
    services.position_move(actor=office_user, position=position, to=PositionStatus.ENDORSING)
    with pytest.raises(ValidationError, match=r"unterstützt|endorsed"):
        services.position_move(actor=office_user, position=position, to=PositionStatus.PUBLISHED)


def test_one_endorsement_per_member_is_a_database_rule(position, own_member) -> None:  # type: ignore[no-untyped-def]
    Position.objects.filter(pk=position.pk).update(status=PositionStatus.ENDORSING)
    version = position.versions.get()
    values = {
        "position": position,
        "member": own_member,
        "version": version,
        "signatory_name": "A",
        "signatory_function": "B",
        "endorsed_on": dt.date.today(),
    }
    Endorsement.objects.create(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        Endorsement.objects.create(**values)


def test_visibility(position, office_user, member_user, other_member) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import AnonymousUser

    assert position in selectors.visible_positions(member_user)  # co-author
    assert position not in selectors.visible_positions(AnonymousUser())
    assert not access.can_view_position(AnonymousUser(), position)
    services.position_move(actor=office_user, position=position, to=PositionStatus.COMMENTING)
    assert position in selectors.positions_in_comment_phase(member_user)
    assert position not in selectors.positions_in_comment_phase(AnonymousUser())
    since = position.updated_at - dt.timedelta(seconds=1)
    assert position in selectors.positions_changed_since(member_user, since)
    digest = selectors.digest_positions(member_user, since)
    assert (position.title, f"http://testserver/positionen/{position.pk}/") in digest
    assert not selectors.digest_positions(member_user, position.updated_at + dt.timedelta(hours=1))


@pytest.mark.django_db
def test_declarations_show_their_signatures_as_endorsements() -> None:
    declaration = Declaration.objects.get(version="2019")
    position = Position.objects.get(declaration=declaration)
    assert position.status == PositionStatus.PUBLISHED
    rows = selectors.signatories(position)
    assert len(rows) == Signature.objects.filter(declaration=declaration).count() > 0


def test_signature_edit_and_delete_are_audited(office_user, member_user, own_member) -> None:  # type: ignore[no-untyped-def]
    from hafennetz.members import services as member_services

    signature = Signature.objects.filter(member=own_member).first()
    assert signature is not None
    with pytest.raises(AccessDenied):
        member_services.signature_update(
            actor=member_user, signature=signature, signed_on=signature.signed_on, signatory="X"
        )
    member_services.signature_update(
        actor=office_user, signature=signature, signed_on=signature.signed_on, signatory="OB Neu"
    )
    signature.refresh_from_db()
    assert signature.signatory == "OB Neu"
    with pytest.raises(ValidationError):
        member_services.signature_update(
            actor=office_user, signature=signature, signed_on=dt.date(2010, 1, 1), signatory=" "
        )
    pk = signature.pk
    member_services.signature_delete(actor=office_user, signature=signature)
    assert not Signature.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(action="signature.delete", object_id=str(pk)).exists()


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    title=st.text(max_size=260),
    text=st.one_of(st.text(max_size=300), st.just("## A\n## B"), st.just("x" * 60_001)),
)
def test_bad_texts_never_half_write(office_user, title: str, text: str) -> None:  # type: ignore[no-untyped-def]
    before = (Position.objects.count(), PositionVersion.objects.count(), Comment.objects.count())
    try:
        services.position_create(actor=office_user, title=title, summary="", text=text)
    except ValidationError as exc:
        assert exc.message_dict
        assert before == (
            Position.objects.count(),
            PositionVersion.objects.count(),
            Comment.objects.count(),
        )
