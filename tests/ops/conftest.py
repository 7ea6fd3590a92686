from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "live: runs the real app in subprocesses (gunicorn on 127.0.0.1, management commands); "
        "no browser; once, not again per database",
    )
