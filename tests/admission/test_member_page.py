"""The member page shows the persons a member pledged for today (public, an aggregate of its own
offer); the link to the pledges only for those who may see them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from hafennetz.admission.models import Pledge, PledgeStatus

pytestmark = pytest.mark.django_db


def test_member_page_shows_pledged_persons(
    client: Client, own_member, member_user, other_member
) -> None:
    Pledge.objects.filter(member=own_member).delete()
    today = dt.date.today()
    for places, status in ((7, PledgeStatus.ACCEPTED), (5, PledgeStatus.OFFERED)):
        Pledge.objects.create(
            member=own_member,
            valid_from=today - dt.timedelta(days=1),
            valid_until=today + dt.timedelta(days=30),
            places_housing=places,
            status=status,
        )
    Pledge.objects.create(  # withdrawn: not counted
        member=own_member,
        valid_from=today,
        valid_until=today,
        places_housing=100,
        status=PledgeStatus.WITHDRAWN,
    )
    page = reverse("member-detail", kwargs={"ags": own_member.ags})
    link = reverse("pledges-of-member", kwargs={"ags": own_member.ags})
    text = client.get(page).content.decode()
    assert "12 Personen über die Quote hinaus für heute zugesagt." in text
    assert link not in text  # anonymous: the aggregate only
    client.force_login(member_user)
    assert link in client.get(page).content.decode()
    Pledge.objects.filter(member=other_member).delete()
    other = client.get(reverse("member-detail", kwargs={"ags": other_member.ags}))
    text = other.content.decode()
    assert "Keine aktuellen Aufnahmezusagen." in text
    assert reverse("pledges-of-member", kwargs={"ags": other_member.ags}) not in text
