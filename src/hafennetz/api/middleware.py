"""The API's answers outside its endpoints: language by Accept-Language, the body size limit
(413), and problem details instead of HTML for a 404, 405 or 500 under /api/."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from hafennetz.api.problems import PROBLEM_CONTENT_TYPE, problem_response

PREFIX = "/api/"


def api_language(request: HttpRequest) -> str:
    """German unless Accept-Language prefers English (or another language we lack, after
    English)."""
    for code, _q in parse_accept_lang_header(request.headers.get("Accept-Language", "")[:500]):
        base = code.split("-")[0].lower()
        if base in {"de", "en"}:
            return base
    return settings.LANGUAGE_CODE


class ApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        language = api_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.API_MAX_BODY_BYTES
        if not length and request.method in {"POST", "PUT", "PATCH", "DELETE"}:
            # No Content-Length (chunked): read it (Django stops at DATA_UPLOAD_MAX_MEMORY_SIZE).
            try:
                length = len(request.body)
            except RequestDataTooBig:
                length = limit + 1
        if length > limit:
            return problem_response(
                request,
                "too-large",
                _("The request body may have at most %(n)s bytes.") % {"n": limit},
            )
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            (PROBLEM_CONTENT_TYPE, "application/json")
        ):
            response = self._as_problem(request, response)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def _as_problem(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponse:
        status = response.status_code
        if status == 404:
            return problem_response(request, "not-found", _("There is no such resource."))
        if status == 405:
            allowed = response.get("Allow", "")
            return problem_response(
                request,
                "method-not-allowed",
                _("This method is not allowed here. Allowed: %(methods)s") % {"methods": allowed},
                headers={"Allow": allowed} if allowed else None,
            )
        if status == 413:
            return problem_response(request, "too-large")
        if status == 400:
            return problem_response(request, "malformed")
        if status == 403:
            return problem_response(request, "forbidden")
        if status >= 500:
            return problem_response(
                request, "server-error", _("Something went wrong on our side."), status=500
            )
        return problem_response(request, "malformed", status=status)
