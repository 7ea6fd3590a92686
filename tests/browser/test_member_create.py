"""The coordination office adds a member through the territory look-up."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from hafennetz.core.models import AuditEntry, District
from hafennetz.members.models import Member
from tests.browser.conftest import OFFICE_LOGIN, BrowserPage, LoginAs, field, t

DISTRICT_AGS = "03254"  # Landkreis Hildesheim; the city of Hildesheim is a member already


def test_office_adds_a_district_found_by_the_territory_lookup(
    bpage: BrowserPage, login_as: LoginAs
) -> None:
    login_as(OFFICE_LOGIN)
    district = District.objects.get(ags=DISTRICT_AGS)
    assert not Member.objects.filter(district=district).exists()
    page = bpage.page

    page.goto("/")
    page.get_by_role("link", name=t("Add member"), exact=True).click()
    expect(page).to_have_url("/verwaltung/mitglieder/neu/")
    # lookup.js listens for input only once it ran: typing earlier would go unheard.
    page.wait_for_load_state("load")
    page.get_by_label(t("Look up a municipality or district (name or key)"), exact=True).fill(
        "Hildesheim"
    )
    results = page.locator("#lookup-results button")
    # The member city itself is not offered, only what is not registered yet.
    expect(results.filter(has_text="03254021")).to_have_count(0)
    hit = results.filter(has_text=re.compile(rf"\({re.escape(t('District'))},.*– {DISTRICT_AGS}$"))
    expect(hit).to_have_count(1)
    hit.click()

    expect(page.locator("#lookup-results li")).to_have_count(0)
    ags = page.get_by_label(field("AGS or district key"))
    expect(ags).to_have_value(DISTRICT_AGS)
    expect(ags).to_be_focused()
    expect(page.get_by_label(field("Display name"))).not_to_have_value("")
    page.get_by_label(field("Joined the alliance")).fill("2024-03-01")
    page.get_by_role("button", name=t("Add"), exact=True).click()

    expect(page).to_have_url(f"/mitglieder/{DISTRICT_AGS}/")
    expect(page.locator(".messages .success")).to_be_visible()
    member = Member.objects.get(district=district)
    expect(page.get_by_role("heading", level=1)).to_contain_text(member.name)
    assert member.joined_on.isoformat() == "2024-03-01"
    assert AuditEntry.objects.filter(action="member.create", object_id=str(member.pk)).exists()
