"""Webhook deliveries: domain events (core.events) become signed HTTP POSTs to the endpoints
the members registered, sent by the background worker with retries.

Signature (documented in docs/api.md): every delivery carries

    Hafennetz-Event: report.submitted
    Hafennetz-Delivery: <uuid of the event, the same on every attempt>
    Hafennetz-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the secret>

The receiver recomputes the HMAC over the timestamp, a dot and the raw body with the endpoint's
secret, compares in constant time and refuses old timestamps (e.g. older than 5 minutes).

Retries: a delivery that gets no 2xx answer is tried again after 1, 5, 30 and 120 minutes (5
attempts); after `WEBHOOK_DISABLE_AFTER` deliveries in a row that failed for good the endpoint
is switched off (its owner switches it on again). Payloads carry identifiers and links, never
household details or personal data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hafennetz.api import selectors
from hafennetz.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from hafennetz.core.urls import absolute_url

log = logging.getLogger(__name__)

RETRY_DELAYS = (60, 5 * 60, 30 * 60, 120 * 60)  # seconds before attempts 2, 3, 4, 5
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
TIMEOUT = 10  # seconds per attempt
USER_AGENT = "hafennetz-webhooks/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does (also used by the tests and the example script)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _link(name: str, *args: Any) -> str | None:
    try:
        return absolute_url(reverse(name, args=args))
    except Exception:  # no SITE_URL outside a request: relative link
        try:
            return reverse(name, args=args)
        except Exception:
            return None


def _links(event: str, ids: dict[str, Any]) -> dict[str, str]:
    links: dict[str, str | None] = {}
    if "round_number" in ids:
        links["round"] = _link("api-v1:situation_round", ids["round_number"])
    if "ags" in ids and "round_number" in ids:
        links["report"] = _link("api-v1:situation_report", ids["round_number"], ids["ags"])
    if "ags" in ids:
        links["member"] = _link("api-v1:member_detail", ids["ags"])
    if "meeting_id" in ids:
        links["meeting"] = _link("api-v1:meeting_detail", ids["meeting_id"])
    if "run_id" in ids and "ags" in ids:
        links["placements"] = _link("api-v1:placements", ids["ags"])
    return {k: v for k, v in links.items() if v}


def on_event(name: str, **ids: Any) -> None:
    """core.events listener (after commit): one delivery row per endpoint, then enqueue."""
    member_id = ids.get("member_id")
    state = None
    if name == "round.opened" and isinstance(ids.get("round_number"), int):
        from hafennetz.situation.models import SurveyRound

        state = (
            SurveyRound.objects.filter(number=ids["round_number"])
            .values_list("state_id", flat=True)
            .first()
        )
    endpoints = selectors.endpoints_for(
        name, member_id if isinstance(member_id, int) else None, state
    )
    if not endpoints:
        return
    payload = {
        "event": name,
        "occurred_at": timezone.now().isoformat(),
        "data": ids,
        "links": _links(name, ids),
    }
    with transaction.atomic():
        deliveries = [
            WebhookDelivery.objects.create(
                endpoint=endpoint, event_id=uuid.uuid4(), event=name, payload=payload
            )
            for endpoint in endpoints
        ]
    from hafennetz.api.tasks import deliver_webhook

    for delivery in deliveries:
        deliver_webhook.enqueue(delivery_id=delivery.pk)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the address that was checked (no second DNS lookup: DNS rebinding)."""

    def __init__(self, host: str, address: str, port: int, **kwargs: Any) -> None:
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, **kwargs: Any) -> None:
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to a checked address; returns the status code (redirects are not followed)."""
    from hafennetz.api.services import check_webhook_url

    addresses = check_webhook_url(url)
    parts = urlsplit(url)
    assert parts.hostname is not None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        port = parts.port or 443
        connection = _PinnedHTTPSConnection(
            parts.hostname,
            addresses[0],
            port,
            timeout=TIMEOUT,
            context=ssl.create_default_context(),
        )
    else:
        port = parts.port or 80
        connection = _PinnedHTTPConnection(parts.hostname, addresses[0], port, timeout=TIMEOUT)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()


def attempt(delivery_id: int) -> WebhookDelivery | None:
    """One attempt of a delivery; schedules the next one on failure. Returns the delivery."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return delivery
    endpoint = delivery.endpoint
    if not endpoint.active:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = "endpoint disabled"
        delivery.save(update_fields=["status", "error"])
        return delivery
    body = json.dumps(
        {"id": str(delivery.event_id), **delivery.payload}, ensure_ascii=False
    ).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Hafennetz-Event": delivery.event,
        "Hafennetz-Delivery": str(delivery.event_id),
        "Hafennetz-Signature": sign(endpoint.secret, timestamp, body),
    }
    code: int | None = None
    error = ""
    try:
        code = post(endpoint.url, body, headers)
    except ValidationError as exc:
        error = "; ".join(exc.messages)[:300]
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = code
    delivery.error = error
    ok = code is not None and 200 <= code < 300
    if ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.next_attempt_at = None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + dt.timedelta(seconds=RETRY_DELAYS[delivery.attempts - 1])
    delivery.save()
    _count(endpoint, delivery)
    if delivery.status == DeliveryStatus.PENDING:
        from hafennetz.api.tasks import deliver_webhook

        deliver_webhook.using(run_after=delivery.next_attempt_at).enqueue(delivery_id=delivery.pk)
    return delivery


def _count(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> None:
    if delivery.status == DeliveryStatus.SUCCEEDED:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
    elif delivery.status == DeliveryStatus.FAILED:
        with transaction.atomic():
            locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
            locked.consecutive_failures += 1
            if locked.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER:
                locked.active = False
                locked.disabled_at = timezone.now()
            locked.save(update_fields=["consecutive_failures", "active", "disabled_at"])
