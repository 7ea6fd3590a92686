"""RFC 9457 problem details: every 4xx (and the 5xx that must never happen) of the API.

An answer looks like::

    HTTP/1.1 422 Unprocessable Content
    Content-Type: application/problem+json
    Content-Language: de

    {"type": "/api/v1/docs#problem-validation", "title": "Ungültige Eingabe", "status": 422,
     "detail": "…", "instance": "/api/v1/…",
     "errors": [{"field": "answers.housing.strain", "message": "…"}]}

`type` is a URI reference into the API documentation (relative, resolved against the answer's
URL); `errors` lists field-level messages (the field as a dotted path into the JSON body, or
the name of a query or path parameter).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

PROBLEM_CONTENT_TYPE = "application/problem+json"

# kind -> (status, title): the kinds are documented in docs/api.md and on the docs page.
KINDS: dict[str, tuple[int, Any]] = {
    "malformed": (400, gettext_lazy("Malformed request")),
    "unauthenticated": (401, gettext_lazy("Authentication required")),
    "forbidden": (403, gettext_lazy("Not allowed")),
    "scope": (403, gettext_lazy("Token scope insufficient")),
    "not-found": (404, gettext_lazy("Not found")),
    "method-not-allowed": (405, gettext_lazy("Method not allowed")),
    "conflict": (409, gettext_lazy("Conflict")),
    "too-large": (413, gettext_lazy("Request body too large")),
    "unsupported-media-type": (415, gettext_lazy("Unsupported media type")),
    "validation": (422, gettext_lazy("Invalid input")),
    "rate-limited": (429, gettext_lazy("Too many requests")),
    "server-error": (500, gettext_lazy("Server error")),
}


class Problem(Exception):
    """Raise anywhere in an endpoint (or the authentication) to answer with problem details."""

    def __init__(
        self,
        kind: str,
        detail: str = "",
        *,
        errors: Sequence[Mapping[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.status = status or KINDS[kind][0]
        self.detail = str(detail)
        self.errors = [dict(e) for e in errors]
        self.headers = dict(headers or {})


def problem_response(
    request: HttpRequest | None,
    kind: str,
    detail: str = "",
    *,
    errors: Iterable[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    status: int | None = None,
) -> HttpResponse:
    status = status or KINDS[kind][0]
    body: dict[str, Any] = {
        "type": f"/api/v1/docs#problem-{kind}",
        "title": str(KINDS[kind][1]),
        "status": status,
        "detail": str(detail) or str(KINDS[kind][1]),
    }
    if request is not None:
        body["instance"] = request.path
    body["errors"] = [{"field": str(e["field"]), "message": str(e["message"])} for e in errors]
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    response["Content-Language"] = get_language() or "de"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def from_problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return problem_response(
        request, exc.kind, exc.detail, errors=exc.errors, headers=exc.headers, status=exc.status
    )


def django_validation_errors(exc: DjangoValidationError) -> list[dict[str, str]]:
    """A service's ValidationError (keyed by field or not) as field-level errors."""
    if hasattr(exc, "error_dict"):
        return [
            {"field": "" if field == "__all__" else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": "", "message": message} for message in exc.messages]


_PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("Unknown field."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "bool_type": gettext_lazy("Enter true or false."),
    "string_type": gettext_lazy("Enter a text."),
    "string_too_long": gettext_lazy("This text is too long."),
    "string_too_short": gettext_lazy("This text is too short."),
    "string_pattern_mismatch": gettext_lazy("This value has the wrong format."),
    "less_than_equal": gettext_lazy("This number is too large."),
    "greater_than_equal": gettext_lazy("This number is too small."),
    "date_from_datetime_parsing": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_parsing": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_type": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "datetime_parsing": gettext_lazy("Enter a date and time in ISO 8601."),
    "datetime_from_date_parsing": gettext_lazy("Enter a date and time in ISO 8601."),
    "datetime_type": gettext_lazy("Enter a date and time in ISO 8601."),
    "literal_error": gettext_lazy("Choose one of the allowed values."),
    "enum": gettext_lazy("Choose one of the allowed values."),
    "list_type": gettext_lazy("Enter a list."),
    "dict_type": gettext_lazy("Enter an object."),
    "model_attributes_type": gettext_lazy("Enter an object."),
    "too_long": gettext_lazy("Too many entries."),
    "url_parsing": gettext_lazy("Enter a valid URL."),
    "url_scheme": gettext_lazy("Enter a valid URL."),
    "value_error": gettext_lazy("This value is invalid."),
}

# Where the parameter came from: ninja's first location element.
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}


def pydantic_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """ninja/pydantic validation errors as field-level errors (translated messages)."""
    result = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in _LOCATIONS:
            loc = loc[1:]
        # ninja nests the body under the parameter's name ("payload"): drop it.
        if loc and loc[0] == "payload":
            loc = loc[1:]
        message = _PYDANTIC_MESSAGES.get(str(error.get("type", "")))
        result.append(
            {
                "field": ".".join(loc),
                "message": str(message) if message else _("This value is invalid."),
            }
        )
    return result
