"""Dashboard aggregates against hand-computed values, suppression of small cells, filters,
visibility of single answers and the number of SQL queries per view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from hafennetz.members.models import Member
from hafennetz.situation import services
from hafennetz.situation.models import SurveyRound, Topic
from hafennetz.situation.selectors import Filters, dashboard

from .conftest import all_answers, figures

pytestmark = pytest.mark.django_db
# Queries every logged-in request makes outside the Lagebild: the two-factor device check and
# the session refresh (SAVEPOINT, UPDATE, RELEASE).
PLATFORM_QUERIES = 4


@pytest.fixture
def known(fresh_round: SurveyRound, own_member: Member) -> dict[str, Any]:
    """Round with 4 NRW reports (housing 1, 2, 3, 4; 100 places each) and 2 from
    Schleswig-Holstein (housing 4, 4; 50 places each, one shared). Other topics: 2."""
    nrw = list(Member.objects.alliance().filter(state_id="05").exclude(pk=own_member.pk)[:4])
    sh = list(Member.objects.alliance().filter(state_id="01")[:2])
    assert len(nrw) == 4 and len(sh) == 2
    for member, strain in zip(nrw, [1, 2, 3, 4], strict=True):
        services.report_save(
            actor=None,
            survey_round=fresh_round,
            member=member,
            share_with_members=False,
            answers=all_answers(2, housing=strain),
            figures=figures(places_available=100),
            submit=True,
        )
    for index, member in enumerate(sh):
        services.report_save(
            actor=None,
            survey_round=fresh_round,
            member=member,
            share_with_members=index == 0,
            answers=all_answers(2, housing=4),
            figures=figures(places_available=50),
            submit=True,
        )
    # A draft never counts.
    services.report_save(
        actor=None,
        survey_round=fresh_round,
        member=own_member,
        share_with_members=True,
        answers=all_answers(4),
        figures={},
    )
    return {
        "round": fresh_round,
        "nrw": nrw,
        "sh": sh,
        "housing": Topic.objects.get(code="housing"),
    }


def test_office_sees_every_cell(known: dict[str, Any], office_user: Any) -> None:
    board = dashboard(survey_round=known["round"], filters=Filters(), viewer=office_user)
    housing = known["housing"].pk
    nrw, sh = board.cells[(housing, "05")], board.cells[(housing, "01")]
    assert (nrw.n, nrw.mean, nrw.share_high) == (4, 2.5, 0.5)
    assert (sh.n, sh.mean, sh.suppressed) == (2, 4.0, False)
    total = board.topic_totals[housing]
    assert (total.n, total.mean) == (6, 3.0)
    assert total.share_high == pytest.approx(4 / 6)
    assert board.reports == 6
    assert board.trend[0]["code"] == "housing" and board.trend[0]["means"][-1] == 3.0
    assert board.trend_rounds[-1] == known["round"].number
    places = [f.code for f in board.figure_defs].index("places_available")
    by_state = {
        row["state"].ags if row["state"] else "total": row["cells"] for row in board.figures
    }
    assert by_state["05"][places]["total"] == 400
    assert by_state["01"][places]["total"] == 100
    assert by_state["total"][places]["total"] == 500
    assert len(board.points) == 6  # the office sees every member's point


def test_small_cells_are_hidden_and_cannot_be_recovered_from_the_total(
    known: dict[str, Any], member_user: Any
) -> None:
    """Old rule: SH (2 reports) hidden, the total "left out" SH, NRW shown: then the total of
    another filter minus NRW gave SH back. Now the pattern is one per round: SH hidden, and
    never both NRW and the grand total shown (NRW + SH = total)."""
    board = dashboard(survey_round=known["round"], filters=Filters(), viewer=member_user)
    housing = known["housing"].pk
    sh = board.cells[(housing, "01")]
    assert sh.suppressed and sh.mean is None
    nrw, total = board.cells[(housing, "05")], board.topic_totals[housing]
    assert nrw.suppressed or total.suppressed
    if not total.suppressed:  # a shown total is the true total, not a total of shown cells
        assert (total.n, total.mean) == (6, 3.0)
    assert board.trend[0]["means"][-1] == total.mean
    places = [f.code for f in board.figure_defs].index("places_available")
    rows = {row["state"].ags if row["state"] else "total": row["cells"] for row in board.figures}
    assert rows["01"][places]["hidden"] and rows["01"][places]["total"] is None
    assert rows["05"][places]["hidden"] or rows["total"][places]["hidden"]
    # Single answers: only the SH member that shared (Detmold's draft does not count).
    assert [p["ags"] for p in board.points] == [known["sh"][0].ags]


def test_public_aggregates_show_no_single_answers(known: dict[str, Any]) -> None:
    board = dashboard(
        survey_round=known["round"], filters=Filters(), viewer=AnonymousUser(), public=True
    )
    assert board.points == []
    assert board.cells[(known["housing"].pk, "01")].suppressed


def test_filters_state_size_and_topic(known: dict[str, Any], office_user: Any) -> None:
    board = dashboard(
        survey_round=known["round"],
        filters=Filters(state="05", topic="housing"),
        viewer=office_user,
    )
    assert [t.code for t in board.topics] == ["housing"]
    assert [s.ags for s in board.states] == ["05"]
    assert board.topic_totals[known["housing"].pk].n == 4
    assert board.reports == 4
    first = known["nrw"][0]
    size = services.new_report(known["round"], first).size_class
    same_size = [
        m for m in known["nrw"] if services.new_report(known["round"], m).size_class == size
    ]
    board = dashboard(
        survey_round=known["round"], filters=Filters(size_class=size), viewer=office_user
    )
    assert board.cells[(known["housing"].pk, "05")].n == len(same_size)


@pytest.mark.parametrize("who", ["office", "member", "anonymous"])
def test_dashboard_views_stay_within_20_queries(
    client: Client,
    known: dict[str, Any],
    office_user: Any,
    member_user: Any,
    who: str,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    if who != "anonymous":
        client.force_login(office_user if who == "office" else member_user)
        url = reverse("round-dashboard", kwargs={"number": known["round"].number})
    else:
        url = reverse("situation-public")
    for query in ("", "?state=05&size_class=3&topic=housing"):
        # 20 for the Lagebild, plus the platform's two-factor device check and session refresh.
        with django_assert_max_num_queries(20 + PLATFORM_QUERIES):
            response = client.get(url + query)
        assert response.status_code == 200


def test_dashboard_page_shows_the_heatmap(
    client: Client, known: dict[str, Any], member_user: Any
) -> None:
    client.force_login(member_user)
    response = client.get(reverse("round-dashboard", kwargs={"number": known["round"].number}))
    html = response.content.decode()
    assert 'id="heatmap"' in html and "Unterbringung" in html
    assert "hidden-cell" in html  # Schleswig-Holstein (2 reports)


def test_progress_counts_per_state(client: Client, known: dict[str, Any], office_user: Any) -> None:
    from hafennetz.situation.selectors import round_progress

    rows = {p.state.ags: p for p in round_progress(known["round"], None)}
    assert rows["01"].submitted == 2
    assert rows["05"].submitted == 4 and rows["05"].drafts == 1
    # The draft is counted apart: it is not missing.
    assert rows["05"].missing == rows["05"].expected - 4 - 1
