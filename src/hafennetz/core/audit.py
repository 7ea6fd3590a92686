"""The audit log: every service calls `log_action` inside its transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import models
from django.http import HttpRequest

from hafennetz.core.models import AuditEntry


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_value(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audited state of a record: its concrete fields (foreign keys as ids), without those
    its model lists in `audit_exclude` (e.g. bulky household-level data)."""
    excluded = {"created_at", "updated_at", *getattr(type(obj), "audit_exclude", ())}
    names = fields or [f.attname for f in obj._meta.concrete_fields if f.name not in excluded]
    return {name: _json_value(getattr(obj, name)) for name in names}


def stored_snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audited state of a record as the database holds it, not as the instance in memory
    holds it: a ModelForm changes its instance while validating, before any service runs."""
    if obj.pk is None:
        return {}
    stored = type(obj)._base_manager.filter(pk=obj.pk).first()
    return snapshot(stored, fields) if stored is not None else {}


def log_action(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    client_address: str | None = None,
    actor_label: str = "",
) -> AuditEntry:
    """Write one audit entry (see `audit_entry`)."""
    entry = audit_entry(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        before=before,
        after=after,
        client_address=client_address,
        actor_label=actor_label,
    )
    entry.save(force_insert=True)
    return entry


def log_actions(entries: Iterable[AuditEntry]) -> None:
    """Write many audit entries made by `audit_entry` in a few inserts (bulk imports)."""
    AuditEntry.objects.bulk_create(list(entries), batch_size=500)


def audit_entry(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    client_address: str | None = None,
    actor_label: str = "",
) -> AuditEntry:
    """One audit entry, not yet saved. `client_address`: where the request came from (see
    `client_address(request)`); `actor_label` names an actor that is not a user (e.g. the
    user name typed in a failed login)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    if before is not None and after is not None:
        # Keep only what changed, plus nothing else: the log should be readable.
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    return AuditEntry(
        actor=user,
        actor_label=(
            actor_label[:254]
            or (user.get_username() if user else (str(actor) if actor else "system"))
        ),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        before=_json_value(before) if before is not None else None,
        after=_json_value(after) if after is not None else None,
        client_address=client_address or None,
    )


def update_audited(*, actor: Any, obj: models.Model, action: str, **changes: Any) -> None:
    """Set fields, validate, save only them, and log before/after: the common shape of a
    service that changes a few fields of one record. Call inside the service's transaction."""
    before = stored_snapshot(obj)
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.full_clean()
    update_fields = list(changes)
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        update_fields.append("updated_at")
    obj.save(update_fields=update_fields)
    log_action(actor=actor, action=action, obj=obj, before=before, after=snapshot(obj))


def create_audited(*, actor: Any, obj: models.Model, action: str) -> None:
    """Validate, save and log a new record: the common shape of a service that creates one
    record. Call inside the service's transaction."""
    obj.full_clean()
    obj.save()
    log_action(actor=actor, action=action, obj=obj, after=snapshot(obj))


def save_audited(*, actor: Any, obj: models.Model, action: str) -> None:
    """Validate and save a record that is new or was changed in memory (e.g. by a ModelForm),
    logging before (from the database) and after. Call inside the service's transaction."""
    if obj.pk is None or obj._state.adding:
        create_audited(actor=actor, obj=obj, action=action)
        return
    before = stored_snapshot(obj)
    obj.full_clean()
    obj.save()
    log_action(actor=actor, action=action, obj=obj, before=before, after=snapshot(obj))


# Actions of the security events (logins, refusals, account changes), for filtering the log.
LOGIN = "user.login"
LOGOUT = "user.logout"
LOGIN_FAILED = "user.login_failed"
LOCKED_OUT = "user.locked_out"
REQUEST_REFUSED = "request.refused"


def client_address(request: HttpRequest | None) -> str | None:
    """The address the request came from. REMOTE_ADDR, unless TRUSTED_PROXY_COUNT says how many
    reverse proxies of our own stand in front of the application: then the address that the
    outermost of them saw, read from the right of X-Forwarded-For (entries further left are
    whatever the client sent and cannot be trusted)."""
    if request is None:
        return None
    address = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        validate_ipv46_address(address)
    except ValidationError:
        return None
    return address


def log_request_event(
    request: HttpRequest | None,
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    actor_label: str = "",
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Log a security event of a request (login, refusal, ...) with its client address."""
    return log_action(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        after=after,
        client_address=client_address(request),
        actor_label=actor_label,
    )
