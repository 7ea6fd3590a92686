"""Household import: the engine's CSV format as CSV or XLSX, a preview with errors per line
and column, all rows or none, never names; hostile files never cause a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hafennetz.admission import imports, services
from hafennetz.admission.demo import demo_contingent, seed_demo_admission
from hafennetz.admission.models import Contingent, Household
from hafennetz.core.exports import to_xlsx
from hafennetz.core.models import AuditEntry
from hafennetz.core.tables import TableError

pytestmark = pytest.mark.django_db

HEADER = "case_id,age_0_2,age_3_5,age_6_17,age_18_64,age_65_plus,flags,links,preferences,batch\n"
GOOD = (
    HEADER + "I-0001,0,1,2,2,0,language_support,,,1\n"
    "I-0002,0,0,1,2,0,,I-0003:same_municipality,,1\n"
    "I-0003,0,0,0,1,0,language_support,I-0002:same_municipality,,1\n"
    "I-0004,0,0,0,1,0,,,,2\n"
)


@pytest.fixture
def contingent() -> Contingent:
    seed_demo_admission()
    return demo_contingent()


def _errors(preview: imports.HouseholdPreview) -> dict[int, list[tuple[str, str]]]:
    return {r.line: r.errors for r in preview.rows if r.errors}


def test_good_file_previews_then_imports_all(office_user, contingent) -> None:
    before = Household.objects.filter(contingent=contingent).count()
    preview = imports.check_households(contingent, imports.read_households("h.csv", GOOD.encode()))
    assert preview.is_valid and preview.persons == 10
    assert preview.beyond_contingent == max(0, preview.existing_persons + 10 - contingent.persons)
    assert Household.objects.filter(contingent=contingent).count() == before  # nothing written
    assert services.households_import(actor=office_user, contingent=contingent, rows=preview.raw())
    assert Household.objects.filter(contingent=contingent).count() == before + 4
    h = Household.objects.get(contingent=contingent, case_id="I-0002")
    assert h.links == [{"case": "I-0003", "kind": "same_municipality"}] and h.batch == 1
    assert AuditEntry.objects.filter(action="household.import").exists()


def test_xlsx_with_semicolons_and_spreadsheet_numbers(office_user, contingent) -> None:
    rows = [
        ["case_id", "age_0_2", "age_3_5", "age_6_17", "age_18_64", "age_65_plus", "flags"],
        ["X-1", 0, 0, 0, 2.0, 0, "language_support;job_placement"],
    ]
    preview = imports.check_households(contingent, imports.read_households("h.xlsx", to_xlsx(rows)))
    assert preview.is_valid, _errors(preview)
    assert preview.rows[0].data["needs"] == ["job_placement", "language_support"]


def test_bad_rows_are_named_by_line_and_column_and_nothing_is_written(
    office_user, contingent
) -> None:
    existing = Household.objects.filter(contingent=contingent).first()
    assert existing is not None
    bad = (
        HEADER + "B-0001,0,0,0,1,0,,B-9999:same_municipality,,\n"  # unknown case
        f"{existing.case_id},0,0,0,1,0,,,,\n"  # exists already
        "B-0003,0,0,0,1,0,,B-0001:same_municipality;B-0001:same_district,,\n"  # contradictory
        "B-0004,0,0,20,20,20,,,,\n"  # larger than every capacity
        "B-0005,0,0,0,1,0,flying,,,\n"  # unknown need
        "B-0006,0,0,0,1,0,,B-0007:same_municipality,,1\n"  # linked, other batch
        "B-0007,0,0,0,1,0,,B-0006:same_municipality,,2\n"
        "Mustermann,0,0,0,1,0,,,,\n"  # a name as case number
        "B-0009,0,0,0,x,0,,,99999999,\n"  # not a number; not eligible
    )
    before = Household.objects.count()
    preview = imports.check_households(contingent, imports.read_households("b.csv", bad.encode()))
    errors = _errors(preview)
    columns = {line: {c for c, _m in errs} for line, errs in errors.items()}
    assert "links" in columns[2] and "case_id" in columns[3] and "links" in columns[4]
    assert "size" in columns[5] and "flags" in columns[6] and "batch" in columns[7]
    assert "case_id" in columns[9] and {"age_18_64", "preferences"} <= columns[10]
    assert "Mitglied" in str(errors[5]) or "member" in str(errors[5])
    with pytest.raises(Exception, match=r"nothing|nichts"):
        services.households_import(actor=office_user, contingent=contingent, rows=preview.raw())
    assert Household.objects.count() == before


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "h.csv",
            b"case_id,name,age_0_2,age_3_5,age_6_17,age_18_64,age_65_plus\nA-1,X,0,0,0,1,0\n",
        ),
        ("h.csv", b"case_id,Geburtsdatum,age_0_2,age_3_5,age_6_17,age_18_64,age_65_plus\n"),
        ("h.csv", b"case_id,age_0_2\nA-1,0\n"),
        ("h.pdf", b"%PDF-1.4"),
        ("h.xlsx", b"PK\x03\x04not a zip"),
        ("h.csv", b""),
    ],
)
def test_unreadable_files_are_refused(name: str, content: bytes) -> None:
    with pytest.raises(TableError):
        imports.read_households(name, content)


def test_pages_preview_then_confirm(client: Client, office_user, contingent) -> None:
    client.force_login(office_user)
    url = reverse("household-import", args=[contingent.pk])
    response = client.post(url, {"file": SimpleUploadedFile("h.csv", GOOD.encode())})
    assert response.status_code == 200 and response.context["preview"].is_valid
    signed = response.context["signed_rows"]
    confirm = reverse("household-import-confirm", args=[contingent.pk])
    assert client.post(confirm, {"rows": signed + "x"}).status_code == 302  # tampered
    assert not Household.objects.filter(case_id="I-0001").exists()
    assert client.post(confirm, {"rows": signed}).status_code == 302
    assert Household.objects.filter(contingent=contingent, case_id="I-0001").exists()
    # The same file again: every case exists already, shown at the column.
    response = client.post(url, {"file": SimpleUploadedFile("h.csv", GOOD.encode())})
    assert response.status_code == 200 and not response.context["preview"].is_valid
    assert "case_id" in response.content.decode()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=10), min_size=1, max_size=6))
def test_any_table_is_checked_without_crashing(contingent, cells) -> None:  # type: ignore[no-untyped-def]
    header = "case_id,age_0_2,age_3_5,age_6_17,age_18_64,age_65_plus,flags,links,preferences,batch"
    body = "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in cells)
    try:
        rows = imports.read_households("f.csv", (header + "\n" + body).encode())
    except TableError:
        return
    preview = imports.check_households(contingent, rows)
    assert all(isinstance(m, str) for r in preview.rows for _c, m in r.errors)
