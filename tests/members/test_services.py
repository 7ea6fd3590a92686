"""Member registry services: domain rules, bad input, audit entries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from hafennetz.core.access import AccessDenied
from hafennetz.core.models import AuditEntry, District, Municipality, State
from hafennetz.members import selectors, services
from hafennetz.members.access import forget_roles, roles_of
from hafennetz.members.models import (
    Contact,
    CoordinationOfficeTerm,
    Declaration,
    Invitation,
    Member,
    StaffAccount,
    StateCoordination,
)

pytestmark = pytest.mark.django_db


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_create_member_by_ags_of_municipality_and_district(office_user) -> None:
    free_district = District.objects.filter(
        member__isnull=True, state_id="03", district_type="Landkreis"
    ).first()
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
    assert selectors.open_invitation(token) is None  # used
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


# --- the services refuse what the actor may not write (issue 11) ------------------------------


def test_member_staff_cannot_set_the_joining_date_through_the_service(
    member_user, own_member
) -> None:
    before = Member.objects.filter(pk=own_member.pk).values().get()
    with pytest.raises(AccessDenied) as exc:
        services.member_update(
            actor=member_user, member=own_member, data={"joined_on": dt.date(2019, 7, 1)}
        )
    assert "joined" in str(exc.value)
    assert Member.objects.filter(pk=own_member.pk).values().get() == before
    # The office may; a system job (actor None) may.
    services.member_update(actor=None, member=own_member, data={"joined_on": dt.date(2019, 7, 1)})


def test_member_staff_cannot_edit_another_member_or_record_office_facts(
    member_user, other_member, own_member
) -> None:
    audit = AuditEntry.objects.count()
    with pytest.raises(AccessDenied):
        services.member_update(actor=member_user, member=other_member, data={"website": ""})
    with pytest.raises(AccessDenied):
        services.member_mark_left(actor=member_user, member=own_member, left_on=dt.date(2025, 1, 1))
    with pytest.raises(AccessDenied):
        services.signature_create(
            actor=member_user,
            member=own_member,
            declaration=Declaration.objects.get(version="2021"),
            signed_on=dt.date(2022, 1, 1),
            signatory="OB",
        )
    with pytest.raises(AccessDenied):
        services.member_create(actor=member_user, ags="01051001", joined_on=None)
    with pytest.raises(AccessDenied):
        services.invitation_create(actor=member_user, member=own_member, email="x@example.org")
    with pytest.raises(AccessDenied):
        services.members_import(actor=member_user, rows=[(2, {"ags": "01051001"})])
    assert AuditEntry.objects.count() == audit


def test_contacts_of_another_member_are_refused(member_user, own_member, other_member) -> None:
    foreign = Contact.objects.create(member=other_member, name="Fremd")
    with pytest.raises(AccessDenied):  # staff of Detmold writing Hildesheim's contact
        services.contact_save(
            actor=member_user, member=other_member, data={"name": "X"}, contact=foreign
        )
    with pytest.raises(AccessDenied):  # a foreign contact passed as if it were one's own
        services.contact_save(
            actor=member_user, member=own_member, data={"name": "X"}, contact=foreign
        )
    with pytest.raises(AccessDenied):
        services.contact_delete(actor=member_user, contact=foreign)
    foreign.refresh_from_db()
    assert foreign.name == "Fremd"


def test_contact_update_audits_before_and_after_from_the_database(member_user, own_member) -> None:
    """The form changes the instance before the service runs (ModelForm validation); the audit
    entry's before-state must still be the stored one. Fails on the old main (empty diff)."""
    from hafennetz.members.forms import ContactForm

    contact = Contact.objects.create(member=own_member, name="Alt", function="Büro")
    form = ContactForm({"name": "Neu", "function": "Büro"}, instance=contact)
    assert form.is_valid()  # has set contact.name = "Neu" already
    services.contact_save(
        actor=member_user, member=own_member, data=form.cleaned_data, contact=contact
    )
    entry = AuditEntry.objects.filter(action="contact.update").latest("id")
    assert entry.before == {"name": "Alt"}
    assert entry.after == {"name": "Neu"}


# --- integrity: one city, one member; plausible dates; no constraint names (issue 10) ---------


def _free_district_free_city() -> District:
    """A kreisfreie Stadt registered at neither level."""
    return (
        District.objects.filter(district_type="Kreisfreie Stadt", member__isnull=True)
        .exclude(municipalities__member__isnull=False)
        .order_by("ags")
        .first()
    )


@pytest.mark.parametrize("first_level", ["municipality", "district"])
def test_a_district_free_city_is_a_member_only_once(office_user, first_level: str) -> None:
    district = _free_district_free_city()
    town = district.municipalities.get()
    first, second = (
        (town.ags, district.ags)
        if first_level == "municipality"
        else (
            district.ags,
            town.ags,
        )
    )
    services.member_create(actor=office_user, ags=first, joined_on=None)
    with pytest.raises(ValidationError) as exc:
        services.member_create(actor=office_user, ags=second, joined_on=None)
    message = _errors(exc)["ags"][0]
    assert first in message and "only once" in message
    # A Landkreis and a town in it are two councils: both may be members.
    landkreis_town = Municipality.objects.filter(
        district__district_type="Landkreis", member__isnull=True, district__member__isnull=True
    ).first()
    services.member_create(actor=office_user, ags=landkreis_town.ags, joined_on=None)
    services.member_create(actor=office_user, ags=landkreis_town.district_id, joined_on=None)


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(1900, 1, 1), dt.date(2017, 12, 31)])
def test_implausible_dates_are_refused_at_the_field(office_user, own_member, day) -> None:
    with pytest.raises(ValidationError) as exc:
        services.member_create(
            actor=office_user, ags="01051001", joined_on=None, safe_harbour_resolution_on=day
        )
    assert "safe_harbour_resolution_on" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.member_update(actor=office_user, member=own_member, data={"joined_on": day})
    assert "joined_on" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.state_coordination_assign(
            actor=office_user, state=own_member.state, member=own_member, starts_on=day
        )
    assert "starts_on" in _errors(exc)


def test_constraint_violations_read_as_sentences_not_constraint_names(own_member) -> None:
    own_member.left_on = dt.date(2019, 7, 1)
    own_member.joined_on = dt.date(2020, 1, 1)
    with translation.override("de"), pytest.raises(ValidationError) as exc:
        own_member.full_clean()
    text = " ".join(exc.value.messages)
    assert "member_left_after_joined" not in text and "Austritt" in text


def test_invitation_link_uses_the_site_address_given(office_user, own_member, settings) -> None:
    settings.SITE_URL = ""
    services.invitation_create(
        actor=office_user,
        member=own_member,
        email="link@detmold.example",
        site_url="https://hafennetz.example.org",
    )
    assert "https://hafennetz.example.org/einladung/" in mail.outbox[-1].body
    assert ":8000" not in mail.outbox[-1].body


def test_invitation_is_not_saved_when_the_mail_fails(office_user, own_member, monkeypatch) -> None:
    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(actor=office_user, member=own_member, email="n@detmold.example")
    assert "email" in _errors(exc)
    assert not Invitation.objects.filter(email="n@detmold.example").exists()
    assert AuditEntry.objects.count() == audit
