"""Public pages come from the cache for visitors who are not logged in, and are rendered afresh
as soon as the data behind them changes (issue 16, "Fast when the press links to us")."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hafennetz.members import services
from hafennetz.members.models import Member

PAGES = ["home", "member-directory", "situation-public"]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_second_visit_is_served_from_the_cache(name: str) -> None:
    url = reverse(name)
    first = Client().get(url)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        second = Client().get(url)
    assert second.status_code == 200
    assert len(queries) <= 1, [q["sql"] for q in queries]  # only the data version
    strip = lambda html: TOKEN.sub("", html)  # noqa: E731
    assert strip(second.content.decode()) == strip(first.content.decode())


@pytest.mark.django_db
def test_each_visitor_gets_a_working_csrf_token_of_their_own() -> None:
    Client().get(reverse("home"))  # fills the cache
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(reverse("home"))
    token = TOKEN.search(page.content.decode())
    assert token is not None and "__hafennetz" not in page.content.decode()
    switched = visitor.post(
        reverse("set_language"),
        {"language": "en", "next": "/", "csrfmiddlewaretoken": token.group(1)},
    )
    assert switched.status_code == 302  # not 403: the token matches this visitor's cookie
    other = Client(enforce_csrf_checks=True)
    other.get(reverse("home"))
    refused = other.post(
        reverse("set_language"),
        {"language": "en", "next": "/", "csrfmiddlewaretoken": token.group(1)},
    )
    assert refused.status_code == 403  # and another visitor's token is worth nothing


@pytest.mark.django_db
def test_a_change_shows_at_once(office_user) -> None:  # type: ignore[no-untyped-def]
    url = reverse("member-directory") + "?q=Detmold"
    assert "Detmold" in Client().get(url).content.decode()
    member = Member.objects.get(municipality_id="05766020")
    services.member_update(actor=office_user, member=member, data={"name": "Detmold (geändert)"})
    assert "Detmold (geändert)" in Client().get(url).content.decode()


@pytest.mark.django_db
def test_logged_in_users_and_languages_are_not_mixed(member_user) -> None:  # type: ignore[no-untyped-def]
    Client().get(reverse("home"))
    staff = Client()
    staff.force_login(member_user)
    assert reverse("logout") in staff.get(reverse("home")).content.decode()
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = visitor.get(reverse("home")).content.decode()
    german = Client().get(reverse("home")).content.decode()
    assert 'lang="en"' in english and 'lang="de"' in german
