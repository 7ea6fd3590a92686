"""The Austausch in the browser: a member writes and publishes a practice and finds it by a
stemmed word; it asks a peer for contact, the peer (the Schleswig-Holstein coordination's
member, Kiel) accepts, and the asking member then sees the address that was hidden before."""

from __future__ import annotations

from django.utils import translation
from playwright.sync_api import expect

from hafennetz.exchange.models import ContactRequest, TopicOptIn
from hafennetz.members.models import Member
from tests.browser.conftest import MEMBER_LOGIN, STATE_LOGIN, BrowserPage, field, t


def test_write_find_and_ask(bpage: BrowserPage, login_as, context) -> None:  # type: ignore[no-untyped-def]
    page = bpage.page
    login_as(MEMBER_LOGIN)

    # Write a practice; an empty summary is refused at the field, nothing is saved.
    page.goto("/austausch/")
    page.get_by_role("link", name=t("Write a practice"), exact=True).first.click()
    page.get_by_label(field("Title")).fill("Mietpaten für Großfamilien")
    page.get_by_label(field("The problem")).fill("Große Familien finden keine Wohnungen.")
    page.get_by_label(field("What was done")).fill("Paten begleiten die Wohnungssuche.")
    page.get_by_label(field("Results and takeaways")).fill("Zwölf Familien sind umgezogen.")
    page.get_by_label("Unterbringung", exact=True).check()
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.locator("#id_summary_error, .errorlist").first).to_be_visible()
    page.get_by_label(field("Short summary")).fill("Patenschaften helfen großen Familien.")
    page.get_by_label(field("Visibility")).select_option("public")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.locator(".messages .success")).to_have_text(t("The practice was saved as a draft."))
    page.get_by_role("button", name=t("Publish"), exact=True).click()
    with translation.override("de"):
        published = translation.pgettext("practice status", "published")
    expect(page.locator("#practice-status")).to_have_text(published)

    # Find it by another form of a word it contains ("Wohnung" for "Wohnungen").
    page.goto("/austausch/praxis/")
    page.get_by_role("searchbox").fill("Wohnung Großfamilie")
    page.get_by_role("button", name=t("Search"), exact=True).click()
    expect(page.locator("#practice-results")).to_contain_text("Mietpaten für Großfamilien")

    # Ask Kiel for contact on housing: its address stays hidden until it accepts.
    kiel = Member.objects.get(municipality_id="01002000")
    contact = TopicOptIn.objects.get(member=kiel, topic__code="housing").contact
    page.goto(f"/austausch/anfragen/neu/{kiel.ags}/?thema=housing")
    page.get_by_label(field("Short introduction")).fill(
        "Wir suchen Wohnungen für große Familien und würden gern von Ihnen lernen."
    )
    page.get_by_role("button", name=t("Send request"), exact=True).click()
    expect(page.locator(".messages .success")).to_be_visible()
    expect(page.locator("#peer-contact")).not_to_contain_text(contact.email)
    request = ContactRequest.objects.get(from_member__municipality_id="05766020", to_member=kiel)

    context.clear_cookies()
    login_as(STATE_LOGIN)
    page.goto("/austausch/anfragen/")
    page.locator("#received").get_by_role("link", name="Detmold").click()
    expect(page.locator("#request-message")).to_contain_text("große Familien")
    page.get_by_label(t("Accept: pass our contact on")).check()
    page.get_by_label(field("Message")).fill("Gern, rufen Sie an.")
    page.get_by_role("button", name=t("Send answer"), exact=True).click()
    expect(page.locator("#request-status")).to_have_text(t("accepted"))

    context.clear_cookies()
    login_as(MEMBER_LOGIN)
    page.goto(f"/austausch/anfragen/{request.pk}/")
    expect(page.locator("#peer-contact")).to_contain_text(contact.email)
    expect(page.locator("#request-answer")).to_contain_text("Gern, rufen Sie an.")
