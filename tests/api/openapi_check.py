"""Validates an answer of the API against the checked-in OpenAPI document (docs/api/openapi.json),
as Zulip does for every response in its tests: the operation is found by method and path
template, the response by its status code (exact, then "4XX"), and the JSON body is checked with
jsonschema (draft 2020-12, the dialect of OpenAPI 3.1)."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


@functools.cache
def document() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    result = []
    for template in document()["paths"]:
        parts = re.split(r"(\{[^/]+\})", template)
        pattern = "^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$"
        result.append((re.compile(pattern), template))
    # Literal segments win over parameters (…/rounds/public before …/rounds/{number}).
    result.sort(key=lambda item: item[1].count("{"))
    return result


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for pattern, template in _templates():
        if pattern.match(path):
            operation = document()["paths"][template].get(method.lower())
            if operation is not None:
                return template, operation
    return None


def _schema_of(response_spec: dict[str, Any], content_type: str) -> dict[str, Any] | None:
    content = response_spec.get("content", {})
    media = content.get(content_type.split(";")[0].strip())
    return None if media is None else media.get("schema")


def check(method: str, path: str, status: int, content_type: str, body: bytes) -> None:
    """AssertionError if the answer does not match the document."""
    found = operation_for(method, path)
    if found is None:
        # Unknown paths and methods: only problem details are allowed.
        assert status in (404, 405), f"{method} {path}: {status} for an undocumented operation"
        assert content_type.startswith("application/problem+json"), content_type
        _validate({"$ref": "#/components/schemas/Problem"}, json.loads(body), method, path)
        return
    template, operation = found
    responses = operation["responses"]
    spec = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    assert spec is not None, f"{method} {template}: status {status} is not documented"
    schema = _schema_of(spec, content_type)
    assert schema is not None, f"{method} {template} {status}: content type {content_type}"
    _validate(schema, json.loads(body), method, template)


def _validate(schema: dict[str, Any], instance: Any, method: str, path: str) -> None:
    root = dict(document())
    root_schema = {**schema, "components": root["components"]}
    validator = jsonschema.Draft202012Validator(root_schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{method} {path}: " + "; ".join(
        f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]
    )
