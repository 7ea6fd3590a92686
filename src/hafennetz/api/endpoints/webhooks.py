"""Webhook endpoints of the own member (every endpoint for the office) and their delivery log."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from hafennetz.api import access, selectors, services
from hafennetz.api.auth import require_scope
from hafennetz.api.endpoints.common import Id, Input, Ok, url
from hafennetz.api.models import WebhookEndpoint
from hafennetz.api.paging import Links, PageParams, Pagination, paginate
from hafennetz.core import events

router = Router(tags=["webhooks"])

EventName = Literal[tuple(events.EVENTS)]  # type: ignore[valid-type]


class WebhookOut(Schema):
    id: str
    number: int
    member: str
    url: str
    events: list[str]
    alliance_wide: bool
    active: bool
    consecutive_failures: int
    disabled_at: dt.datetime | None
    created: dt.datetime
    modified: dt.datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Signing secret; shown only in this answer.")


class WebhookPage(Schema):
    data: list[WebhookOut]
    pagination: Pagination
    links: Links


def webhook_out(request: HttpRequest, endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": url(request, "api-v1:webhook_detail", endpoint.pk),
        "number": endpoint.pk,
        "member": endpoint.member.ags,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "alliance_wide": endpoint.alliance_wide,
        "active": endpoint.active,
        "consecutive_failures": endpoint.consecutive_failures,
        "disabled_at": endpoint.disabled_at,
        "created": endpoint.created_at,
        "modified": endpoint.updated_at,
    }


@router.get("/webhooks", response=WebhookPage, url_name="webhook_list", summary="Your webhooks")
def webhook_list(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    require_scope(request, "webhooks:read")
    access.check_register_webhooks(request.user)
    rows = selectors.webhooks_of(request.user)
    return paginate(request, rows, params.page, lambda e: webhook_out(request, e))


class WebhookBody(Input):
    url: str = Field(max_length=500, description="HTTPS URL of a public server.")
    events: list[EventName] = Field(min_length=1, max_length=len(events.EVENTS))
    alliance_wide: bool = Field(False, description="Every member's events (office only).")


@router.post(
    "/webhooks",
    response={201: WebhookCreated},
    url_name="webhook_create",
    summary="Register a webhook endpoint",
)
def webhook_create(request: HttpRequest, payload: WebhookBody) -> Status[dict[str, Any]]:
    """Registers an endpoint for the own member's events (`webhooks:write`). The answer holds
    the signing secret, once."""
    require_scope(request, "webhooks:write")
    access.check_register_webhooks(request.user)
    endpoint, secret = services.webhook_create(
        actor=request.user,  # type: ignore[arg-type]  # a token always has a user
        url=payload.url,
        events_=list(payload.events),
        alliance_wide=payload.alliance_wide,
    )
    return Status(201, webhook_out(request, endpoint) | {"secret": secret})


@router.get("/webhooks/{id}", response=WebhookOut, url_name="webhook_detail", summary="A webhook")
def webhook_detail(request: HttpRequest, id: Id) -> dict[str, Any]:
    require_scope(request, "webhooks:read")
    return webhook_out(request, access.access_webhook(request.user, id))


class WebhookPatch(Input):
    url: str | None = Field(None, max_length=500)
    events: list[EventName] | None = Field(None, min_length=1, max_length=len(events.EVENTS))
    active: bool | None = Field(None, description="true switches a disabled endpoint on again.")


@router.patch(
    "/webhooks/{id}", response=WebhookOut, url_name="webhook_update", summary="Change a webhook"
)
def webhook_update(
    request: HttpRequest,
    id: Id,
    payload: WebhookPatch,
) -> dict[str, Any]:
    require_scope(request, "webhooks:write")
    endpoint = access.access_webhook(request.user, id)
    endpoint = services.webhook_update(
        actor=request.user,
        endpoint=endpoint,
        url=payload.url,
        events_=list(payload.events) if payload.events is not None else None,
        active=payload.active,
    )
    return webhook_out(request, endpoint)


@router.delete("/webhooks/{id}", response=Ok, url_name="webhook_delete", summary="Remove a webhook")
def webhook_delete(request: HttpRequest, id: Id) -> dict[str, Any]:
    require_scope(request, "webhooks:write")
    endpoint = access.access_webhook(request.user, id)
    services.webhook_delete(actor=request.user, endpoint=endpoint)
    return {"detail": "deleted"}


class DeliveryOut(Schema):
    id: str = Field(description="The event's id (Hafennetz-Delivery header).")
    event: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    response_code: int | None
    error: str
    created: dt.datetime
    last_attempt_at: dt.datetime | None
    next_attempt_at: dt.datetime | None


class DeliveryPage(Schema):
    data: list[DeliveryOut]
    pagination: Pagination
    links: Links


@router.get(
    "/webhooks/{id}/deliveries",
    response=DeliveryPage,
    url_name="webhook_deliveries",
    summary="The delivery log of a webhook",
)
def deliveries(
    request: HttpRequest,
    id: Id,
    params: Query[PageParams],
) -> dict[str, Any]:
    require_scope(request, "webhooks:read")
    endpoint = access.access_webhook(request.user, id)
    return paginate(
        request,
        selectors.deliveries_of(endpoint),
        params.page,
        lambda d: {
            "id": str(d.event_id),
            "event": d.event,
            "status": d.status,
            "attempts": d.attempts,
            "response_code": d.response_code,
            "error": d.error,
            "created": d.created_at,
            "last_attempt_at": d.last_attempt_at,
            "next_attempt_at": d.next_attempt_at,
        },
    )
