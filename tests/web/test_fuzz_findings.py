"""Regression tests of the fuzz findings fixed late (F12, F13): on PostgreSQL both were a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hafennetz.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_login_with_a_300_character_name_is_a_form_error(client: Client) -> None:
    response = client.post(reverse("login"), {"username": "x" * 300, "password": "whatever"})
    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.parametrize("state", ["a\x00", "²³", "123", "<b>"])
def test_reminders_for_a_state_that_is_no_state_key(client: Client, office_user, state) -> None:
    client.force_login(office_user)
    before = AuditEntry.objects.filter(action__startswith="reminder").count()
    response = client.post(reverse("round-remind", kwargs={"number": 4}), {"state": state})
    assert response.status_code == 404
    assert AuditEntry.objects.filter(action__startswith="reminder").count() == before
