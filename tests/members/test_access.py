"""The registry's access layer: who gets which member for which purpose, and what each refusal
says."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import translation

from hafennetz.core.access import AccessDenied
from hafennetz.members import access
from hafennetz.members.models import Contact, Member

pytestmark = pytest.mark.django_db

OWN = "05766020"  # Detmold
OTHER = "03254021"  # Hildesheim


def _refusal(call) -> str:  # type: ignore[no-untyped-def]
    with translation.override("en"), pytest.raises(AccessDenied) as exc:
        call()
    return str(exc.value)


def test_view_is_public_and_unknown_keys_are_404(member_user) -> None:
    assert access.access_member(AnonymousUser(), OWN, purpose="view").ags == OWN
    with pytest.raises(Http404):
        access.access_member(member_user, "99999999", purpose="view")
    with pytest.raises(Http404):
        access.access_member(member_user, "x" * 500, purpose="edit")


def test_edit_own_member_only_and_the_refusal_names_the_member(member_user, office_user) -> None:
    assert access.access_member(member_user, OWN, purpose="edit").ags == OWN
    assert access.access_member(office_user, OTHER, purpose="edit").ags == OTHER
    message = _refusal(lambda: access.access_member(member_user, OTHER, purpose="edit"))
    assert message == (
        "Only the staff of Hildesheim and the coordination office may edit its profile."
    )


def test_office_purposes_have_their_own_messages(member_user, state_coordinator) -> None:
    assert "record signatures" in _refusal(
        lambda: access.access_member(member_user, OWN, purpose="record_signature")
    )
    assert "left" in _refusal(
        lambda: access.access_member(state_coordinator, OWN, purpose="mark_left")
    )
    assert "import" in _refusal(lambda: access.check_manage_members(member_user, "import"))
    assert "audit log" in _refusal(lambda: access.check_view_audit_log(state_coordinator))


def test_anonymous_is_asked_to_log_in() -> None:
    assert "log in" in _refusal(lambda: access.check_logged_in(AnonymousUser()))
    assert "log in" in _refusal(lambda: access.access_member(AnonymousUser(), OWN, purpose="edit"))
    assert "log in" in _refusal(lambda: access.check_manage_members(None, "create"))


def test_contact_of_another_member_is_not_reachable_through_own_ags(member_user) -> None:
    other = Member.objects.get(municipality_id=OTHER)
    contact = Contact.objects.create(member=other, name="Fremd")
    with pytest.raises(Http404):  # not a contact of the member in the URL
        access.access_contact(member_user, OWN, contact.pk)
    assert "contacts" in _refusal(lambda: access.access_contact(member_user, OTHER, contact.pk))


def test_writable_fields_depend_on_the_role(member_user, office_user, own_member) -> None:
    other = Member.objects.get(municipality_id=OTHER)
    assert "joined_on" in access.writable_member_fields(office_user, own_member)
    staff_fields = access.writable_member_fields(member_user, own_member)
    assert "website" in staff_fields and "joined_on" not in staff_fields
    assert access.writable_member_fields(member_user, other) == frozenset()
    assert access.writable_member_fields(AnonymousUser(), own_member) == frozenset()


def test_own_member_needs_a_staff_account(member_user, django_user_model) -> None:
    assert access.access_own_member(member_user).ags == OWN
    loner = django_user_model.objects.create_user(username="loner@test.example", password="x")
    assert "staff" in _refusal(lambda: access.access_own_member(loner))
