"""The checked-in OpenAPI document is the one the code generates (regenerate with
`hafennetz export_openapi_schema --api hafennetz.api.v1.api --indent 1 --sorted
--output docs/api/openapi.json`), and the app serves it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hafennetz.api.v1 import api

from .openapi_check import DOCUMENT


def test_checked_in_document_is_generated_one() -> None:
    generated = json.loads(json.dumps(api.get_openapi_schema(), sort_keys=True))
    assert generated == json.loads(DOCUMENT.read_text(encoding="utf-8")), (
        "docs/api/openapi.json is out of date: regenerate it (see this module's docstring)"
    )


@pytest.mark.django_db
def test_served_document_and_docs_pages() -> None:
    client = Client()
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json()["openapi"].startswith("3.1")
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"<script>" not in docs.content and b"style=" not in docs.content  # CSP: none inline
    assert b"#problem-validation" in docs.content or b"problem-validation" in docs.content
    english = client.get("/api/v1/docs", HTTP_COOKIE="django_language=en")
    assert english.status_code == 200
