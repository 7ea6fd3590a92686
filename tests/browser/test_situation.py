"""Lagebild in a real browser: a member fills in its report (prefilled, bad input at the field,
confirmation, draft, submit), and the office filters the dashboard."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from hafennetz.situation.models import Answer, ReportStatus, SituationReport
from tests.browser.conftest import MEMBER_LOGIN, OFFICE_LOGIN, BrowserPage, t

DETMOLD = "05766020"


def test_member_fills_in_saves_a_draft_and_submits(bpage: BrowserPage, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(MEMBER_LOGIN)
    page = bpage.page
    page.goto(f"/lagebild/runden/4/mitglieder/{DETMOLD}/bearbeiten/")
    expect(page.locator("#prefilled")).to_be_visible()  # from Detmold's report of round 3
    housing = page.locator("#topic-housing")

    housing.get_by_label(re.compile("verfügbar|available")).fill("-1")
    page.get_by_role("button", name=t("Save draft")).click()
    expect(housing.locator(".errorlist")).to_have_count(1)
    expect(page.locator("#id_figure_places_available_error")).to_contain_text(
        t("A negative number is impossible here.")
    )

    housing.get_by_label(re.compile("verfügbar|available")).fill("120")
    housing.get_by_label(re.compile("belegt|occupied")).fill("130")
    page.get_by_role("button", name=t("Save draft")).click()
    confirm = housing.get_by_label(t("The number is correct"))
    expect(confirm).to_be_visible()
    confirm.check()
    housing.locator("label.strain-4").click()
    page.get_by_role("button", name=t("Save draft")).click()
    expect(page.locator(".messages")).to_contain_text(t("The draft was saved."))
    report = SituationReport.objects.get(round__number=4, member__municipality_id=DETMOLD)
    assert report.status == ReportStatus.DRAFT

    page.get_by_role("button", name=t("Submit report")).click()
    expect(page.locator(".messages")).to_contain_text(t("The report was submitted. Thank you!"))
    expect(page).to_have_url(re.compile(rf"/lagebild/runden/4/mitglieder/{DETMOLD}/$"))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert Answer.objects.get(report=report, topic__code="housing", counted=True).strain == 4
    assert bpage.console_errors == []


def test_office_filters_the_dashboard(bpage: BrowserPage, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(OFFICE_LOGIN)
    page = bpage.page
    page.goto("/lagebild/runden/3/")
    expect(page.locator("#heatmap tbody tr")).to_have_count(16)
    expect(page.locator("#situation-map .member-point")).to_have_count(
        Answer.objects.filter(round__number=3, counted=True, topic__code="housing").count()
    )

    page.locator("#id_state").select_option("05")
    page.locator("#id_topic").select_option("school")
    page.get_by_role("button", name=t("Filter")).click()

    expect(page).to_have_url(re.compile(r"state=05.*topic=school"))
    expect(page.locator("#heatmap tbody tr")).to_have_count(1)
    expect(page.locator("#heatmap thead th")).to_have_count(2)  # state + the one topic
    expect(page.locator("#heatmap tbody th")).to_have_text("Nordrhein-Westfalen")
    nrw_school = Answer.objects.filter(
        round__number=3, counted=True, topic__code="school", state_id="05"
    ).count()
    expect(page.locator("#situation-map .member-point")).to_have_count(nrw_school)
    expect(
        page.locator("#situation-map[data-ready=true] .leaflet-overlay-pane path")
    ).to_have_count(16 + nrw_school)
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('trend-chart'))"
    )
    trend = page.evaluate(
        "() => Chart.getChart(document.getElementById('trend-chart')).data.datasets.length"
    )
    assert trend == 1
    assert bpage.console_errors == []
    outside = [url for url in bpage.requests if not url.startswith(bpage.base_url + "/")]
    assert outside == []


XSS_NAME = '<img src=x onerror="window.__xss = 1">Kiel<script>window.__xss = 2</script>'


def test_member_names_on_the_lagebild_map_are_text(bpage: BrowserPage, login_as) -> None:  # type: ignore[no-untyped-def]
    """Issue 10 item 1: a member name with HTML shows as text in the point's tooltip and popup
    of the Lagebild map, nothing runs, and the page needs no inline code (CSP)."""
    from hafennetz.members.models import Member

    login_as(OFFICE_LOGIN)
    page = bpage.page
    shared = Answer.objects.filter(round__number=3, counted=True, topic__code="housing")
    member_id = shared.order_by("member_id").values_list("member_id", flat=True).first()
    Member.objects.filter(pk=member_id).update(name=XSS_NAME)

    response = page.goto("/lagebild/runden/3/")
    assert response is not None
    html = response.text()
    assert " style=" not in html and " onchange=" not in html and "<script>" not in html
    expect(page.locator("#situation-map .member-point")).to_have_count(shared.count())
    index = page.evaluate(
        """(name) => JSON.parse(document.getElementById('situation-data').textContent)
            .points.findIndex((p) => p.name === name)""",
        XSS_NAME,
    )
    assert index >= 0
    point = page.locator("#situation-map .member-point").nth(index)
    point.dispatch_event("mouseover")
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_have_text(XSS_NAME)
    expect(tooltip.locator("img, script")).to_have_count(0)
    point.dispatch_event("click")
    expect(page.locator(".leaflet-popup-content a")).to_contain_text(XSS_NAME)
    expect(page.locator(".leaflet-popup-content img")).to_have_count(0)
    # Heatmap colours come from dashboard.js through the CSSOM, not from style attributes.
    coloured = page.locator("#heatmap td.strain-cell").first
    assert coloured.evaluate("(td) => td.style.backgroundColor") != ""
    assert (
        page.locator("[style]:not(.leaflet-container *)").count()
        == page.locator("[style]").count() - page.locator(".leaflet-container [style]").count()
    )
    assert page.evaluate("() => window.__xss") is None
    assert bpage.console_errors == []
