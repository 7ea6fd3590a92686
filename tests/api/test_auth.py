"""Tokens and bad input: hashes only, expiry, revocation, scopes, rate limits, problem details
for every 4xx, language by Accept-Language, body size limit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from hafennetz.api.models import ApiToken
from hafennetz.core.models import AuditEntry

from .conftest import AGS, ApiClient, client_as, make_token, role_user

pytestmark = pytest.mark.django_db


def test_token_is_stored_as_hash_only_and_audited_without_secret() -> None:
    secret = make_token("own_member", ["members:read"])
    token = ApiToken.objects.get(prefix=secret[3:11])
    assert secret not in token.token_hash and len(token.token_hash) == 64
    entry = AuditEntry.objects.filter(action="api.token_create").latest("pk")
    assert secret not in json.dumps(entry.after)
    assert ApiClient(secret).get("/api/v1/me").json()["token"]["scopes"] == ["members:read"]


def test_expired_revoked_unknown_and_malformed_tokens_get_401() -> None:
    from hafennetz.api import services

    secret = make_token("own_member")
    token = ApiToken.objects.get(prefix=secret[3:11])
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    answer = ApiClient(secret, language="en").get("/api/v1/me")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "This token has expired."
    second = make_token("own_member")
    services.token_revoke(
        actor=role_user("own_member"), token=ApiToken.objects.get(prefix=second[3:11])
    )
    assert ApiClient(second).get("/api/v1/members").status_code == 401
    assert ApiClient("hn_" + "x" * 43).get("/api/v1/members").status_code == 401
    bad = ApiClient().get("/api/v1/members", HTTP_AUTHORIZATION="Basic Zm9vOmJhcg==")
    assert bad.status_code == 401 and bad["WWW-Authenticate"].startswith("Bearer")


def test_scopes_narrow_the_account() -> None:
    reader = client_as("own_member", ["situation:read"])
    assert reader.get(f"/api/v1/admission/members/{AGS}/pledges").status_code == 403
    refused = reader.patch(f"/api/v1/members/{AGS}", {"description": "x"})
    assert refused.status_code == 403 and refused.json()["type"].endswith("problem-scope")
    writer = client_as("own_member", ["members:write"])
    assert writer.patch(f"/api/v1/members/{AGS}", {"description": "Neu"}).status_code == 200


def test_other_members_ids_are_refused_and_change_nothing() -> None:
    other = client_as("other_member")
    before = AuditEntry.objects.count()
    answer = other.patch(f"/api/v1/members/{AGS}", {"description": "fremd"})
    assert answer.status_code == 403 and answer.json()["detail"]
    assert (
        other.post(
            f"/api/v1/admission/members/{AGS}/pledges",
            {"valid_from": "2030-01-01", "valid_until": "2030-02-01"},
        ).status_code
        == 403
    )
    assert AuditEntry.objects.exclude(action="request.refused").count() == before


def test_bad_input_is_problem_details_never_500() -> None:
    client = client_as("own_member")
    path = f"/api/v1/members/{AGS}"
    malformed = client.request("PATCH", path, "{not json")
    assert malformed.status_code == 400
    assert malformed["Content-Type"].startswith("application/problem+json")
    wrong = client.patch(path, {"name": 5, "unknown": 1})
    assert wrong.status_code == 422
    fields = {e["field"] for e in wrong.json()["errors"]}
    assert {"name", "unknown"} <= fields
    assert client.get("/api/v1/members?page=99999").status_code == 404
    assert client.get("/api/v1/members?page=0").status_code == 422
    assert client.get("/api/v1/members?page=" + "9" * 5000).status_code == 422
    assert client.get("/api/v1/members/1234").status_code == 422
    assert client.get("/api/v1/meetings/99999999999999999999").status_code == 422
    assert client.get("/api/v1/nothing").status_code == 404
    assert client.request("DELETE", "/api/v1/members").status_code == 405
    assert client.get("/api/v1/members?created_since=not-a-date").status_code == 422
    assert client.get("/api/v1/members?modified_since=0001-01-01T00:00:00").status_code in (
        200,
        422,
    )


def test_huge_payload_gets_413(settings: object) -> None:
    client = client_as("own_member")
    body = json.dumps({"description": "x" * (1024 * 1024 + 10)})
    answer = client.request("PATCH", f"/api/v1/members/{AGS}", body)
    assert answer.status_code == 413
    assert answer.json()["type"].endswith("problem-too-large")


def test_language_by_accept_language() -> None:
    german = ApiClient().get("/api/v1/situation/rounds")
    english = ApiClient(language="en-GB,en;q=0.8").get("/api/v1/situation/rounds")
    assert german.status_code == english.status_code == 401
    assert german["Content-Language"] == "de" and english["Content-Language"] == "en"
    assert german.json()["title"] != english.json()["title"]


def test_rate_limits_answer_429_with_retry_after(settings: object) -> None:
    settings.API_RATE_LIMIT_PER_TOKEN = 3  # type: ignore[attr-defined]
    cache.clear()
    client = client_as("own_member")
    answers = [client.get("/api/v1/me").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = client.get("/api/v1/me")
    assert int(limited["Retry-After"]) >= 1
    settings.API_RATE_LIMIT_PER_ADDRESS = 2  # type: ignore[attr-defined]
    cache.clear()
    anonymous = ApiClient()
    assert [anonymous.get("/api/v1/members").status_code for _ in range(3)] == [200, 200, 429]


def test_token_pages_create_once_and_office_revokes(client: object) -> None:
    from django.test import Client

    browser = Client()
    browser.force_login(role_user("own_member"))
    page = browser.post(
        "/konto/api-tokens/",
        {
            "name": "Fachverfahren",
            "scopes": ["situation:write"],
            "expires_on": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert page.status_code == 200
    secret = page.content.decode().split('id="token-secret" class="secret">')[1].split("<")[0]
    assert ApiClient(secret).get("/api/v1/me").status_code == 200
    assert secret not in browser.get("/konto/api-tokens/").content.decode()
    office = Client()
    office.force_login(role_user("office"))
    token = ApiToken.objects.get(prefix=secret[3:11])
    assert token.name in office.get("/verwaltung/api-tokens/").content.decode()
    office.post(f"/konto/api-tokens/{token.pk}/widerrufen/", {"next": "all"})
    assert ApiClient(secret).get("/api/v1/me").status_code == 401
