"""Households: pseudonymous, the office's alone before approval, every view logged."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from hafennetz.admission import services
from hafennetz.admission.demo import demo_contingent, seed_demo_admission
from hafennetz.admission.models import Contingent, Household
from hafennetz.core.access import AccessDenied
from hafennetz.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def contingent() -> Contingent:
    seed_demo_admission()
    return demo_contingent()


def _data(**overrides):  # type: ignore[no-untyped-def]
    return {
        "case_id": "T-0001",
        "age_0_2": 0,
        "age_3_5": 1,
        "age_6_17": 1,
        "age_18_64": 2,
        "age_65_plus": 0,
        "needs": ["dialysis"],
        "links": [],
        "preferences": [],
    } | overrides


def test_demo_contingent_has_about_300_persons(contingent) -> None:
    sizes = [h.size for h in Household.objects.filter(contingent=contingent)]
    assert 300 <= sum(sizes) < 310
    assert all(h.is_demo for h in Household.objects.filter(contingent=contingent))


def test_office_adds_a_household_and_the_audit_carries_no_free_text(
    office_user, contingent
) -> None:
    household = services.household_save(actor=office_user, contingent=contingent, data=_data())
    entry = AuditEntry.objects.get(action="household.create", object_id=str(household.pk))
    assert set(entry.after) <= {
        "id", "contingent_id", "case_id", "age_0_2", "age_3_5", "age_6_17", "age_18_64",
        "age_65_plus", "needs", "links", "preferences", "batch", "anonymised_at", "is_demo",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"age_18_64": 0, "age_3_5": 0, "age_6_17": 0}, "age_18_64"),
        ({"links": [{"case": "NOPE", "kind": "same_municipality"}]}, "links"),
        ({"links": [{"case": "T-0001", "kind": "same_municipality"}]}, "links"),
        ({"preferences": ["09999999"]}, "preferences"),
        ({"case_id": "D-0001"}, "case_id"),
        ({"needs": ["<script>"]}, "needs"),
    ],
)
def test_contradictions_are_field_errors(office_user, contingent, overrides, field) -> None:
    with pytest.raises(ValidationError) as caught:
        services.household_save(actor=office_user, contingent=contingent, data=_data(**overrides))
    assert field in caught.value.message_dict


def test_member_staff_never_see_or_write_households(client: Client, member_user, contingent):  # type: ignore[no-untyped-def]
    with pytest.raises(AccessDenied):
        services.household_save(actor=member_user, contingent=contingent, data=_data())
    client.force_login(member_user)
    household = Household.objects.filter(contingent=contingent).first()
    assert client.get(reverse("household-list", kwargs={"pk": contingent.pk})).status_code == 403
    assert client.get(reverse("household-edit", kwargs={"pk": household.pk})).status_code == 403


def test_each_view_is_logged(client: Client, office_user, contingent) -> None:
    client.force_login(office_user)
    before = AuditEntry.objects.filter(action="household.view").count()
    assert client.get(reverse("household-list", kwargs={"pk": contingent.pk})).status_code == 200
    household = Household.objects.filter(contingent=contingent).first()
    assert client.get(reverse("household-edit", kwargs={"pk": household.pk})).status_code == 200
    assert AuditEntry.objects.filter(action="household.view").count() == before + 2


def test_linked_household_cannot_be_deleted_alone(office_user, contingent) -> None:
    linked = Household.objects.filter(contingent=contingent).exclude(links=[]).first()
    assert linked is not None
    with pytest.raises(ValidationError):
        services.household_delete(actor=office_user, household=linked)
    lonely = Household.objects.filter(contingent=contingent, links=[]).first()
    services.household_delete(actor=office_user, household=lonely)
    assert not Household.objects.filter(pk=lonely.pk).exists()


def test_form_with_hostile_input(client: Client, office_user, contingent) -> None:
    client.force_login(office_user)
    response = client.post(
        reverse("household-create", kwargs={"contingent_pk": contingent.pk}),
        {
            "case_id": "Max Mustermann",
            "age_18_64": "9" * 30,
            "links": "X:teleport",
            "preferences": "=cmd|' /C calc'!A0",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"case_id", "age_18_64", "links", "preferences"} <= set(errors)
