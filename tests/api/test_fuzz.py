"""Property-based fuzzing of the whole API with schemathesis (issue 15), through the WSGI app in
the test's transaction (no server): every operation of the checked-in OpenAPI document with
generated valid and invalid parameters and bodies, as a member's staff with a token of every
scope. Checks: no server error, the status code, content type, headers and body are those the
document declares. Bounded: a few examples per operation, derandomized."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import make_token
from .openapi_check import document

schema = schemathesis.openapi.from_dict(document())
schema.app = get_wsgi_application()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def token(db: Any) -> Iterator[str]:
    """A token of a member's staff; the database connection stays open between the generated
    requests (as Django's test client keeps it: the test's transaction must survive them)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield make_token("own_member")
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case: Any, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
