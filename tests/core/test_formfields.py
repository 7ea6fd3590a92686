"""An id beyond the database's integers in a choice of records is an invalid choice, not a 500."""

from __future__ import annotations

import pytest
from django import forms

from hafennetz.members.models import Member

pytestmark = pytest.mark.django_db

HUGE = "9" * 20


class Choice(forms.Form):
    one = forms.ModelChoiceField(queryset=Member.objects.all())
    many = forms.ModelMultipleChoiceField(queryset=Member.objects.all())


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "9" * 400])
def test_huge_ids_are_invalid_choices(value: str) -> None:
    form = Choice({"one": value, "many": [value]})
    assert not form.is_valid()
    assert set(form.errors) == {"one", "many"}


def test_real_ids_still_work() -> None:
    member = Member.objects.order_by("pk").first()
    assert member is not None
    form = Choice({"one": str(member.pk), "many": [str(member.pk)]})
    assert form.is_valid(), form.errors
