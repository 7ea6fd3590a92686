"""Finishing touches on the generated OpenAPI document: the problem-details answer of every
operation, optional authentication (public data needs no token) and the servers."""

from __future__ import annotations

import copy
from typing import Any

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details with field-level errors.",
    "required": ["type", "title", "status", "detail", "errors"],
    "properties": {
        "type": {"type": "string", "description": "URI reference into the API documentation."},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {
                        "type": "string",
                        "description": "Dotted path into the body, or a parameter's name; "
                        "empty for the request as a whole.",
                    },
                    "message": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

_PROBLEM_CONTENT = {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
}

_FOUR_XX = {
    "description": "Problem details (400 malformed, 401 no or bad token, 403 not allowed or "
    "scope missing, 404 not found or page beyond the end, 405, 409, 413 body too large, 415, "
    "422 invalid values, 429 rate limit with Retry-After).",
    "content": _PROBLEM_CONTENT,
    "headers": {
        "Retry-After": {
            "description": "With 429: seconds to wait.",
            "schema": {"type": "string"},
        }
    },
}


def finish(schema: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    schema["servers"] = [{"url": "/", "description": "this server"}]
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = {str(code): answer for code, answer in operation["responses"].items()}
            operation["responses"] = responses
            for code in list(responses):
                if str(code).startswith("4"):
                    del responses[code]
            responses["4XX"] = _FOUR_XX
            security = operation.get("security")
            if security is not None and {} not in security:
                security.append({})
    return schema
