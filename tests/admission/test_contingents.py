"""Contingents and key tables: the coordination office's work, checked in the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from hafennetz.admission import selectors, services
from hafennetz.admission.demo import seed_demo_admission, shipped_key_table
from hafennetz.admission.models import Contingent, KeyKind, Programme
from hafennetz.core.access import AccessDenied
from hafennetz.core.models import AuditEntry

pytestmark = pytest.mark.django_db

YEAR = dt.date.today().year


def _data(table, **overrides):  # type: ignore[no-untyped-def]
    return {
        "name": "Seenotrettung",
        "programme": Programme.SEA_RESCUE,
        "persons": 120,
        "period_start": dt.date(YEAR, 1, 1),
        "period_end": dt.date(YEAR, 12, 31),
        "key": KeyKind.KOENIGSTEINER,
        "key_table": table,
        "explicit_shares": {},
        "notes": "",
    } | overrides


def test_office_creates_a_contingent_and_sees_the_key_comparison(office_user) -> None:
    seed_demo_admission()  # idempotent: demo pledges make members eligible by default
    table = shipped_key_table()
    assert table is not None and len(table.shares) == 16
    contingent = services.contingent_save(actor=office_user, data=_data(table), eligible=[])
    comparison = selectors.key_comparison(contingent)
    assert comparison.rows, "members with demo pledges are eligible by default"
    for index, (kind, _label) in enumerate(comparison.kinds):
        if kind == KeyKind.EXPLICIT:
            continue
        assert sum(row.targets[index] for row in comparison.rows) == 120 or kind == "pledges"
        assert sum(s.targets[index] for s in comparison.states) == sum(
            row.targets[index] for row in comparison.rows
        )
    assert AuditEntry.objects.filter(action="contingent.create").exists()


def test_member_staff_cannot_create_contingents(member_user) -> None:
    with pytest.raises(AccessDenied):
        services.contingent_save(actor=member_user, data=_data(None), eligible=[])
    assert not Contingent.objects.filter(name="Seenotrettung").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"key_table": None}, "key_table"),
        ({"period_start": dt.date(1900, 1, 1)}, "period_start"),
        ({"period_end": dt.date(YEAR - 1, 1, 1)}, "period_end"),
        ({"key": KeyKind.EXPLICIT, "explicit_shares": {}}, "explicit_shares"),
    ],
)
def test_contradictions_are_field_errors(office_user, overrides, field) -> None:
    with pytest.raises(ValidationError) as caught:
        services.contingent_save(
            actor=office_user, data=_data(shipped_key_table(), **overrides), eligible=[]
        )
    assert field in caught.value.message_dict


def test_key_table_must_cover_16_states_and_add_up(office_user) -> None:
    shares = {f"{n:02d}": 6.25 for n in range(1, 17)}
    services.key_table_create(
        actor=office_user, name="Königsteiner Schlüssel", year=2025, source="GWK", shares=shares
    )
    with pytest.raises(ValidationError):
        services.key_table_create(
            actor=office_user, name="K", year=2025, source="GWK", shares=shares | {"01": 7}
        )
    with pytest.raises(ValidationError):
        services.key_table_create(
            actor=office_user, name="K", year=2025, source="GWK", shares={"01": 100.0}
        )


def test_pages_with_bad_input(client: Client, office_user) -> None:
    client.force_login(office_user)
    response = client.post(
        reverse("key-table-create"),
        {"name": "K", "year": "2025", "source": "GWK", "shares": "01: abc\n=SUM(A1)"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["shares"]
    response = client.post(
        reverse("contingent-create"),
        {
            "name": "<script>alert(1)</script>",
            "programme": "sea_rescue",
            "persons": "9" * 40,
            "period_start": "0001-01-01",
            "period_end": "2026-12-31",
            "key": "population",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "persons" in errors
    page = client.get(reverse("contingent-list"))
    assert "<script>alert(1)</script>" not in page.content.decode()
