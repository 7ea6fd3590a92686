"""Pledges: member staff record what they offer beyond the quota; the office sees all; the rules
hold in the services whatever interface calls them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from hafennetz.admission import selectors, services
from hafennetz.admission.models import Pledge, PledgeStatus
from hafennetz.core.access import AccessDenied
from hafennetz.core.models import AuditEntry

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def _data(**overrides):  # type: ignore[no-untyped-def]
    data = {
        "valid_from": TODAY - dt.timedelta(days=10),
        "valid_until": TODAY + dt.timedelta(days=300),
        "places_housing": 12,
        "places_barrier_free_housing": 2,
        "places_childcare": 3,
        "places_school": 4,
        "places_language_course": 6,
        "places_medical_care": 1,
        "offers": ["dialysis", "language_support"],
        "council_decision_on": None,
        "council_decision_reference": "",
        "contact": None,
        "notes": "",
    }
    return data | overrides


def test_member_staff_records_a_pledge_and_it_is_audited(member_user, own_member) -> None:
    pledge = services.pledge_create(actor=member_user, member=own_member, data=_data())
    assert pledge.status == PledgeStatus.OFFERED
    entry = AuditEntry.objects.get(action="pledge.create", object_id=str(pledge.pk))
    assert entry.after["places_housing"] == 12
    assert selectors.pledged_places(own_member).persons >= 12


def test_staff_of_another_member_is_refused_by_the_service(member_user, other_member) -> None:
    with pytest.raises(AccessDenied):
        services.pledge_create(actor=member_user, member=other_member, data=_data())
    assert not Pledge.objects.filter(member=other_member, places_housing=12).exists()


def test_service_refuses_fields_a_form_does_not_offer(member_user, own_member) -> None:
    with pytest.raises(AccessDenied):
        services.pledge_create(
            actor=member_user, member=own_member, data=_data(status=PledgeStatus.USED)
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("valid_from", dt.date(1, 1, 1)),
        ("valid_until", dt.date(1900, 1, 1)),
        ("offers", ["<script>"]),
    ],
)
def test_implausible_values_are_field_errors(member_user, own_member, field, value) -> None:
    with pytest.raises(ValidationError) as caught:
        services.pledge_create(actor=member_user, member=own_member, data=_data(**{field: value}))
    assert field in caught.value.message_dict


def test_status_moves_forward_only_and_acceptance_needs_date_and_body(
    member_user, own_member
) -> None:
    pledge = services.pledge_create(actor=member_user, member=own_member, data=_data())
    with pytest.raises(ValidationError) as caught:
        services.pledge_set_status(actor=member_user, pledge=pledge, status=PledgeStatus.ACCEPTED)
    assert {"accepted_on", "accepted_by"} <= set(caught.value.message_dict)
    services.pledge_set_status(
        actor=member_user,
        pledge=pledge,
        status=PledgeStatus.ACCEPTED,
        accepted_on=TODAY,
        accepted_by="Land Nordrhein-Westfalen",
        accepted_reference="MKJFGFI 2026/17",
    )
    services.pledge_set_status(actor=member_user, pledge=pledge, status=PledgeStatus.WITHDRAWN)
    with pytest.raises(ValidationError):
        services.pledge_set_status(actor=member_user, pledge=pledge, status=PledgeStatus.OFFERED)
    with pytest.raises(AccessDenied):
        services.pledge_update(actor=member_user, pledge=pledge, data=_data(places_housing=1))
    actions = list(
        AuditEntry.objects.filter(object_id=str(pledge.pk), object_type="admission.pledge")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["pledge.create", "pledge.accepted", "pledge.withdrawn"]


def test_update_logs_before_and_after(member_user, own_member) -> None:
    pledge = services.pledge_create(actor=member_user, member=own_member, data=_data())
    services.pledge_update(actor=member_user, pledge=pledge, data=_data(places_housing=20))
    entry = AuditEntry.objects.get(action="pledge.update", object_id=str(pledge.pk))
    assert entry.before == {"places_housing": 12}
    assert entry.after == {"places_housing": 20}


def test_pages_as_member_staff(client: Client, member_user, own_member) -> None:
    client.force_login(member_user)
    url = reverse("pledge-create", kwargs={"ags": own_member.ags})
    form = {
        "valid_from": (TODAY - dt.timedelta(days=1)).isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=100)).isoformat(),
        "places_housing": "7",
        "places_barrier_free_housing": "0",
        "places_childcare": "1",
        "places_school": "2",
        "places_language_course": "3",
        "places_medical_care": "0",
        "offers": ["trauma_therapy"],
        "notes": "<b>Ratsbeschluss folgt</b>",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    pledge = Pledge.objects.filter(member=own_member).latest("pk")
    page = client.get(reverse("pledges-of-member", kwargs={"ags": own_member.ags}))
    assert page.status_code == 200
    assert "Traumatherapie" in page.content.decode() or "Trauma therapy" in page.content.decode()
    # Absurd numbers are a field error, not a 500.
    response = client.post(
        reverse("pledge-edit", kwargs={"pk": pledge.pk}), form | {"places_housing": "9" * 30}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["places_housing"]
    pledge.refresh_from_db()
    assert pledge.places_housing == 7


def test_state_coordination_sees_but_cannot_edit(client: Client, own_member) -> None:
    from django.contrib.auth import get_user_model

    from hafennetz.members.models import StaffAccount, StateCoordination

    coordination = StateCoordination.objects.current().get(state_id=own_member.state_id)
    user = get_user_model().objects.create_user(
        username="nrw@test.example", password="x-Pw-1234567"
    )
    StaffAccount.objects.create(user=user, member=coordination.member)
    client.force_login(user)
    assert (
        client.get(reverse("pledges-of-member", kwargs={"ags": own_member.ags})).status_code == 200
    )
    response = client.get(reverse("pledge-create", kwargs={"ags": own_member.ags}))
    assert response.status_code == 403
    assert own_member.name in response.content.decode()
