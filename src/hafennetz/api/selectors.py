"""Reads of the api app: tokens and webhook endpoints with their delivery log."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet

from hafennetz.api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from hafennetz.core.access import Visitor
from hafennetz.members.access import roles_of

TOKEN_PREFIX = "hn_"  # noqa: S105 (a prefix, not a secret)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def token_by_secret(secret: str) -> ApiToken | None:
    """The token with this secret (any state: the caller checks expiry and revocation)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(token_hash=token_hash(secret)).first()


def tokens_of(user: Visitor | None) -> QuerySet[ApiToken]:
    user_id = getattr(user, "pk", None)
    if user_id is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=user_id).order_by("-created_at")


def all_tokens() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("user", "user__staff_account__member").order_by(
        "-created_at"
    )


def webhooks_of(user: Visitor | None) -> QuerySet[WebhookEndpoint]:
    """The endpoints the user manages: its member's (every endpoint for the office)."""
    roles = roles_of(user)
    endpoints = WebhookEndpoint.objects.select_related("member").order_by("-created_at")
    if roles.is_coordination_office:
        return endpoints
    return endpoints.filter(member_id=roles.member_id) if roles.member_id else endpoints.none()


def deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return endpoint.deliveries.order_by("-created_at", "-pk")


def endpoints_for(
    event: str, member_id: int | None, state: str | None = None
) -> list[WebhookEndpoint]:
    """The active endpoints that receive `event` about `member_id` (None: an event of the
    whole alliance, e.g. a round opened; `state`: only for the members of that state, e.g. a
    state's own round): the member's own endpoints and the alliance-wide ones."""
    endpoints = WebhookEndpoint.objects.filter(active=True).select_related("member")
    chosen = []
    for endpoint in endpoints:
        if event not in endpoint.events:
            continue
        if endpoint.alliance_wide:
            chosen.append(endpoint)
        elif member_id is not None:
            if endpoint.member_id == member_id:
                chosen.append(endpoint)
        elif state is None or endpoint.member.state_id == state:
            chosen.append(endpoint)
    return chosen
