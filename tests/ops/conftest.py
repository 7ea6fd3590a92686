from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "live: starts the real app as a server process on 127.0.0.1 (no browser)"
    )
