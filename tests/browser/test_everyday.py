"""Everyday use (issue 16) in Chromium: each role starts on its own page; the office cancels a
meeting and reopens a closed one (confirmations that cannot be clicked through); the office asks
about a report in the review queue, the member answers on the report, the office sees the
answer; a long form shows its errors at the top and moves the focus there."""

from __future__ import annotations

from playwright.sync_api import expect

from hafennetz.meetings.models import Meeting
from hafennetz.situation.models import SituationReport
from tests.browser.conftest import (
    DEMO_PASSWORD,
    MEMBER_LOGIN,
    OFFICE_LOGIN,
    STATE_LOGIN,
    BrowserPage,
    t,
)

DETMOLD = "05766020"


def _focused_id(bpage: BrowserPage) -> str:
    return str(bpage.page.evaluate("document.activeElement && document.activeElement.id"))


def test_each_role_starts_on_its_own_page(bpage: BrowserPage, login_as) -> None:  # type: ignore[no-untyped-def]
    page = bpage.page
    # The member logs in through the form and lands on the start page.
    page.goto("/konto/anmelden/")
    page.locator("#id_username").fill(MEMBER_LOGIN)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(f"{bpage.base_url}/mein-ueberblick/")
    expect(page.locator("#my-reports")).to_contain_text("Lagebild")
    expect(page.locator("#my-meetings")).to_be_visible()
    expect(page.locator("#my-admission")).to_be_visible()
    expect(page.locator("#office-review")).to_have_count(0)
    # Each item links to where it is done: the open round's report form.
    page.locator("#my-reports a[href$='/bearbeiten/']").first.click()
    expect(page.locator("form.report-form")).to_be_visible()

    login_as(STATE_LOGIN)
    page.goto("/mein-ueberblick/")
    expect(page.locator("#state-progress")).to_contain_text("Schleswig-Holstein")
    expect(page.locator("#state-meetings")).to_be_visible()
    expect(page.locator("#office-review")).to_have_count(0)

    login_as(OFFICE_LOGIN)
    page.goto("/mein-ueberblick/")
    for section in ("office-review", "office-late", "office-meetings", "office-invitations"):
        expect(page.locator(f"#{section}")).to_be_visible()
    page.locator("#office-review a").first.click()
    expect(page.locator("#review-queue")).to_be_visible()
    assert bpage.console_errors == []


def test_cancel_a_meeting_and_reopen_a_closed_one(bpage: BrowserPage, login_as) -> None:  # type: ignore[no-untyped-def]
    page = bpage.page
    login_as(OFFICE_LOGIN)
    meeting = Meeting.objects.get(level="state", state_id="05")
    page.goto(f"/treffen/{meeting.pk}/")
    page.locator("#call-off").click()
    # Without the ticked box nothing happens: the error summary says so and takes the focus.
    page.get_by_label(t("Reason for the cancellation")).fill("Der Saal ist nicht verfügbar.")
    page.locator("#confirm-call-off").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert _focused_id(bpage) == "error-summary"
    meeting.refresh_from_db()
    assert not meeting.is_cancelled
    page.get_by_label(t("Reason for the cancellation")).fill("Der Saal ist nicht verfügbar.")
    page.locator("#id_confirm").check()
    page.locator("#confirm-call-off").click()
    expect(page.locator("#cancelled-notice")).to_contain_text("Der Saal ist nicht verfügbar.")
    expect(page.locator("#call-off")).to_have_count(0)

    closed = Meeting.objects.filter(closed_at__isnull=False).order_by("-starts_at").first()
    assert closed is not None
    page.goto(f"/treffen/{closed.pk}/")
    page.locator("#reopen").click()
    page.locator("#confirm-reopen").click()  # no reason: refused at the field
    expect(page.locator("#error-summary")).to_be_visible()
    page.get_by_label(t("Reason for reopening")).fill("Anwesenheitsliste nachtragen")
    page.locator("#confirm-reopen").click()
    expect(page.locator(".messages .success")).to_have_text(t("The meeting is open again."))
    closed.refresh_from_db()
    assert not closed.is_closed
    assert bpage.console_errors == []


def test_review_queue_with_a_question_and_an_answer(bpage: BrowserPage, login_as) -> None:  # type: ignore[no-untyped-def]
    page = bpage.page
    report = SituationReport.objects.get(
        round__number=3, member__municipality_id=DETMOLD, is_current=True
    )
    number = report.round.number
    # The member answers the office's question on the report itself.
    login_as(MEMBER_LOGIN)
    page.goto("/mein-ueberblick/")
    page.locator("#my-reports a[href*='#review-answer']").first.click()
    expect(page.locator("#review-answer")).to_contain_text(report.review_comment[:20])
    page.get_by_label(t("Your answer to the coordination office")).fill("Die Zahlen stimmen so.")
    page.locator("#send-answer").click()
    expect(page.locator("#member-answer")).to_contain_text("Die Zahlen stimmen so.")

    # The office finds it in the queue as answered, reads it beside the report and approves.
    login_as(OFFICE_LOGIN)
    page.goto(f"/lagebild/runden/{number}/pruefung/?status=answered")
    row = page.locator("#review-queue tbody tr", has_text="Detmold")
    row.get_by_role("link", name=t("Review")).click()
    expect(page.locator("#member-answer")).to_contain_text("Die Zahlen stimmen so.")
    expect(page.locator(".topic-card").first).to_be_visible()
    page.locator("input[name=review_status][value=approved]").check()
    page.locator("#save-review").click()
    expect(page.locator(".messages .success")).to_have_text(t("The review was saved."))
    report.refresh_from_db()
    assert report.review_status == "approved"
    assert bpage.console_errors == []


def test_the_long_report_form_shows_its_errors_at_the_top(bpage: BrowserPage, login_as) -> None:  # type: ignore[no-untyped-def]
    page = bpage.page
    from hafennetz.members.models import Member
    from hafennetz.situation.selectors import member_todo

    due = [d for d in member_todo(Member.objects.get(municipality_id=DETMOLD)) if d.kind != "query"]
    login_as(MEMBER_LOGIN)
    page.goto(f"/lagebild/runden/{due[0].round.number}/mitglieder/{DETMOLD}/bearbeiten/")
    # The form starts with last round's answers; a negative figure far down is refused.
    page.locator(".figure-input input").last.fill("-5")
    page.get_by_role("button", name=t("Submit report"), exact=True).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert _focused_id(bpage) == "error-summary"
    assert page.evaluate("window.scrollY") < 400  # the top of the page, not the button
    link = summary.locator("a").first
    target = str(link.get_attribute("href")).lstrip("#")
    link.click()
    assert _focused_id(bpage) == target
    assert bpage.console_errors == []
