"""The API object of /api/v1/: authentication, error answers, the OpenAPI document and the
routers of the resources (endpoints/*.py)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from hafennetz.api.auth import TokenAuth
from hafennetz.api.problems import (
    PROBLEM_CONTENT_TYPE,
    Problem,
    django_validation_errors,
    from_problem,
    problem_response,
    pydantic_errors,
)

log = logging.getLogger(__name__)

DESCRIPTION = """\
The public API of hafennetz, the working platform of the alliance „Städte Sicherer Häfen“.

* **Authentication:** a personal access token (`Authorization: Bearer hn_…`), created under
  *Konto → API-Tokens*. Without a token only public data is available.
* **Scopes:** `<module>:read` and `<module>:write` for members, situation, meetings, admission,
  exchange (practices), positions and webhooks; a write scope includes reading. What a token
  may do beyond its scopes is exactly what its account may do in the browser.
* **Lists** are paged by the server (`data`, `pagination`, `links`; `page` from 1) and filter
  by `created_since`, `created_until`, `modified_since`, `modified_until` (ISO 8601).
* **Errors** are RFC 9457 problem details (`application/problem+json`) with field-level
  `errors`; the language follows `Accept-Language` (German by default, English).
* **Rate limits:** see the documentation (429 with `Retry-After`).
* **Members** are OParl *Body* objects identified by their AGS (8 digits for a municipality,
  5 for a district).
"""


class HafennetzApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema: dict[str, Any] = dict(super().get_openapi_schema(*args, **kwargs))
        from hafennetz.api.openapi import finish

        return finish(schema)


api = HafennetzApi(
    title="hafennetz API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=TokenAuth(),
    docs_url="/docs/swagger",
    openapi_url="/openapi.json",
)


def _denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = str(exc) or _("You may not do this.")
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return problem_response(
            request,
            "unauthenticated",
            message,
            headers={"WWW-Authenticate": 'Bearer realm="hafennetz"'},
        )
    return problem_response(request, "forbidden", message)


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, "not-found", _("There is no such object."))


def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return problem_response(
        request,
        "validation",
        _("Some values are invalid; see errors."),
        errors=pydantic_errors(exc.errors),
    )


def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return problem_response(
        request,
        "validation",
        _("Some values are invalid; see errors."),
        errors=django_validation_errors(exc),
    )


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, Throttled | AuthenticationError):
        kind = "rate-limited" if isinstance(exc, Throttled) else "unauthenticated"
        return problem_response(request, kind)
    if exc.status_code == 400:
        return problem_response(
            request,
            "malformed",
            _("The request body is not valid JSON."),
            errors=[{"field": "", "message": _("The request body is not valid JSON.")}],
        )
    kinds = {401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed"}
    return problem_response(request, kinds.get(exc.status_code, "malformed"), str(exc))


def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API error on %s", request.path, exc_info=exc)
    return problem_response(request, "server-error", _("Something went wrong on our side."))


api.add_exception_handler(Problem, from_problem)
api.add_exception_handler(PermissionDenied, _denied)
api.add_exception_handler(Http404, _not_found)
api.add_exception_handler(NinjaValidationError, _validation)
api.add_exception_handler(DjangoValidationError, _django_validation)
api.add_exception_handler(HttpError, _http_error)
api.add_exception_handler(Exception, _server_error)

from hafennetz.api.endpoints import (  # noqa: E402  (routers need the api's handlers first)
    admission,
    exchange,
    meetings,
    members,
    positions,
    situation,
    webhooks,
)

api.add_router("/", members.router)
api.add_router("/", situation.router)
api.add_router("/", meetings.router)
api.add_router("/", admission.router)
api.add_router("/", exchange.router)
api.add_router("/", positions.router)
api.add_router("/", webhooks.router)

__all__ = ["PROBLEM_CONTENT_TYPE", "api"]
