"""A member municipality keeps its own profile and cannot touch another member's."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.utils import translation
from playwright.sync_api import expect

from hafennetz.core.models import AuditEntry
from hafennetz.members.models import Criterion, CriterionStatus, Member
from tests.browser.conftest import MEMBER_LOGIN, BrowserPage, LoginAs, field, t

OWN_AGS = "05766020"  # Detmold
OTHER_AGS = "03254021"  # Hildesheim


def test_member_edits_its_own_profile(bpage: BrowserPage, login_as: LoginAs) -> None:
    user = login_as(MEMBER_LOGIN)
    member = Member.objects.get(municipality_id=OWN_AGS)
    decided = set(
        CriterionStatus.objects.filter(member=member, decided=True).values_list(
            "criterion", flat=True
        )
    )
    criterion = next(c for c in Criterion if c.value not in decided)
    with translation.override("de"):
        criterion_label = str(criterion.label)
    website = "https://www.detmold.de/sicherer-hafen-test"
    assert member.website != website
    page = bpage.page

    page.goto("/")
    page.get_by_role("link", name=t("My member"), exact=True).click()
    expect(page).to_have_url(f"/mitglieder/{OWN_AGS}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(member.name)
    page.get_by_role("link", name=t("Edit profile"), exact=True).click()
    expect(page).to_have_url(f"/mitglieder/{OWN_AGS}/bearbeiten/")

    page.get_by_label(field("Website")).fill(website)
    checkbox = page.get_by_label(f"{criterion_label} – {t('decided')}", exact=True)
    expect(checkbox).not_to_be_checked()
    checkbox.check()
    # Only the coordination office records the joining date.
    expect(page.get_by_label(field("Joined the alliance"))).to_have_count(0)
    page.get_by_role("button", name=t("Save"), exact=True).click()

    expect(page).to_have_url(f"/mitglieder/{OWN_AGS}/")
    expect(page.locator(".messages .success")).to_have_text(t("The profile was saved."))
    expect(page.locator("dl.facts a", has_text=website)).to_have_attribute("href", website)
    row = page.locator("tr", has=page.get_by_role("cell", name=criterion_label, exact=True))
    expect(row.locator("td").nth(1)).to_have_text(re.compile(rf"✓\s*{re.escape(t('yes'))}"))

    member.refresh_from_db()
    assert member.website == website
    assert CriterionStatus.objects.get(member=member, criterion=criterion.value).decided
    entry = AuditEntry.objects.filter(action="member.update", object_id=str(member.pk)).first()
    assert entry is not None, "no audit entry for the profile change"
    assert entry.actor_id == user.pk
    assert entry.after["website"] == website
    assert entry.after["criteria"][criterion.value][0] is True


def test_member_is_refused_another_members_profile(bpage: BrowserPage, login_as: LoginAs) -> None:
    login_as(MEMBER_LOGIN)
    other = Member.objects.get(municipality_id=OTHER_AGS)
    page = bpage.page

    response = page.goto(f"/mitglieder/{OTHER_AGS}/bearbeiten/")
    assert response is not None
    assert response.status == 403
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Access denied"))
    # The refusal says what was refused.
    expect(page.locator("main")).to_contain_text(
        t("Only the staff of %(member)s and the coordination office may edit its profile.")
        % {"member": other.name}
    )
    # Still logged in, with the normal page frame around the refusal.
    demo_person = get_user_model().objects.get(username=MEMBER_LOGIN).get_full_name()
    expect(page.locator(".site-header .who")).to_contain_text(demo_person or MEMBER_LOGIN)
    expect(page.get_by_label(field("Website"))).to_have_count(0)

    page.goto(f"/mitglieder/{OTHER_AGS}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(other.name)
    expect(page.get_by_role("link", name=t("Edit profile"), exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name=t("Add contact"), exact=True)).to_have_count(0)
    expect(page.locator(f'a[href="/mitglieder/{OTHER_AGS}/bearbeiten/"]')).to_have_count(0)
