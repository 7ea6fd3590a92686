"""Web pages of the api app: the documentation, and the personal access tokens in the user's
account settings (the office's list of every token)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hafennetz.api import access, selectors, services
from hafennetz.api.forms import TokenForm
from hafennetz.api.models import MODULES
from hafennetz.api.problems import KINDS
from hafennetz.core import events
from hafennetz.core.forms import save_form


@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    """The API reference, rendered from the OpenAPI document (no script, no CDN)."""
    from django.conf import settings

    from hafennetz.api.v1 import api

    schema = api.get_openapi_schema()
    operations: list[dict[str, Any]] = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": "/api/v1" + path if not path.startswith("/api/v1") else path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "tag": (operation.get("tags") or [""])[0],
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "body": _ref_name(operation.get("requestBody")),
                    "responses": [code for code in operation.get("responses", {}) if code != "4XX"],
                }
            )
    tags: dict[str, list[dict[str, Any]]] = {}
    for operation in operations:
        tags.setdefault(operation["tag"], []).append(operation)
    return render(
        request,
        "api/docs.html",
        {
            "schema": schema,
            "tags": tags,
            "events": events.EVENTS,
            "problems": [(kind, status, str(title)) for kind, (status, title) in KINDS.items()],
            "modules": MODULES,
            "limits": {
                "window": settings.API_RATE_LIMIT_WINDOW,
                "per_token": settings.API_RATE_LIMIT_PER_TOKEN,
                "per_address": settings.API_RATE_LIMIT_PER_ADDRESS,
                "body": settings.API_MAX_BODY_BYTES,
            },
        },
    )


def _ref_name(body: dict[str, Any] | None) -> str:
    if not body:
        return ""
    schema = body.get("content", {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).rsplit("/", 1)[-1]


def tokens(request: HttpRequest) -> HttpResponse:
    """The user's own tokens: create (the secret is shown once) and list."""
    access.check_have_tokens(request.user)
    form = TokenForm(request.POST or None)
    saved = save_form(
        request,
        form,
        lambda: services.token_create(
            actor=request.user,  # type: ignore[arg-type]  # logged in: checked above
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_on=form.cleaned_data["expires_on"],
        ),
    )
    secret = None
    if saved:
        _token, secret = saved.value
        messages.success(request, _("The token was created. Copy it now: it is shown only once."))
        form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "secret": secret,
            "tokens": selectors.tokens_of(request.user),
            "can_see_all": access.can_manage_all_tokens(request.user),
        },
    )


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = access.access_token(request.user, pk)
    try:
        services.token_revoke(actor=request.user, token=token)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The token was revoked."))
    if request.POST.get("next") == "all" and access.can_manage_all_tokens(request.user):
        return redirect("api-tokens-all")
    return redirect("api-tokens")


@require_safe
def all_tokens(request: HttpRequest) -> HttpResponse:
    access.check_manage_all_tokens(request.user)
    return render(request, "api/all_tokens.html", {"tokens": selectors.all_tokens()[:500]})
