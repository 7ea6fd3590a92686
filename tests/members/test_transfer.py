"""Import and export of members: dry-run preview, line errors, all-or-nothing, round trip."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from hafennetz.core.exports import to_csv, to_excel_csv, to_xlsx
from hafennetz.core.models import AuditEntry
from hafennetz.members import services
from hafennetz.members.models import Member
from hafennetz.members.transfer import (
    MAX_FILE_BYTES,
    MAX_ROWS,
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
        services.members_import(actor=office_user, rows=preview.raw())
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
    done = services.members_import(actor=office_user, rows=preview.raw())
    assert (done.creates, done.updates) == (1, 1)
    assert Member.objects.get(municipality_id="01051001").joined_on.isoformat() == "2022-03-01"
    assert Member.objects.get(municipality_id="05766020").website == "https://www.detmold.de"
    assert AuditEntry.objects.filter(action="member.import").exists()


def test_export_round_trips_through_csv_and_xlsx(office_user) -> None:
    members = list(
        Member.objects.select_related("state", "municipality", "district").prefetch_related(
            "signatures__declaration"
        )
    )
    rows = list(export_rows(members))
    assert len(rows) == len(members) + 1
    book = load_workbook(io.BytesIO(to_xlsx(rows)))
    assert book.active.max_row == len(members) + 1
    assert [c.value for c in book.active[1]] == [str(c) for c in rows[0]]  # German headers
    # An unchanged export imports as "no changes".
    preview = check_rows(read_table("export.csv", to_csv(rows)))
    assert preview.is_valid, preview.error_rows[:3]
    assert (preview.creates, preview.updates, preview.unchanged) == (0, 0, len(members))
    preview_xlsx = check_rows(read_table("export.xlsx", to_xlsx(rows)))
    assert preview_xlsx.is_valid
    assert (preview_xlsx.creates, preview_xlsx.updates) == (0, 0)
    # The German Excel CSV (semicolons, German headers and dates) reads back too.
    preview_excel = check_rows(read_table("export.csv", to_excel_csv(rows)))
    assert preview_excel.is_valid, preview_excel.error_rows[:3]
    assert (preview_excel.creates, preview_excel.updates) == (0, 0)


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


# --- imports that cannot be turned against the server or the data (issue 10, item 8) ----------


def _sparse_xlsx(*, keep_dimension: bool = True) -> bytes:
    """A few KiB: a header and one cell in the sheet's last row (and, with the dimension, its
    last column: without it, columns beyond the limit are not read at all)."""
    book = Workbook()
    book.active["A1"] = "ags"
    book.active["A2"] = "01051001"
    book.active["XFD1048576" if keep_dimension else "A1048576"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    if keep_dimension:
        return buffer.getvalue()
    # The same file without its <dimension> element: the limit must hold while streaming.
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension [^>]*/>", b"", data)
            target.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("keep_dimension", [True, False])
def test_sparse_xlsx_with_a_huge_sheet_is_refused_at_once(keep_dimension: bool) -> None:
    content = _sparse_xlsx(keep_dimension=keep_dimension)
    assert len(content) < 40 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ImportFileError) as exc:
            read_table("sparse.xlsx", content)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "5000" in str(exc.value) or "columns" in str(exc.value)
    assert elapsed < 1.0, elapsed
    assert peak < 50 * 1024 * 1024, peak


def test_too_large_and_zip_bomb_files_are_refused_before_parsing() -> None:
    with pytest.raises(ImportFileError):
        read_table("big.csv", b"ags\n" + b"01051001\n" * (MAX_FILE_BYTES // 9 + 1))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<a/>" + b" " * (60 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    with pytest.raises(ImportFileError) as exc:
        read_table("bomb.xlsx", bomb.getvalue())
    assert "unpacked" in str(exc.value)


def test_too_many_rows_or_columns_are_refused() -> None:
    rows = "ags\n" + "01051001\n" * (MAX_ROWS + 1)
    with pytest.raises(ImportFileError):
        read_table("rows.csv", rows.encode())
    with pytest.raises(ImportFileError):
        read_table("cols.csv", ("ags" + ",x" * 60 + "\n01051001\n").encode())


def test_binary_file_named_csv_gets_a_message() -> None:
    with pytest.raises(ImportFileError) as exc:
        read_table("photo.csv", bytes(range(256)) * 20)
    assert "CSV" in str(exc.value)


def test_field_longer_than_the_csv_limit_gets_a_message() -> None:
    content = b'ags,name\n01051001,"' + b"x" * 140_000 + b'"\n'
    with pytest.raises(ImportFileError) as exc:
        read_table("long.csv", content)
    assert "Line 2" in str(exc.value) or "longer" in str(exc.value)


def test_quoted_fields_with_commas_are_not_split() -> None:
    content = (
        b'ags,name,website\n01051001,"Albersdorf, Gemeinde",https://albersdorf.de\n'
        b'01051002,"Arkebek, Dorf ""am Bach""",\n'
    )
    rows = read_table("quoted.csv", content)
    assert rows[0][1]["name"] == "Albersdorf, Gemeinde"
    assert rows[1][1]["name"] == 'Arkebek, Dorf "am Bach"'
    assert rows[0][1]["website"] == "https://albersdorf.de"
    # Semicolon and tab files (German Excel) still work; so does a one-column file.
    assert read_table("s.csv", b"ags;name\n01051001;A, B\n")[0][1]["name"] == "A, B"
    assert read_table("t.csv", b"ags\tname\n01051001\tA\n")[0][1]["name"] == "A"
    assert read_table("o.csv", b"ags\n01051001\n")[0][1] == {"ags": "01051001"}


