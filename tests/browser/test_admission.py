"""The admission path in the browser: the office starts a run for the demo contingent, watches
its status, approves it with the typed number; the receiving member's staff see their
households and confirm one; the public transparency page shows the contingent."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from hafennetz.admission.demo import demo_contingent
from hafennetz.admission.models import AllocationRun, Placement, PlacementStatus
from hafennetz.admission.tasks import execute_allocation_run
from hafennetz.members.models import StaffAccount
from tests.browser.conftest import OFFICE_LOGIN, BrowserPage, field, t


def test_run_approve_confirm_public(bpage: BrowserPage, login_as, context) -> None:  # type: ignore[no-untyped-def]
    page = bpage.page
    contingent = demo_contingent()
    login_as(OFFICE_LOGIN)

    # Start a greedy run with a small work budget.
    page.goto(f"/aufnahme/kontingente/{contingent.pk}/verteilung/")
    page.get_by_label(field("Method")).select_option("greedy")
    page.get_by_label(field("Seed")).fill("4")
    page.get_by_label(field("Work budget")).fill("1")
    page.get_by_role("button", name=t("Start"), exact=True).click()
    run = AllocationRun.objects.get(contingent=contingent)
    expect(page).to_have_url(re.compile(rf"/aufnahme/verteilung/{run.pk}/$"))
    # The page follows the run's status (the script polls the progress URL).
    expect(page.locator("#run-progress-text")).to_contain_text(t("waiting for the worker"))
    expect(page.locator("#run-progress-bar")).to_be_visible()

    # The worker's code runs here while the browser is elsewhere: the live server shares this
    # in-memory database connection, and a poll in the middle of the worker's transaction
    # would share its transaction state.
    page.goto("about:blank")
    execute_allocation_run.call(run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    page.goto(f"/aufnahme/verteilung/{run.pk}/")
    expect(page.locator("#run-progress-text")).to_contain_text(t("finished"))

    # Approve: a wrong number is refused at the field, the right one approves.
    page.get_by_role("link", name=t("Approve the allocation"), exact=True).click()
    page.get_by_label(
        field("I approve this allocation; the receiving members will see their households.")
    ).check()
    page.get_by_label(field("Number of the run, to confirm")).fill(str(run.pk + 1000))
    page.get_by_role("button", name=t("Approve"), exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text(t("That is not the number of this run."))
    assert not Placement.objects.filter(run=run).exists()
    page.get_by_label(
        field("I approve this allocation; the receiving members will see their households.")
    ).check()
    page.get_by_label(field("Number of the run, to confirm")).fill(str(run.pk))
    page.get_by_role("button", name=t("Approve"), exact=True).click()
    expect(page.locator(".messages .success")).to_have_text(t("The allocation was approved."))
    expect(page.get_by_role("link", name=t("Public transparency page"))).to_be_visible()
    placement = (
        Placement.objects.filter(run=run)
        .select_related("member", "household")
        .order_by("pk")
        .first()
    )
    assert placement is not None

    # Staff of the receiving member see its households and confirm one.
    member = placement.member
    user = get_user_model().objects.create_user(
        username="aufnahme@browser.example", password="x-Pass-12345"
    )
    StaffAccount.objects.create(user=user, member=member)
    context.clear_cookies()
    login_as(user.username)
    page.goto(f"/aufnahme/zuweisungen/{member.ags}/")
    row = page.locator("tr", has_text=placement.household.case_id)
    expect(row).to_be_visible()
    row.get_by_role("button", name=t("Confirm reception"), exact=True).click()
    expect(page.locator(".messages .success")).to_have_text(t("The reception was confirmed."))
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.CONFIRMED

    # The public transparency page, without logging in: figures, no case number.
    context.clear_cookies()
    page.goto("/aufnahme/transparenz/")
    page.get_by_role("link", name=contingent.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(contingent.name)
    expect(page.locator("main")).to_contain_text(run.input_fingerprint)
    assert placement.household.case_id not in page.content()
    assert not bpage.console_errors, bpage.console_errors
