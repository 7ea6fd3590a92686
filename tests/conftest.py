"""Shared realistic fixture: every database test starts from the real reference data and the
demo registry (125 members, coordination office, 9 state coordinations, one login per role),
loaded once per test database."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from hafennetz.members.models import Member, StaffAccount, StateCoordination


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("import_reference", verbosity=0)
        call_command("seed_demo", verbosity=0)


@pytest.fixture(autouse=True)
def _platform_test_settings(settings):  # type: ignore[no-untyped-def]
    """Links in e-mails need a site URL outside a request (the deployment sets SITE_URL).
    Two-factor authentication is required for coordination roles in the platform; tests that
    log users in with `force_login` would all stop at the verification page, so it is off here
    and on in the tests of accounts (tests/web/test_accounts*.py,
    tests/browser/test_accounts.py)."""
    settings.SITE_URL = "http://testserver"
    settings.TWO_FACTOR_REQUIRED = False


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: a public page cached by one test (whose data was
    rolled back) must not answer the next one (core.public_cache keys on audit ids, which a
    rolled-back test leaves free for reuse)."""
    from django.core.cache import cache

    cache.clear()


def _staff_user(email: str, member: Member):  # type: ignore[no-untyped-def]
    user = get_user_model().objects.create_user(
        username=email, email=email, password="x-Pass-12345"
    )
    StaffAccount.objects.create(user=user, member=member)
    return user


@pytest.fixture
def office_user(db):  # type: ignore[no-untyped-def]
    return get_user_model().objects.get(username="koordinierungsstelle@demo.hafennetz.example")


@pytest.fixture
def state_coordinator(db):  # type: ignore[no-untyped-def]
    """Staff of Kiel, which coordinates Schleswig-Holstein (01)."""
    return get_user_model().objects.get(username="landeskoordination@demo.hafennetz.example")


@pytest.fixture
def member_user(db):  # type: ignore[no-untyped-def]
    """Staff of Detmold (05766020), no coordination role."""
    return get_user_model().objects.get(username="kommune@demo.hafennetz.example")


@pytest.fixture
def own_member(db) -> Member:  # type: ignore[no-untyped-def]
    return Member.objects.get(municipality_id="05766020")


@pytest.fixture
def other_member(db) -> Member:  # type: ignore[no-untyped-def]
    return Member.objects.get(municipality_id="03254021")  # Hildesheim


@pytest.fixture
def other_state_coordinator(db):  # type: ignore[no-untyped-def]
    """Staff of a member coordinating another state (Hessen: Marburg)."""
    coordination = StateCoordination.objects.current().get(state_id="06")
    return _staff_user("marburg@test.example", coordination.member)


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Tests create many logins; the production hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
