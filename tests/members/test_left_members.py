"""The staff of a member that left the alliance act for no member until it rejoins (finding of
the session-4 attack review: they could still comment on positions, ask peers for contact and
open the Lagebild)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from hafennetz.members import services
from hafennetz.members.access import forget_roles, roles_of


@pytest.mark.django_db
def test_staff_of_a_left_member_lose_member_rights_until_it_rejoins(
    office_user, member_user, own_member
) -> None:  # type: ignore[no-untyped-def]
    assert roles_of(member_user).member_id == own_member.pk
    client = Client()
    client.force_login(member_user)
    edit = reverse("member-edit", kwargs={"ags": own_member.ags})
    assert client.get(edit).status_code == 200

    services.member_mark_left(actor=office_user, member=own_member, left_on=dt.date(2025, 1, 31))
    forget_roles(member_user)  # cached per request; the next request computes them anew
    assert roles_of(member_user).member_id is None
    assert client.get(edit).status_code == 403
    assert client.get(reverse("exchange-learning")).status_code in (302, 403)

    own_member.refresh_from_db()
    services.member_rejoin(actor=office_user, member=own_member, joined_on=dt.date(2025, 6, 1))
    forget_roles(member_user)  # cached per request; the next request computes them anew
    assert roles_of(member_user).member_id == own_member.pk
    assert client.get(edit).status_code == 200
