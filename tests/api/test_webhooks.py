"""Webhooks against a local receiver (a tiny HTTP server on 127.0.0.1 in the test): signed
deliveries, retries with backoff, the delivery log, endpoints switched off after repeated
failures, payloads without household details, and the SSRF guard."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hafennetz.api import services, webhooks
from hafennetz.api.models import DeliveryStatus, WebhookDelivery
from hafennetz.situation import services as situation_services
from hafennetz.situation.models import Questionnaire

from ..queued import work_off_queue
from .conftest import role_user

pytestmark = pytest.mark.django_db


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hafennetz-hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def _open_round(django_capture_on_commit_callbacks: Any) -> int:
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        survey_round = situation_services.round_open(
            actor=None,
            title="Webhook-Test",
            questionnaire=Questionnaire.objects.order_by("-version").first(),
            opens_on=today,
            deadline=today + dt.timedelta(days=14),
        )
    return survey_round.number


def _due_now() -> None:
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.update(run_after=timezone.now() - dt.timedelta(seconds=1))


def test_signed_delivery_when_a_round_opens(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint, secret = services.webhook_create(
        actor=role_user("own_member"), url=receiver.url, events_=["round.opened"]
    )
    number = _open_round(django_capture_on_commit_callbacks)
    assert work_off_queue() >= 1
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert headers["Hafennetz-Event"] == "round.opened"
    assert webhooks.verify(secret, headers["Hafennetz-Signature"], body)
    assert not webhooks.verify(secret, headers["Hafennetz-Signature"], body + b" ")
    assert not webhooks.verify("whsec_wrong", headers["Hafennetz-Signature"], body)
    payload = json.loads(body)
    assert payload["event"] == "round.opened" and payload["data"] == {"round_number": number}
    assert payload["links"]["round"].endswith(f"/api/v1/situation/rounds/{number}")
    assert payload["id"] == headers["Hafennetz-Delivery"]
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 1)


def test_old_signatures_are_refused() -> None:
    old = int(timezone.now().timestamp()) - 3600
    header = webhooks.sign("whsec_x", old, b"{}")
    assert not webhooks.verify("whsec_x", header, b"{}")
    assert not webhooks.verify("whsec_x", "garbage", b"{}")


def test_retries_with_backoff_then_the_endpoint_is_switched_off(
    receiver: Receiver, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.WEBHOOK_DISABLE_AFTER = 1
    receiver.status = 500
    endpoint, _secret = services.webhook_create(
        actor=role_user("own_member"), url=receiver.url, events_=["round.opened"]
    )
    _open_round(django_capture_on_commit_callbacks)
    work_off_queue()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.response_code == 500
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at - delivery.last_attempt_at >= dt.timedelta(seconds=59)
    # The next attempt waits for its time: nothing is due yet.
    work_off_queue()
    assert len(receiver.requests) == 1
    for attempt in range(2, webhooks.MAX_ATTEMPTS + 1):
        _due_now()
        work_off_queue()
        assert len(receiver.requests) == attempt
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == webhooks.MAX_ATTEMPTS
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS
    assert not endpoint.active and endpoint.disabled_at is not None
    # Switched off: the next event is logged as failed without a request.
    _open_round(django_capture_on_commit_callbacks)
    work_off_queue()
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1


def test_member_endpoints_get_only_their_own_members_events(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    from hafennetz.core import events

    services.webhook_create(
        actor=role_user("own_member"), url=receiver.url, events_=["report.submitted"]
    )
    own = role_user("own_member").staff_account.member
    with django_capture_on_commit_callbacks(execute=True):
        events.emit("report.submitted", report_id=1, round_number=1, member_id=own.pk + 100000)
        events.emit("report.submitted", report_id=2, round_number=1, member_id=own.pk, ags=own.ags)
    work_off_queue()
    assert [json.loads(b)["data"]["report_id"] for _h, b in receiver.requests] == [2]


def test_ssrf_guard(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    for url in (
        "http://127.0.0.1:8000/x",
        "https://127.0.0.1/x",
        "https://10.0.0.1/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/x",
        "https://localhost/x",
        "ftp://example.org/x",
        "https://user:pw@93.184.216.34/x",
    ):
        with pytest.raises(ValidationError):
            services.check_webhook_url(url)
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    assert services.check_webhook_url("http://127.0.0.1:9/x") == ["127.0.0.1"]
    with pytest.raises(ValidationError):
        services.check_webhook_url("http://192.168.1.1/x")


def test_a_states_round_goes_only_to_that_states_members(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from hafennetz.core.models import State

    endpoint, _secret = services.webhook_create(
        actor=role_user("own_member"), url="http://127.0.0.1:9/x", events_=["round.opened"]
    )
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        situation_services.round_open(
            actor=None,
            title="Nur Schleswig-Holstein",
            questionnaire=Questionnaire.objects.order_by("-version").first(),
            opens_on=today,
            deadline=today + dt.timedelta(days=14),
            state=State.objects.get(ags="01"),
        )
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()
