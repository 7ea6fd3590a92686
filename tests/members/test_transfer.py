"""Import and export of members: dry-run preview, line errors, all-or-nothing, round trip."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from hafennetz.core.exports import to_csv, to_xlsx
from hafennetz.core.models import AuditEntry
from hafennetz.members import services
from hafennetz.members.models import Member
from hafennetz.members.transfer import (
    ImportFileError,
    check_rows,
    export_rows,
    read_table,
)

pytestmark = pytest.mark.django_db

BAD_CSV = (
    b"ags;name;joined_on;left_on\n"
    b"01051001;Albersdorf;2022-03-01;\n"  # fine
    b"12345678;Nirgendwo;2022-03-01;\n"  # unknown AGS
    b"01051001;Albersdorf doppelt;2022-03-01;\n"  # duplicate
    b"01051002;Arkebek;2023-01-01;2022-01-01\n"  # left before joined
    b"01051003;Averlak;31.02.2022;\n"  # impossible date
)


def test_bad_file_reports_every_line_and_writes_nothing(office_user) -> None:
    before = (Member.objects.count(), AuditEntry.objects.count())
    preview = check_rows(read_table("members.csv", BAD_CSV))
    assert not preview.is_valid
    errors = {row.line: row.errors for row in preview.error_rows}
    assert set(errors) == {3, 4, 5, 6}
    assert "ags" in errors[3][0] and "12345678" in errors[3][0]
    assert "2" in errors[4][0]  # names the first line of the duplicate
    assert "left_on" in errors[5][0]
    assert "joined_on" in errors[6][0]
    with pytest.raises(Exception):  # noqa: B017 - any refusal; checked: nothing written
        services.members_import(actor=office_user, preview=preview)
    assert (Member.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("members.txt", b"ags\n1"),
        ("members.csv", b""),
        ("members.csv", b"name;x\nA;1"),
        ("members.xlsx", b"not a workbook"),
        ("members.csv", b"ags;unknown\n01051001;1"),
    ],
)
def test_unreadable_files_get_a_message(name: str, content: bytes) -> None:
    with pytest.raises(ImportFileError):
        read_table(name, content)


def test_good_file_creates_and_updates_in_one_transaction(office_user) -> None:
    content = (
        "ags,name,joined_on,safe_harbour_resolution_on,website\n"
        "01051001,Albersdorf,01.03.2022,2021-12-01,https://www.albersdorf.de\n"
        "05766020,Detmold,2019-06-14,,https://www.detmold.de\n"
    ).encode("utf-8-sig")
    preview = check_rows(read_table("m.csv", content))
    assert preview.is_valid and (preview.creates, preview.updates) == (1, 1)
    assert services.members_import(actor=office_user, preview=preview) == {"create": 1, "update": 1}
    assert Member.objects.get(municipality_id="01051001").joined_on.isoformat() == "2022-03-01"
    assert Member.objects.get(municipality_id="05766020").website == "https://www.detmold.de"
    assert AuditEntry.objects.filter(action="member.import").exists()


def test_export_round_trips_through_csv_and_xlsx(office_user) -> None:
    members = list(
        Member.objects.select_related("state", "municipality", "district").prefetch_related(
            "signatures__declaration"
        )
    )
    rows = export_rows(members)
    assert len(rows) == len(members) + 1
    book = load_workbook(io.BytesIO(to_xlsx(rows)))
    assert book.active.max_row == len(members) + 1
    assert [c.value for c in book.active[1]] == rows[0]
    # An unchanged export imports as updates only.
    preview = check_rows(read_table("export.csv", to_csv(rows)))
    assert preview.is_valid, preview.error_rows[:3]
    assert preview.updates == len(members) and preview.creates == 0
    preview_xlsx = check_rows(read_table("export.xlsx", to_xlsx(rows)))
    assert preview_xlsx.is_valid and preview_xlsx.updates == len(members)


def test_xlsx_lines_are_sheet_rows() -> None:
    book = Workbook()
    book.active.append(["ags", "joined_on"])
    book.active.append(["01051001", "2022-01-01"])
    book.active.append([None, None])
    book.active.append(["123", "2022-01-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = check_rows(read_table("m.xlsx", buffer.getvalue()))
    assert [r.line for r in preview.error_rows] == [4]
