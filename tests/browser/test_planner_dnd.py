"""The small-group planner for humans (issue 16): a person is moved to another group by drag and
drop (the rules are checked as for the form), and all rounds show on one screen."""

from __future__ import annotations

from playwright.sync_api import expect

from hafennetz.meetings.models import GroupAssignment, GroupPlan, Meeting
from tests.browser.conftest import OFFICE_LOGIN, BrowserPage, t


def test_drag_a_person_to_another_group(bpage: BrowserPage, login_as) -> None:  # type: ignore[no-untyped-def]
    plan = GroupPlan.objects.select_related("meeting").order_by("pk").last()
    assert plan is not None, "the demo data has a meeting with a small-group plan"
    Meeting.objects.filter(pk=plan.meeting_id).update(closed_at=None)  # moves need an open one
    page = bpage.page
    login_as(OFFICE_LOGIN)
    page.goto(f"/treffen/{plan.meeting_id}/kleingruppen/")

    compact = page.locator("#compact-plan")
    compact.locator("summary").click()
    expect(compact.locator("tbody tr").first).to_be_visible()

    first_round = page.locator('.group-card[data-round="1"]')
    source_card, target_card = first_round.nth(0), first_round.nth(1)
    person = source_card.locator("li[data-registration]").first
    registration = int(person.get_attribute("data-registration") or 0)
    block = int(person.locator('input[name="block"]').get_attribute("value") or 0)
    target = int(target_card.get_attribute("data-group") or 0)

    def group_now() -> int:
        found = (
            GroupAssignment.objects.filter(block_id=block, registration_id=registration)
            .order_by("-plan_id")
            .first()
        )
        assert found is not None
        return found.group + 1

    assert group_now() != target
    person.drag_to(target_card.locator("h3"))

    # Either saved, or the planner names the broken rule and asks before saving anyway.
    saved = page.get_by_text(t("The move was saved."))
    confirm = page.get_by_role("button", name=t("Save anyway"))
    expect(saved.or_(confirm)).to_be_visible()
    if confirm.is_visible():
        confirm.click()
        expect(saved).to_be_visible()
    assert group_now() == target
    assert not bpage.console_errors, bpage.console_errors
