"""The start page after login ("Mein Überblick", issue 16): each role sees its own items, each
linking to where it is done; the number of queries is bounded; the login lands there."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Generous, but fixed: the page must not run a query per member, report or meeting.
MAX_QUERIES = 45


def _page(user) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("my-overview"))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_member_staff_sees_reports_meetings_tasks_and_admission(member_user) -> None:
    html, n = _page(member_user)
    assert 'id="my-reports"' in html and 'id="my-meetings"' in html
    assert 'id="my-follow-ups"' in html and 'id="my-admission"' in html
    assert 'id="my-contact-requests"' in html
    assert 'id="office-review"' not in html and 'id="state-progress"' not in html
    assert n <= MAX_QUERIES


def test_state_coordination_sees_its_state(state_coordinator) -> None:
    html, n = _page(state_coordinator)
    assert 'id="state-progress"' in html and 'id="state-meetings"' in html
    assert 'id="office-review"' not in html
    assert n <= MAX_QUERIES


def test_office_sees_queue_late_reports_invitations_and_runs(office_user) -> None:
    html, n = _page(office_user)
    for section in ("office-review", "office-late", "office-meetings", "office-invitations"):
        assert f'id="{section}"' in html
    assert 'id="office-runs"' in html
    assert reverse("round-review-queue", args=[1]).rsplit("/", 3)[0] in html
    assert n <= MAX_QUERIES


def test_login_lands_on_the_start_page(member_user) -> None:
    member_user.set_password("Hafen-Demo-2026")
    member_user.save()
    response = Client().post(
        reverse("login"), {"username": member_user.username, "password": "Hafen-Demo-2026"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("my-overview")


def test_anonymous_is_sent_to_the_login() -> None:
    response = Client().get(reverse("my-overview"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_late_members_and_late_reports_by_state_after_the_deadline(
    state_coordinator, office_user
) -> None:
    import datetime as dt

    from django.utils import timezone

    from hafennetz.situation.models import Questionnaire, SurveyRound

    today = timezone.localdate()
    number = SurveyRound.objects.order_by("-number").values_list("number", flat=True).first()
    SurveyRound.objects.create(
        number=(number or 0) + 1,
        title="Lagebild Nachzügler",
        questionnaire=Questionnaire.objects.get(version=1),
        opens_on=today - dt.timedelta(days=20),
        deadline=today - dt.timedelta(days=1),
    )
    html, _n = _page(state_coordinator)
    assert "Lagebild Nachzügler" in html and "verspätet" in html
    html, _n = _page(office_user)
    office_late = html.split('id="office-late"', 1)[1].split("</section>", 1)[0]
    assert "Lagebild Nachzügler" in office_late and "Schleswig-Holstein" in office_late
