"""The diff between two versions is an oracle: the old text is its same+deleted parts, the new
text its same+inserted parts (hypothesis); and the public page of a position with many
endorsements reads the database a bounded number of times."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from hafennetz.positions.models import Position, PositionVersion
from hafennetz.positions.selectors import _lines, diff

WORDS = st.sampled_from(["Aufnahme", "Quote", "Bund", "Länder", "<b>", "und", "", "Kita."])
LINES = st.lists(st.lists(WORDS, max_size=6).map(" ".join), max_size=6).map("\n".join)


def _version(number: int, text: str) -> PositionVersion:
    return PositionVersion(number=number, sections=[{"key": "a", "heading": "A", "text": text}])


def _rebuild(lines, keep: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        "".join(p.text for p in line.parts if p.kind in ("same", keep)).strip()
        for line in lines
        if line.kind in ("same", "changed", keep)
    ]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(old=LINES, new=LINES)
def test_diff_rebuilds_both_versions(old: str, new: str) -> None:
    a, b = _version(1, old), _version(2, new)
    lines = diff(a, b)
    squash = lambda text: " ".join(text.split())  # noqa: E731 - word spacing is not content
    assert [squash(x) for x in _rebuild(lines, "del")] == [squash(x) for x in _lines(a)]
    assert [squash(x) for x in _rebuild(lines, "ins")] == [squash(x) for x in _lines(b)]
    if old == new:
        assert all(line.kind == "same" for line in lines)


@pytest.mark.django_db
def test_public_page_queries_are_bounded() -> None:
    position = Position.objects.filter(is_demo=True, status="published").first()
    assert position is not None and position.endorsements.count() > 20
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/positionen/{position.pk}/")
    assert response.status_code == 200
    assert len(queries) <= 20, [q["sql"][:120] for q in queries]
