"""Results side by side in the browser, on the demo's approved run: the office opens the
results from the run page (charts drawn, map with placements, the tables as the charts'
alternative, the household filter) and downloads the decision report; the receiving member
opens its extract from its allocated households and downloads it; the state coordination finds
its state's aggregates in the navigation. The PDFs are read back with pypdf."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from hafennetz.admission.models import AllocationRun, Placement
from hafennetz.members.models import Member
from tests.browser.conftest import MEMBER_LOGIN, OFFICE_LOGIN, STATE_LOGIN, BrowserPage, t


def _pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_results_report_extract_and_state(bpage: BrowserPage, login_as, context) -> None:  # type: ignore[no-untyped-def]
    page = bpage.page
    run = AllocationRun.objects.filter(approved_at__isnull=False, contingent__is_demo=True).first()
    assert run is not None, "the demo data has an approved run"

    # The office: from the run page to its results.
    login_as(OFFICE_LOGIN)
    page.goto(f"/aufnahme/verteilung/{run.pk}/")
    page.get_by_role(
        "link", name=t("Results side by side (status quo, key comparison, map, households)")
    ).click()
    expect(page).to_have_url(re.compile(rf"/aufnahme/verteilung/{run.pk}/ergebnis/$"))
    expect(page.locator("#needs-table")).to_contain_text(t("Quota (status quo)"))
    expect(page.locator("#states-table tbody tr").first).to_be_visible()
    # Both charts are drawn (Chart.js sizes the canvas), the map shows the placements.
    for canvas in ("#needs-chart", "#states-chart"):
        expect(page.locator(canvas)).to_have_attribute("height", re.compile(r"^[1-9]\d*$"))
    expect(page.locator("path.placement-point").first).to_be_attached()
    assert page.locator("path.placement-point").count() >= 10
    # The household filter: only the households not placed.
    page.get_by_label(t("Show")).select_option("unplaced")
    page.get_by_role("button", name=t("Filter")).click()
    expect(page).to_have_url(re.compile(r"show=unplaced"))
    expect(page.locator("#households-table")).to_contain_text(t("not placed"))
    assert not bpage.console_errors, bpage.console_errors

    # The decision report from the contingent page.
    page.goto(f"/aufnahme/kontingente/{run.contingent.pk}/")
    href = page.get_by_role("link", name=t("Decision report (PDF)")).get_attribute("href")
    assert href
    report = page.request.get(href, timeout=90_000)  # WeasyPrint: seconds on a busy machine
    assert report.ok and report.headers["content-type"] == "application/pdf"
    text = _pdf_text(report.body()).replace("\n", "")
    assert run.input_fingerprint in text and run.engine_version in text

    # The receiving member: its allocated households, then the extract of this run.
    member = Member.objects.get(municipality_id="05766020")
    own = list(
        Placement.objects.filter(run=run, member=member).values_list(
            "household__case_id", flat=True
        )
    )
    assert own, "the demo run places households with Detmold"
    context.clear_cookies()
    login_as(MEMBER_LOGIN)
    page.goto(f"/aufnahme/zuweisungen/{member.ags}/")
    page.get_by_role("link", name=t("Why here? Extract of the decision")).first.click()
    expect(page).to_have_url(re.compile(rf"/aufnahme/verteilung/{run.pk}/auszug/{member.ags}/$"))
    expect(page.locator("#extract-table")).to_contain_text(own[0])
    href = page.get_by_role("link", name=t("Extract as PDF")).get_attribute("href")
    assert href
    extract = page.request.get(href, timeout=90_000)
    assert extract.ok
    extract_text = _pdf_text(extract.body())
    assert all(case in extract_text for case in own)
    others = Placement.objects.filter(run=run).exclude(member=member)[:20]
    assert all(p.household.case_id not in extract_text for p in others)
    # The office's results are not the member's.
    assert page.request.get(f"/aufnahme/verteilung/{run.pk}/ergebnis/").status == 403

    # The state coordination (Schleswig-Holstein): its state's aggregates from the navigation.
    context.clear_cookies()
    login_as(STATE_LOGIN)
    page.goto("/")
    page.get_by_role("link", name=t("Admissions in my state")).click()
    expect(page).to_have_url(re.compile(r"/aufnahme/laender/01/$"))
    expect(page.locator("h1")).to_contain_text("Schleswig-Holstein")
    content = page.content()
    assert not any(p.household.case_id in content for p in Placement.objects.filter(run=run))
