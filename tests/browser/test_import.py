"""The coordination office imports members from a file: errors by line first, then a clean run."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from hafennetz.core.models import AuditEntry, Municipality
from hafennetz.members.models import Member
from tests.browser.conftest import OFFICE_LOGIN, BrowserPage, LoginAs, field, t


def _unregistered(n: int) -> list[Municipality]:
    """The n largest municipalities that are not yet registered."""
    return list(Municipality.objects.filter(member__isnull=True).order_by("-population")[:n])


def _write_csv(path: Path, *rows: list[str], delimiter: str = ",") -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)


def _upload(page: Page, path: Path) -> None:
    page.get_by_label(field("File (CSV or XLSX)")).set_input_files(path)
    page.get_by_role("button", name=t("Check file (preview)"), exact=True).click()


def _line(n: int) -> str:
    return t("Line %(line)s") % {"line": n}


def test_import_with_a_bad_file_lists_line_errors_then_a_good_file_imports(
    bpage: BrowserPage,
    login_as: LoginAs,
    tmp_path: Path,
) -> None:
    login_as(OFFICE_LOGIN)
    a, b, c, d = _unregistered(4)
    members_before = Member.objects.count()
    audit_before = AuditEntry.objects.count()
    bad = tmp_path / "mitglieder-fehler.csv"
    _write_csv(
        bad,
        ["ags", "name", "joined_on", "left_on"],
        ["99999999", "Nirgendwo", "2021-03-01", ""],  # line 2: unknown AGS
        [a.ags, a.name, "2021-03-01", ""],  # line 3: fine
        [a.ags, f"{a.name} (again)", "2021-04-01", ""],  # line 4: AGS twice
        [b.ags, b.name, "2022-05-01", "2021-01-01"],  # line 5: leaves before it joined
        [c.ags, c.name, "31.02.2022", ""],  # line 6: no such date
    )
    page = bpage.page

    page.goto("/")
    page.get_by_role("link", name=t("Import"), exact=True).click()
    expect(page).to_have_url("/verwaltung/import/")
    _upload(page, bad)

    errors = page.locator("#import-errors li")
    expected = [
        (2, "ags", "99999999"),
        (4, "ags", a.ags),
        (5, "left_on", ""),
        (6, "joined_on", "31.02.2022"),
    ]
    expect(errors).to_have_count(len(expected))
    for (line, name, value), item in zip(expected, errors.all(), strict=True):
        expect(item).to_contain_text(_line(line) + ":")
        expect(item).to_contain_text(re.compile(rf"\b{name}\b"))
        expect(item).to_contain_text(value)
    # The duplicate names the line where the AGS appeared first.
    expect(errors.nth(1)).to_contain_text(re.compile(r"\b3\b"))
    # The preview table marks exactly the bad rows.
    expect(page.locator("tr.row-error td:first-child")).to_have_text(["2", "4", "5", "6"])
    expect(page.get_by_role("button", name=t("Import now"), exact=True)).to_have_count(0)
    expect(page.locator("#confirm-import")).to_have_count(0)
    assert Member.objects.count() == members_before
    assert AuditEntry.objects.count() == audit_before
    assert not Member.objects.filter(municipality_id__in=[a.ags, b.ags, c.ags]).exists()

    good = tmp_path / "mitglieder.csv"
    _write_csv(
        good,
        ["ags", "name", "joined_on", "safe_harbour_resolution_on", "website"],
        [c.ags, c.name, "01.02.2022", "", ""],
        [d.ags, f"Test {d.name}", "2023-06-15", "2023-05-10", f"https://example.org/{d.ags}"],
        delimiter=";",
    )
    _upload(page, good)
    expect(page.locator("#import-errors")).to_have_count(0)
    expect(page.locator("table tbody tr")).to_have_count(2)
    page.get_by_role("button", name=t("Import now"), exact=True).click()

    expect(page).to_have_url("/mitglieder/")
    expect(page.locator(".messages .success")).to_have_text(
        t("Import done: %(create)s added, %(update)s updated, %(unchanged)s unchanged.")
        % {"create": 2, "update": 0, "unchanged": 0}
    )
    assert Member.objects.count() == members_before + 2
    first = Member.objects.get(municipality_id=c.ags)
    second = Member.objects.get(municipality_id=d.ags)
    assert first.joined_on.isoformat() == "2022-02-01"
    assert second.name == f"Test {d.name}"
    assert second.joined_on.isoformat() == "2023-06-15"
    assert second.safe_harbour_resolution_on.isoformat() == "2023-05-10"
    assert second.website == f"https://example.org/{d.ags}"
    assert AuditEntry.objects.filter(action="member.import").count() == 1


def test_a_file_with_only_ags_changes_nothing_and_the_page_says_why(
    bpage: BrowserPage,
    login_as: LoginAs,
    tmp_path: Path,
) -> None:
    login_as(OFFICE_LOGIN)
    detmold = Member.objects.get(municipality_id="05766020")
    stored = Member.objects.filter(pk=detmold.pk).values().get()
    only_ags = tmp_path / "nur-ags.csv"
    _write_csv(only_ags, ["ags"], [detmold.ags])
    page = bpage.page

    page.goto("/verwaltung/import/")
    # The rule is on the page: missing column or empty cell keeps, "-" deletes.
    rules = page.locator("#import-rules")
    expect(rules).to_contain_text(
        t("An empty cell leaves the member's value unchanged as well; it never deletes anything.")
    )
    _upload(page, only_ags)
    expect(page.locator("table tbody tr td").last).to_have_text(t("unchanged"))
    page.get_by_role("button", name=t("Import now"), exact=True).click()
    expect(page.locator(".messages .success")).to_have_text(
        t("Import done: %(create)s added, %(update)s updated, %(unchanged)s unchanged.")
        % {"create": 0, "update": 0, "unchanged": 1}
    )
    assert Member.objects.filter(pk=detmold.pk).values().get() == stored
