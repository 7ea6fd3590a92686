"""A working meeting from creation to minutes: the coordination office creates it and its
agenda, members register, the office plans the small groups, exports them, writes the minutes
and closes the meeting; participants see their own groups."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import urlsplit

from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from hafennetz.meetings.models import GroupPlan, Meeting, ParticipantRole, Registration
from hafennetz.members.models import StaffAccount
from tests.browser.conftest import MEMBER_LOGIN, OFFICE_LOGIN, BrowserPage, field, t


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_create_register_plan_export_minutes(bpage: BrowserPage, login_as, context) -> None:  # type: ignore[no-untyped-def]
    page = bpage.page
    login_as(OFFICE_LOGIN)
    start = (timezone.now() + dt.timedelta(days=40)).replace(minute=0, second=0, microsecond=0)

    # Create the meeting.
    page.goto("/treffen/")
    page.get_by_role("link", name=t("New meeting"), exact=True).click()
    page.get_by_label(field("title")).fill("Browsertreffen")
    page.get_by_label(field("level")).select_option("federal")
    page.get_by_label(field("format")).select_option("digital")
    page.get_by_label(field("begins")).fill(_local(start))
    page.get_by_label(field("ends")).fill(_local(start + dt.timedelta(hours=5)))
    page.get_by_label(field("video link")).fill("https://video.example.org/browser")
    page.get_by_label(field("registration opens")).fill(
        _local(timezone.now() - dt.timedelta(days=1))
    )
    page.get_by_label(field("registration closes")).fill(_local(start - dt.timedelta(days=1)))
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.locator(".messages .success")).to_have_text(t("The meeting was saved."))
    meeting = Meeting.objects.get(title="Browsertreffen")

    # An overlapping block is refused at the field; a fitting one is added.
    page.get_by_role("link", name=t("Agenda"), exact=True).click()
    page.get_by_label(field("Kind")).select_option("small_groups")
    page.get_by_label(field("Title")).fill("Kleingruppen")
    page.get_by_label(field("Begins")).fill(_local(start + dt.timedelta(hours=1)))
    page.get_by_label(field("Ends")).fill(_local(start + dt.timedelta(hours=2)))
    page.get_by_role("button", name=t("Add"), exact=True).click()
    expect(page.locator(".messages .success")).to_have_text(t("The block was added."))
    page.get_by_label(field("Kind")).select_option("plenary")
    page.get_by_label(field("Title")).fill("Plenum")
    page.get_by_label(field("Begins")).fill(_local(start + dt.timedelta(minutes=90)))
    page.get_by_label(field("Ends")).fill(_local(start + dt.timedelta(hours=3)))
    page.get_by_role("button", name=t("Add"), exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("Kleingruppen")
    assert meeting.blocks.count() == 1

    # Twelve members register; the demo member registers itself in the browser.
    accounts = list(
        StaffAccount.objects.filter(is_demo=True, member__left_on__isnull=True)
        .exclude(user__username=MEMBER_LOGIN)
        .select_related("user", "member")
        .order_by("member__state_id", "pk")[:11]
    )
    for index, account in enumerate(accounts):
        Registration.objects.create(
            meeting=meeting,
            user=account.user,
            member=account.member,
            status="confirmed",
            role=ParticipantRole.FACILITATOR if index < 3 else ParticipantRole.PARTICIPANT,
        )
    context.clear_cookies()
    login_as(MEMBER_LOGIN)
    page.goto(f"/treffen/{meeting.pk}/")
    page.get_by_role("button", name=t("Register"), exact=True).click()
    expect(page.locator("#my-registration")).to_have_text(t("You are registered."))
    ics = page.request.get(f"/treffen/{meeting.pk}/termin.ics")
    event = Calendar.from_ical(ics.body()).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Browsertreffen"

    # The office plans the groups (3 facilitators -> 3 groups of 4) and exports them.
    context.clear_cookies()
    login_as(OFFICE_LOGIN)
    page.goto(f"/treffen/{meeting.pk}/kleingruppen/")
    page.get_by_label(field("Smallest group")).fill("4")
    page.get_by_label(field("Largest group")).fill("4")
    page.get_by_role("button", name=t("Make the plan"), exact=True).click()
    expect(page.locator(".group-card")).to_have_count(3)
    plan = GroupPlan.objects.get(meeting=meeting, is_current=True)
    assert plan.quality["violations"] == 0
    zoom = page.request.get(f"/treffen/{meeting.pk}/kleingruppen/zoom/?runde=1")
    rows = list(csv.reader(io.StringIO(zoom.text().lstrip("\ufeff"))))
    assert len(rows) == 13  # header + 12 people

    # The participant sees their group.
    context.clear_cookies()
    login_as(MEMBER_LOGIN)
    page.goto(f"/treffen/{meeting.pk}/")
    expect(page.locator("#my-groups li")).to_have_count(1)

    # Minutes, a decision, closing.
    context.clear_cookies()
    login_as(OFFICE_LOGIN)
    page.goto(f"/treffen/{meeting.pk}/protokoll/")
    page.get_by_label(field("Minutes")).fill("Gute Gespräche über Unterbringung.")
    page.get_by_role("button", name=t("Save minutes"), exact=True).click()
    page.get_by_label(field("Decision")).fill("Wir schreiben ein Positionspapier.")
    page.get_by_role("button", name=t("Add decision"), exact=True).click()
    # A meeting that has not ended cannot be closed: the page says so and offers no button.
    expect(page.get_by_role("link", name=t("Close meeting …"))).to_have_count(0)
    page.goto(f"/treffen/{meeting.pk}/abschliessen/")
    expect(page.locator("#not-ended")).to_be_visible()
    expect(page.locator("#close-meeting")).to_have_count(0)

    # Once it has ended, closing asks for an explicit confirmation on its own page.
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=6),
        ends_at=timezone.now() - dt.timedelta(hours=1),
        registration_closes_at=timezone.now() - dt.timedelta(hours=7),
    )
    meeting.blocks.all().delete()
    page.goto(f"/treffen/{meeting.pk}/protokoll/")
    page.get_by_role("link", name=t("Close meeting …"), exact=True).click()
    page.get_by_role("button", name=t("Close meeting"), exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text(
        t("Please confirm that the meeting may be closed.")
    )
    meeting.refresh_from_db()
    assert meeting.closed_at is None
    page.locator("#id_confirm").check()
    page.get_by_role("button", name=t("Close meeting"), exact=True).click()
    expect(page.locator(".messages .success")).to_have_text(t("The meeting was closed."))
    meeting.refresh_from_db()
    assert meeting.closed_at is not None and meeting.decisions.count() == 1
    assert bpage.console_errors == []


def test_calendar_address_can_be_renewed_and_revoked(bpage: BrowserPage, login_as) -> None:  # type: ignore[no-untyped-def]
    page = bpage.page
    login_as(MEMBER_LOGIN)
    page.goto("/treffen/kalender/")
    page.locator("#create-feed").click()
    # The address is built from SITE_URL (http://testserver in the tests): fetch its path.
    first = urlsplit(page.locator("#feed-url").input_value()).path
    assert page.request.get(first).status == 200
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#renew-feed").click()
    expect(page.locator(".messages .success")).to_be_visible()
    second = urlsplit(page.locator("#feed-url").input_value()).path
    assert second != first
    assert page.request.get(first).status == 404
    assert page.request.get(second).status == 200
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#revoke-feed").click()
    expect(page.locator("#create-feed")).to_be_visible()
    assert page.request.get(second).status == 404
    assert bpage.console_errors == []
