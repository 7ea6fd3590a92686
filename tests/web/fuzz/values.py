"""Hostile values for form fields, query parameters and uploads (hypothesis strategies).

What broke the platform before (issue 10, item 7): non-ASCII digits ('²' passes str.isdigit()
but not int()), numbers beyond the database's integer and decimal limits, dates outside what the
database or the alliance can hold, control characters (CR/LF in e-mail headers, NUL in text
columns), very long texts, binary uploads, CSV fields beyond the csv module's limit.
"""

from __future__ import annotations

import datetime as dt
import io

from hypothesis import strategies as st

LONG_TEXT = "x" * 200_000
HUGE_NUMBER = "9" * 5_000

NUMBERS = [
    "0",
    "-1",
    "1.5",
    "1,5",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "0x10",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999",
    HUGE_NUMBER,
    "-" + HUGE_NUMBER,
    "²",
    "¹²³",
    "٣",  # Arabic-Indic digit three: str.isdigit() is true
    "𝟙𝟚",
    "Ⅻ",
    " 7 ",
]
DATES = [
    "0001-01-01",
    "9999-12-31",
    "1900-01-01",
    "1970-01-01",
    "10000-01-01",
    "2026-02-30",
    "0000-00-00",
    "-2026-01-01",
    "2026-13-01",
    "31.12.9999",
    "01.01.0001",
    "2026-01-01T25:61",
    "99:99",
    "24:00",
]
TEXTS = [
    "",
    " ",
    "a\r\nBcc: victim@example.org",
    "Betreff\r\nX-Injected: 1",
    "\r\n",
    "\x00",
    "a\x00b",
    "\x1b[31m\x07\x08",
    "\u202egnp.exe",
    "\ufeff",
    "\ud7ff\ue000\uffff",
    "😀" * 50,
    LONG_TEXT,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7|add:7 }}{% debug %}",
    "' OR 1=1 --",
    "%00%0d%0a",
    "../../../../etc/passwd",
    '=HYPERLINK("http://evil.example")',
    "@SUM(1+1)",
    "true",
    "on",
    "None",
    "[]",
    "{}",
]
NASTY = NUMBERS + DATES + TEXTS

# Text from every Unicode category (control characters included; not lone surrogates, which a
# browser cannot send as UTF-8).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
any_number = st.integers(min_value=-(10**40), max_value=10**40).map(str)
any_date = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(
    dt.date.isoformat
)
nasty = st.one_of(st.sampled_from(NASTY), any_text, any_number)


def value_for(kind: str, choices: list[str]) -> st.SearchStrategy[str]:
    """A hostile value for a field of this HTML kind (a little biased towards its type)."""
    if kind in ("date", "datetime-local", "time", "month"):
        return st.one_of(st.sampled_from(DATES), any_date, nasty)
    if kind == "number":
        return st.one_of(st.sampled_from(NUMBERS), any_number, nasty)
    if choices:
        return st.one_of(st.sampled_from(choices), nasty)
    return nasty


def _zip_garbage() -> bytes:
    return b"PK\x03\x04" + bytes(range(256)) * 4


def _long_csv_field() -> bytes:
    return b"ags;name\n05766020;" + b"x" * 140_000 + b"\n"


def _xlsx_with_formula() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ags", "name", "joined_on"])
    sheet.append(["=1+1", '=HYPERLINK("http://evil.example")', "0001-01-01"])
    sheet.append(["05766020", "x" * 40_000, 99999999999999999999])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


UPLOADS: list[tuple[str, bytes]] = [
    ("binary.csv", bytes(range(256)) * 8),
    ("empty.csv", b""),
    ("nul.csv", b"\x00" * 512),
    ("utf16.csv", "ags;name\n05766020;Detmold\n".encode("utf-16")),
    ("latin1.csv", "ags;name\n05766020;Mühlheim\n".encode("latin-1")),
    ("long-field.csv", _long_csv_field()),
    ("quotes.csv", b'ags,name\n"05766020,"Det"mold""\n"unterminated'),
    ("crlf.csv", b"ags;name\r\n05766020;Det\rmold\r\n"),
    ("garbage.xlsx", _zip_garbage()),
    ("text.xlsx", b"ags;name\n05766020;Detmold\n"),
    ("formula.xlsx", _xlsx_with_formula()),
    ("../../etc/passwd", b"ags\n05766020\n"),
    ("noextension", b"ags\n05766020\n"),
]
uploads = st.sampled_from(UPLOADS)
