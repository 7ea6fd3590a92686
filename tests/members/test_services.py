"""Member registry services: domain rules, bad input, audit entries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError

from hafennetz.core.models import AuditEntry, District, State
from hafennetz.members import services
from hafennetz.members.models import (
    CoordinationOfficeTerm,
    Declaration,
    Member,
    StaffAccount,
    StateCoordination,
)
from hafennetz.members.permissions import forget_roles, roles_of

pytestmark = pytest.mark.django_db


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_create_member_by_ags_of_municipality_and_district(office_user) -> None:
    free_district = District.objects.filter(member__isnull=True, state_id="03").first()
    town = services.member_create(actor=office_user, ags="01051001", joined_on=dt.date(2023, 5, 2))
    district = services.member_create(actor=office_user, ags=free_district.ags, joined_on=None)
    assert (town.name, town.state_id, town.is_district) == ("Albersdorf", "01", False)
    assert district.is_district and district.state_id == "03"
    assert district.status == "resolution_only"
    entry = AuditEntry.objects.filter(action="member.create", object_id=str(town.pk)).get()
    assert entry.actor == office_user and entry.after["joined_on"] == "2023-05-02"


@pytest.mark.parametrize("ags", ["12345678", "1234", "abcdefgh", "", "99999"])
def test_unknown_ags_is_refused_at_the_field(office_user, ags: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.member_create(actor=office_user, ags=ags, joined_on=None)
    assert "ags" in _errors(exc)


def test_duplicate_member_is_refused(office_user) -> None:
    count = Member.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.member_create(actor=office_user, ags="11000000", joined_on=dt.date(2020, 1, 1))
    assert "ags" in _errors(exc)
    assert Member.objects.count() == count


def test_joining_before_the_founding_or_in_the_future_is_refused(office_user) -> None:
    with pytest.raises(ValidationError) as exc:
        services.member_create(actor=office_user, ags="01051001", joined_on=dt.date(2019, 6, 13))
    assert "joined_on" in _errors(exc)
    with pytest.raises(ValidationError):
        services.member_create(
            actor=office_user, ags="01051001", joined_on=dt.date.today() + dt.timedelta(days=2)
        )


def test_signature_before_the_declaration_existed_is_refused(office_user, own_member) -> None:
    v2021 = Declaration.objects.get(version="2021")
    with pytest.raises(ValidationError) as exc:
        services.signature_create(
            actor=office_user,
            member=own_member,
            declaration=v2021,
            signed_on=dt.date(2021, 2, 16),
            signatory="OB",
        )
    assert "signed_on" in _errors(exc)
    signature = services.signature_create(
        actor=office_user,
        member=own_member,
        declaration=v2021,
        signed_on=dt.date(2021, 2, 17),
        signatory="Bürgermeister",
    )
    assert signature.pk and AuditEntry.objects.filter(action="signature.create").exists()
    with pytest.raises(ValidationError) as exc:  # the same version twice
        services.signature_create(
            actor=office_user,
            member=own_member,
            declaration=v2021,
            signed_on=dt.date(2022, 1, 1),
            signatory="OB",
        )
    assert "declaration" in _errors(exc)


def test_leaving_before_joining_is_refused_and_leaving_ends_coordination(office_user) -> None:
    kiel = Member.objects.get(municipality_id="01002000")
    with pytest.raises(ValidationError) as exc:
        services.member_mark_left(actor=office_user, member=kiel, left_on=dt.date(2019, 1, 1))
    assert "left_on" in _errors(exc)
    services.member_mark_left(actor=office_user, member=kiel, left_on=dt.date(2025, 1, 1))
    kiel.refresh_from_db()
    assert kiel.status == "former"
    assert not StateCoordination.objects.current().filter(member=kiel).exists()
    with pytest.raises(ValidationError):  # twice
        services.member_mark_left(actor=office_user, member=kiel, left_on=dt.date(2025, 2, 1))


def test_office_holder_cannot_leave(office_user) -> None:
    potsdam = CoordinationOfficeTerm.objects.current().get().member
    with pytest.raises(ValidationError):
        services.member_mark_left(actor=office_user, member=potsdam, left_on=dt.date(2025, 1, 1))


def test_state_coordination_moves_and_checks_the_state(office_user) -> None:
    sh = State.objects.get(pk="01")
    flensburg = Member.objects.get(municipality_id="01001000")
    with pytest.raises(ValidationError) as exc:
        services.state_coordination_assign(
            actor=office_user,
            state=State.objects.get(pk="02"),
            member=flensburg,
            starts_on=dt.date(2025, 1, 1),
        )
    assert "member" in _errors(exc)
    services.state_coordination_assign(
        actor=office_user, state=sh, member=flensburg, starts_on=dt.date(2025, 1, 1)
    )
    current = StateCoordination.objects.current().get(state=sh)
    assert current.member == flensburg
    previous = StateCoordination.objects.get(state=sh, member__municipality_id="01002000")
    assert previous.ends_on == dt.date(2024, 12, 31)


def test_hand_over_moves_the_office_role(office_user, member_user, own_member) -> None:
    assert roles_of(office_user).is_coordination_office
    services.coordination_office_hand_over(
        actor=office_user, to_member=own_member, starts_on=dt.date.today()
    )
    forget_roles(office_user)
    forget_roles(member_user)
    assert not roles_of(office_user).is_coordination_office
    assert roles_of(member_user).is_coordination_office
    with pytest.raises(ValidationError):  # to the holder itself
        services.coordination_office_hand_over(
            actor=member_user,
            to_member=own_member,
            starts_on=dt.date.today() + dt.timedelta(days=1),
        )


def test_invitation_flow_and_bad_input(office_user, own_member) -> None:
    invitation, token = services.invitation_create(
        actor=office_user, member=own_member, email="Neu@Detmold.example"
    )
    assert invitation.email == "neu@detmold.example"
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(
            actor=office_user, member=own_member, email="neu@detmold.example"
        )
    assert "email" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=token, password="123")
    assert "password1" in _errors(exc)
    user = services.invitation_accept(token=token, password="Sicherer-Hafen-42")
    assert StaffAccount.objects.get(user=user).member == own_member
    assert services.invitation_by_token(token) is None  # used
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, password="Sicherer-Hafen-42")
    with pytest.raises(ValidationError) as exc:  # an account exists now
        services.invitation_create(
            actor=office_user, member=own_member, email="neu@detmold.example"
        )
    assert "email" in _errors(exc)
    assert invitation.token_hash != token  # only the hash is stored


@pytest.mark.django_db(transaction=False)
def test_invitation_mail_is_sent_on_commit(
    office_user, own_member, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, token = services.invitation_create(
            actor=office_user, member=own_member, email="kollegin@detmold.example"
        )
    assert len(mail.outbox) == 1
    assert token in mail.outbox[0].body and mail.outbox[0].to == ["kollegin@detmold.example"]


def test_profile_update_audits_before_and_after(member_user, own_member) -> None:
    services.member_update(
        actor=member_user,
        member=own_member,
        data={"website": "https://www.detmold.de"},
        criteria={"transparency": (True, True)},
    )
    entry = AuditEntry.objects.filter(action="member.update").latest("id")
    assert entry.actor_label == get_user_model().objects.get(pk=member_user.pk).username
    assert entry.after["website"] == "https://www.detmold.de"
    assert entry.after["criteria"]["transparency"] == [True, True]
    assert "name" not in entry.after  # only what changed


def test_all_field_errors_are_reported_together(office_user) -> None:
    with pytest.raises(ValidationError) as exc:
        services.member_create(actor=office_user, ags="11000000", joined_on=dt.date(2018, 1, 1))
    assert set(_errors(exc)) == {"ags", "joined_on"}