def test_a_file_with_only_ags_keeps_every_other_value(office_user, own_member) -> None:
    services.member_update(
        actor=office_user,
        member=own_member,
        data={"website": "https://www.detmold.de", "safe_harbour_resolution_on": None},
    )
    own_member.refresh_from_db()
    stored = Member.objects.filter(pk=own_member.pk).values().get()
    for content in (
        b"ags\n05766020\n",
        b"ags,joined_on,website,name,left_on\n05766020,,,,\n",  # empty cells keep too
    ):
        preview = check_rows(read_table("keep.csv", content))
        assert preview.is_valid and (preview.updates, preview.unchanged) == (0, 1)
        services.members_import(actor=office_user, rows=preview.raw())
        assert Member.objects.filter(pk=own_member.pk).values().get() == stored


def test_the_clear_marker_deletes_a_value_explicitly(office_user, own_member) -> None:
    services.member_update(
        actor=office_user, member=own_member, data={"website": "https://www.detmold.de"}
    )
    preview = check_rows(read_table("clear.csv", b"ags,website\n05766020,-\n"))
    assert preview.updates == 1
    services.members_import(actor=office_user, rows=preview.raw())
    own_member.refresh_from_db()
    assert own_member.website == ""
    assert own_member.joined_on is not None
    # A leaving date cannot be removed by a file.
    bad = check_rows(read_table("clear.csv", b"ags,left_on\n05766020,-\n"))
    assert not bad.is_valid


def test_import_refuses_the_same_city_at_two_levels(office_user) -> None:
    from hafennetz.core.models import District

    district = (
        District.objects.filter(district_type="Kreisfreie Stadt", member__isnull=True)
        .exclude(municipalities__member__isnull=False)
        .order_by("ags")
        .first()
    )
    town = district.municipalities.get()
    twice = check_rows(read_table("t.csv", f"ags\n{town.ags}\n{district.ags}\n".encode()))
    assert [r.line for r in twice.error_rows] == [3]
    services.member_create(actor=office_user, ags=town.ags, joined_on=None)
    again = check_rows(read_table("t.csv", f"ags\n{district.ags}\n".encode()))
    assert not again.is_valid and town.ags in again.error_rows[0].errors[0]


def test_the_registry_changing_between_check_and_write_stops_the_import(
    office_user, own_member, monkeypatch
) -> None:
    preview = check_rows(read_table("c.csv", b"ags,website\n05766020,https://a.example\n"))
    original = services.check_rows

    def check_then_someone_else_writes(rows):  # type: ignore[no-untyped-def]
        checked = original(rows)
        Member.objects.filter(pk=own_member.pk).update(website="https://b.example")
        return checked

    monkeypatch.setattr(services, "check_rows", check_then_someone_else_writes)
    with pytest.raises(ValidationError):
        services.members_import(actor=office_user, rows=preview.raw())
    own_member.refresh_from_db()
    assert own_member.website == "https://b.example"


def test_import_marks_leaving_and_audits_each_member(office_user, own_member) -> None:
    content = b"ags,left_on,website\n05766020,2025-01-31,https://neu.example\n"
    preview = check_rows(read_table("l.csv", content))
    assert preview.is_valid and preview.updates == 1
    services.members_import(actor=office_user, rows=preview.raw())
    own_member.refresh_from_db()
    assert own_member.left_on == dt.date(2025, 1, 31)
    assert own_member.website == "https://neu.example"
    actions = set(
        AuditEntry.objects.filter(object_id=str(own_member.pk)).values_list("action", flat=True)
    )
    assert {"member.update", "member.leave"} <= actions
