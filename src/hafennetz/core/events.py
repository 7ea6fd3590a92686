"""Domain events: a small registry between the apps' services and whoever listens (webhooks).

An app's service announces that something happened with one line, inside its transaction::

    from hafennetz.core import events
    events.emit("report.submitted", report_id=report.pk, member_id=report.member_id)

Listeners (registered with `events.listen(handler)`, e.g. by the `api` app in its `ready()`) are
called **after the transaction commits** (`transaction.on_commit`), so a rolled-back write
announces nothing. A listener gets the event name and the identifiers as keyword arguments and
should only enqueue work (a background task); an error in a listener is logged, never raised
into the service that emitted the event.

`core` imports no app: the event names are plain strings, listed in `EVENTS` (an unknown name
is a programming error and raises `ValueError`). Payloads are identifiers only (ints and
strings), never personal details.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

log = logging.getLogger(__name__)

# name -> what it means (documented in docs/api.md; the webhook events)
EVENTS: dict[str, str] = {
    "report.submitted": (
        "A member submitted a Lagebild report (report_id, round_number, member_id, ags)."
    ),
    "round.opened": "A Lagebild survey round was opened (round_number).",
    "allocation.approved": (
        "An allocation run was approved; one event per receiving member (run_id, member_id, ags)."
    ),
    "registration.changed": (
        "A meeting registration was created, changed or cancelled "
        "(registration_id, meeting_id, member_id, status)."
    ),
    "position.published": "A joint position was published (position_id).",
}

Identifier = int | str | None


_listeners: list[Callable[..., None]] = []


def listen(handler: Callable[..., None]) -> Callable[..., None]:
    """Register `handler(name, **ids)`; usable as a decorator. Registering twice is a no-op."""
    if handler not in _listeners:
        _listeners.append(handler)
    return handler


def unlisten(handler: Callable[..., None]) -> None:
    if handler in _listeners:
        _listeners.remove(handler)


def _deliver(name: str, ids: dict[str, Identifier]) -> None:
    for handler in list(_listeners):
        try:
            handler(name, **ids)
        except Exception:
            log.exception("event listener %r failed for %s", handler, name)


def emit(name: str, /, **ids: Identifier) -> None:
    """Announce event `name` with identifiers; listeners run after the current transaction
    commits (at once when there is none)."""
    if name not in EVENTS:
        raise ValueError(f"unknown event {name!r}; add it to core.events.EVENTS")
    for key, value in ids.items():
        if value is not None and not isinstance(value, int | str):
            raise TypeError(f"event {name}: {key} must be an identifier (int or str)")
    payload = dict(ids)
    transaction.on_commit(lambda: _deliver(name, payload))
