"""A joint position from draft through the comment phase (with an official answer) and the
endorsement phase to the public page with map, table and the PDF of signatories."""

from __future__ import annotations

import io

from playwright.sync_api import expect
from pypdf import PdfReader

from hafennetz.core.models import AuditEntry
from hafennetz.positions.models import Comment, Endorsement, Position
from tests.browser.conftest import MEMBER_LOGIN, OFFICE_LOGIN, BrowserPage, LoginAs, field, t

TITLE = "Positionspapier Sprachkurse (Browsertest)"


def test_position_from_draft_to_public_page(bpage: BrowserPage, login_as: LoginAs) -> None:
    page = bpage.page
    page.on("dialog", lambda dialog: dialog.accept())

    # The office drafts the position.
    login_as(OFFICE_LOGIN)
    page.goto("/positionen/")
    page.get_by_role("link", name=t("Draft a new position"), exact=True).click()
    page.get_by_label(field("Title")).fill(TITLE)
    page.get_by_label(field("Text")).fill(
        "Einleitung.\n\n## Lage\nEs fehlen Kurse.\n\n## Forderung\nMehr Kurse vom Bund."
    )
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.locator(".messages .success")).to_have_text(t("The position was saved as a draft."))
    position = Position.objects.get(title=TITLE)
    page.get_by_role("button", name=t("Open the comment phase"), exact=True).click()
    expect(page.locator(".phase")).to_have_text(t("Comment phase"))

    # Staff of a member comment on a section.
    login_as(MEMBER_LOGIN)
    page.goto(f"/positionen/{position.pk}/")
    section = page.locator("#abschnitt-lage")
    section.get_by_text(t("Comment on this section"), exact=True).click()
    section.get_by_label(t("Your comment"), exact=True).fill("Bitte Kinderbetreuung nennen.")
    section.get_by_role("button", name=t("Send comment"), exact=True).click()
    expect(page.locator(".messages .success")).to_have_text(t("Your comment was saved."))
    comment = Comment.objects.get(position=position)

    # The office changes the text (version 2) and answers, pointing to that version.
    login_as(OFFICE_LOGIN)
    page.goto(f"/positionen/{position.pk}/bearbeiten/")
    page.get_by_label(field("Text")).fill(
        "Einleitung.\n\n## Lage\nEs fehlen Kurse und Kinderbetreuung.\n\n"
        "## Forderung\nMehr Kurse vom Bund."
    )
    page.get_by_role("button", name=t("Save"), exact=True).click()
    page.goto(f"/positionen/kommentare/{comment.pk}/antwort/")
    page.get_by_label(field("Official answer")).fill("Danke, aufgenommen.")
    page.get_by_label(field("Taken up in version")).select_option(label="Version 2")
    page.get_by_role("button", name=t("Save answer"), exact=True).click()
    answer = page.locator(f"#kommentar-{comment.pk}")
    expect(answer.locator(".answer")).to_contain_text("Danke, aufgenommen.")
    answer.get_by_role("link", name=t("see the changes"), exact=True).click()
    expect(page.locator("#diff ins")).to_contain_text("Kinderbetreuung.")
    page.goto(f"/positionen/{position.pk}/")
    page.get_by_role("button", name=t("Open the endorsement phase"), exact=True).click()

    # The member endorses as a municipality; a second endorsement is refused clearly.
    login_as(MEMBER_LOGIN)
    page.goto(f"/positionen/{position.pk}/")
    page.get_by_role("link", name=t("Endorse as a municipality"), exact=True).click()
    page.get_by_label(field("Signatory (name)")).fill("Frank Beispiel")
    page.get_by_label(field("Function of the signatory")).fill("Bürgermeister")
    page.get_by_role("button", name=t("Endorse the position"), exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text(
        t("Please confirm that you are authorised to endorse for your municipality.")
    )
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name=t("Endorse the position"), exact=True).click()
    expect(page.locator("#endorsement-count")).to_have_text("1")
    page.goto(f"/positionen/{position.pk}/unterstuetzen/")
    expect(page.locator("main .notice")).to_be_visible()
    assert Endorsement.objects.filter(position=position).count() == 1

    # The office closes the phase and publishes.
    login_as(OFFICE_LOGIN)
    page.goto(f"/positionen/{position.pk}/")
    page.get_by_role(
        "button", name=t("Close the endorsement phase and publish"), exact=True
    ).click()
    expect(page.locator(".phase")).to_have_text(t("Published"))

    # The public sees the endorsing member in the count, table and map, and gets the PDF.
    page.context.clear_cookies()
    page.goto(f"/positionen/{position.pk}/")
    expect(page.locator("#endorsement-count")).to_have_text("1")
    expect(page.locator("#signatories tbody tr")).to_have_count(1)
    expect(page.locator("#signatories")).to_contain_text("Frank Beispiel, Bürgermeister")
    expect(page.locator("path.endorsement-point")).to_have_count(1)
    expect(page.locator("#abschnitt-lage .comments")).to_have_count(0)  # comments stay inside
    pdf = page.request.get(f"/positionen/{position.pk}/unterzeichnende.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert TITLE in text and "Detmold" in text and "Frank Beispiel" in text
    assert not bpage.console_errors
    actions = set(
        AuditEntry.objects.filter(object_type__startswith="positions.").values_list(
            "action", flat=True
        )
    )
    assert {"position.create", "position.comment", "position.endorse", "position.phase"} <= actions
