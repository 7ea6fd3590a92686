"""The admission path in the browser: the office imports households (a bad file is refused
line by line, a good one previewed and confirmed), starts a run for the demo contingent and
watches its live progress, overrides a proposal with a reason, re-optimises around it and
approves with the typed number; the receiving member's staff see their households and confirm
one; the public transparency page shows the contingent with its override count."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from hafennetz.admission.demo import demo_contingent
from hafennetz.admission.models import (
    AllocationRun,
    Household,
    Override,
    Placement,
    PlacementStatus,
)
from hafennetz.admission.tasks import execute_allocation_run
from hafennetz.members.models import StaffAccount
from tests.browser.conftest import OFFICE_LOGIN, BrowserPage, field, t


def test_run_approve_confirm_public(bpage: BrowserPage, login_as, context) -> None:  # type: ignore[no-untyped-def]
    page = bpage.page
    contingent = demo_contingent()
    login_as(OFFICE_LOGIN)

    # Import households: a bad file is refused with its lines and columns, nothing written;
    # the good file is previewed, then confirmed.
    header = "case_id,age_0_2,age_3_5,age_6_17,age_18_64,age_65_plus,flags,links\n"
    page.goto(f"/aufnahme/kontingente/{contingent.pk}/haushalte/")
    page.get_by_role("link", name=t("Import households (CSV, XLSX)")).click()
    bad = header + "B-1,0,0,0,1,0,,B-404:same_municipality\nMustermann,0,0,0,1,0,,\n"
    page.get_by_label(field("File (CSV or XLSX)")).set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
    )
    page.get_by_role("button", name=t("Check file (preview)")).click()
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("B-404")
    expect(errors.locator("li")).to_have_count(2)
    assert not Household.objects.filter(case_id="B-1").exists()
    good = header + "G-1,0,0,1,2,0,language_support,\nG-2,0,0,0,1,0,,\n"
    page.get_by_label(field("File (CSV or XLSX)")).set_input_files(
        files=[{"name": "good.csv", "mimeType": "text/csv", "buffer": good.encode()}]
    )
    page.get_by_role("button", name=t("Check file (preview)")).click()
    expect(page.locator("#import-valid")).to_be_visible()
    page.locator("#confirm-import").click()
    expect(page.locator(".messages .success")).to_contain_text("2")
    assert Household.objects.filter(contingent=contingent, case_id__in=["G-1", "G-2"]).count() == 2

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
    # Live progress: what the worker writes appears without reloading the page.
    AllocationRun.objects.filter(pk=run.pk).update(
        status="running", phase="mip", fraction=0.4, best=-12.5, bound=-10.0
    )
    expect(page.locator("#run-progress-text")).to_contain_text("mip")
    expect(page.locator("#run-progress-bar")).to_have_attribute("value", "40")
    AllocationRun.objects.filter(pk=run.pk).update(status="queued", phase="", fraction=0.0)

    # The worker's code runs here while the browser is elsewhere: the live server shares this
    # in-memory database connection, and a poll in the middle of the worker's transaction
    # would share its transaction state.
    page.goto("about:blank")
    execute_allocation_run.call(run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    page.goto(f"/aufnahme/verteilung/{run.pk}/")
    expect(page.locator("#run-progress-text")).to_contain_text(t("finished"))

    # Override: pin G-2 to a member with a reason; the run is re-optimised around the pin.
    page.goto(f"/aufnahme/kontingente/{contingent.pk}/haushalte/")
    page.locator("tr", has_text="G-2").get_by_role("link", name=t("Override")).click()
    page.get_by_label(t("pinned to the member")).check()
    member_select = page.get_by_label(field("Member"))
    target = member_select.locator("option").nth(1)
    target_name = target.inner_text()
    member_select.select_option(target.get_attribute("value"))
    page.get_by_role("button", name=t("Record the override")).click()
    expect(page.locator(".errorlist")).to_have_count(2)  # reason and explanation missing
    page.get_by_label(field("Reason")).select_option("family_ties")
    page.get_by_label(field("Explanation")).fill("Angehörige am Ort")
    page.get_by_role("button", name=t("Record the override")).click()
    if (
        page.locator("input[name=confirm_breaks]").is_visible()
        and page.locator(".errorlist").count()
    ):
        page.get_by_label(field("I confirm the override although it breaks a hard rule.")).check()
        page.get_by_role("button", name=t("Record the override")).click()
    expect(page.locator(".messages .success")).to_contain_text(
        t("The override was recorded. Start a new run to re-optimise around it.")
    )
    expect(page.locator("#override-counts")).to_contain_text("1")
    override = Override.objects.get(household__case_id="G-2", withdrawn_at__isnull=True)
    assert override.member.name == target_name

    # The first run is stale now; a new run honours the pin.
    page.goto(f"/aufnahme/kontingente/{contingent.pk}/verteilung/")
    page.get_by_label(field("Method")).select_option("greedy")
    page.get_by_label(field("Work budget")).fill("1")
    page.get_by_role("button", name=t("Start"), exact=True).click()
    expect(page).not_to_have_url(re.compile(rf"/aufnahme/verteilung/{run.pk}/$"))
    stale = run
    run = AllocationRun.objects.filter(contingent=contingent).exclude(pk=stale.pk).get()
    page.goto("about:blank")
    execute_allocation_run.call(run.pk)
    run.refresh_from_db()
    assert dict(run.result["assignment"])["G-2"] == override.member.ags
    page.goto(f"/aufnahme/verteilung/{run.pk}/")
    expect(page.locator("#run-overrides")).to_contain_text("1")

    # Approve: a wrong number is refused at the field, the right one approves.
    page.get_by_role("link", name=t("Approve the allocation"), exact=True).click()
    page.get_by_label(
        field("I approve this allocation; the receiving members will see their households.")
    ).check()
    page.get_by_label(field("Number of the run, to confirm")).fill(str(run.pk + 1000))
    page.get_by_role("button", name=t("Approve"), exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text(t("That is not the number of this run."))
    assert not Placement.objects.filter(run__contingent=contingent).exists()
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
    expect(page.locator("#public-overrides")).to_contain_text("1")
    assert placement.household.case_id not in page.content()
    assert not bpage.console_errors, bpage.console_errors
