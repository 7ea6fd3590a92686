"""The API tests' client: a token per role, and every answer validated against the checked-in
OpenAPI document (docs/api/openapi.json)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from hafennetz.api.models import SCOPES
from hafennetz.members.models import Member, StaffAccount, StateCoordination

from .openapi_check import check

ROLES = ["anonymous", "own_member", "other_member", "state_same", "state_other", "office"]
AGS = "05766020"  # Detmold, NRW: the own member


@pytest.fixture(autouse=True)
def _api_settings(settings: Any) -> None:
    settings.API_RATE_LIMIT_PER_ADDRESS = 100_000
    settings.API_RATE_LIMIT_PER_TOKEN = 100_000
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    cache.clear()


def role_user(role: str) -> Any:
    """The user of a role (as the web matrix: demo logins, or a staff account made here)."""
    users = get_user_model().objects
    if role == "own_member":
        return users.get(username="kommune@demo.hafennetz.example")
    if role == "office":
        return users.get(username="koordinierungsstelle@demo.hafennetz.example")
    if role == "state_other":
        return users.get(username="landeskoordination@demo.hafennetz.example")
    username = f"api-{role}@test.example"
    existing = users.filter(username=username).first()
    if existing is not None:
        return existing
    member = (
        Member.objects.alliance()
        .exclude(state_id="05")
        .filter(coordinations__isnull=True, office_terms__isnull=True)
        .order_by("pk")
        .first()
        if role == "other_member"
        else StateCoordination.objects.current().get(state_id="05").member
    )
    user = users.create_user(username=username, password="x-Pass-12345")
    StaffAccount.objects.create(user=user, member=member)
    return user


def make_token(role: str, scopes: list[str] | None = None, days: int = 30) -> str:
    from hafennetz.api import services

    _token, secret = services.token_create(
        actor=role_user(role),
        name=f"test {role}",
        scopes=list(SCOPES) if scopes is None else scopes,
        expires_on=dt.date.today() + dt.timedelta(days=days),
    )
    return secret


class ApiClient:
    """A test client that sends a token and validates every answer against the document."""

    def __init__(self, token: str | None = None, language: str | None = None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if token:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if language:
            self.headers["HTTP_ACCEPT_LANGUAGE"] = language

    def request(self, method: str, path: str, body: Any = None, **extra: Any) -> Any:
        kwargs: dict[str, Any] = {**self.headers, **extra}
        if body is not None:
            kwargs["data"] = body if isinstance(body, str | bytes) else json.dumps(body)
            kwargs["content_type"] = "application/json"
        response = getattr(self.client, method.lower())(path, **kwargs)
        check(
            method,
            path.split("?")[0],
            response.status_code,
            response.get("Content-Type", ""),
            response.content,
        )
        return response

    def get(self, path: str, **extra: Any) -> Any:
        return self.request("GET", path, **extra)

    def post(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.request("POST", path, body if body is not None else {}, **extra)

    def put(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.request("PUT", path, body, **extra)

    def patch(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.request("PATCH", path, body, **extra)

    def delete(self, path: str, **extra: Any) -> Any:
        return self.request("DELETE", path, **extra)


def client_as(role: str, scopes: list[str] | None = None) -> ApiClient:
    return ApiClient(None if role == "anonymous" else make_token(role, scopes))
