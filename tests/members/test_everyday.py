"""People, not addresses, and a member rejoining (issue 16)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from hafennetz.core.models import AuditEntry
from hafennetz.members import services
from hafennetz.members.models import Member
from hafennetz.members.selectors import member_label

pytestmark = pytest.mark.django_db


def test_invitation_names_become_the_account_names(office_user, own_member) -> None:
    invitation, token = services.invitation_create(
        actor=office_user,
        member=own_member,
        email="nora.neu@detmold.example",
        first_name=" Nora ",
        last_name="Neu",
    )
    user = services.invitation_accept(token=token, password="Ein-langes-Passwort-42")
    assert (user.first_name, user.last_name) == ("Nora", "Neu")
    assert invitation.first_name == "Nora"


def test_the_profile_sets_the_name_audited_and_shown_in_the_header(member_user) -> None:
    client = Client()
    client.force_login(member_user)
    response = client.post(reverse("account"), {"first_name": "Leyla", "last_name": ""})
    assert response.status_code == 200  # the last name is required: error summary
    assert "error-summary" in response.content.decode()
    response = client.post(reverse("account"), {"first_name": "Lea", "last_name": "Lang"})
    assert response.status_code == 302
    member_user.refresh_from_db()
    assert member_user.get_full_name() == "Lea Lang"
    assert AuditEntry.objects.filter(action="user.profile", actor=member_user).exists()
    assert "Lea Lang" in client.get(reverse("account")).content.decode()


def test_a_former_member_rejoins(office_user, own_member) -> None:
    services.member_mark_left(actor=office_user, member=own_member, left_on=dt.date(2025, 1, 31))
    with pytest.raises(ValidationError) as exc:
        services.member_rejoin(actor=office_user, member=own_member, joined_on=dt.date(2024, 1, 1))
    assert "joined_on" in exc.value.message_dict
    client = Client()
    client.force_login(office_user)
    url = reverse("member-rejoin", args=[own_member.ags])
    assert client.post(url, {"joined_on": "01.06.2025"}).status_code == 302  # German date
    own_member.refresh_from_db()
    assert own_member.status == "alliance" and own_member.joined_on == dt.date(2025, 6, 1)
    entry = AuditEntry.objects.get(action="member.rejoin", object_id=str(own_member.pk))
    assert entry.before["left_on"] == "2025-01-31"
    # Not former any more: a German sentence at the field, nothing changes.
    response = client.post(url, {"joined_on": "01.07.2025"})
    assert response.status_code == 200 and "error-summary" in response.content.decode()


def test_leaving_needs_the_confirmation(office_user, own_member) -> None:
    client = Client()
    client.force_login(office_user)
    url = reverse("member-leave", args=[own_member.ags])
    assert client.post(url, {"left_on": "2025-01-31"}).status_code == 200
    own_member.refresh_from_db()
    assert own_member.left_on is None
    assert client.post(url, {"left_on": "2025-01-31", "confirm": "on"}).status_code == 302


def test_namesakes_are_told_apart() -> None:
    members = Member.objects.select_related("state")
    district = members.filter(district__isnull=False).first()
    town = members.filter(municipality__isnull=False).first()
    assert district is not None and town is not None
    assert member_label(district) != member_label(town).replace(town.name, district.name)
    assert district.state.name in member_label(district)
