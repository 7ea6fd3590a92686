from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Assertions on messages read the English msgids; German is checked where it matters."""
    with translation.override("en"):
        yield
