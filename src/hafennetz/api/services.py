"""Writes of the api app: tokens and webhook endpoints. Keyword-only, atomic, audited; each
re-checks the actor's right with the predicates of `hafennetz.api.access`. The audit log never
holds a token or a webhook secret."""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hafennetz.api.access import (
    actor_may,
    can_have_tokens,
    can_manage_webhook,
    can_register_alliance_wide,
    can_register_webhooks,
    can_revoke_token,
)
from hafennetz.api.models import SCOPES, ApiToken, WebhookEndpoint
from hafennetz.api.selectors import TOKEN_PREFIX, token_hash
from hafennetz.core import events
from hafennetz.core.access import AccessDenied, Actor
from hafennetz.core.audit import log_action, snapshot, update_audited
from hafennetz.members.access import roles_of
from hafennetz.members.models import Member

TOKEN_MAX_DAYS = 366
NAME_MAX = 100


def _token_snapshot(token: ApiToken) -> dict[str, object]:
    return snapshot(token, ["user_id", "name", "prefix", "scopes", "expires_at", "revoked_at"])


@transaction.atomic
def token_create(
    *, actor: User, name: str, scopes: Sequence[str], expires_on: dt.date
) -> tuple[ApiToken, str]:
    """A new token for the actor itself; returns it and its secret (shown once, stored only as
    a hash)."""
    if not can_have_tokens(actor):
        raise AccessDenied(_("Only staff accounts of a member may create API tokens."))
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = _("Please give the token a name.")
    elif len(name) > NAME_MAX or any(ch in name for ch in "\r\n\x00"):
        errors["name"] = _("Please use one line of at most %(n)s characters.") % {"n": NAME_MAX}
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        errors["scopes"] = _("Unknown scopes: %(scopes)s") % {"scopes": ", ".join(unknown)}
    elif not scopes:
        errors["scopes"] = _("Choose at least one scope.")
    today = timezone.localdate()
    if expires_on <= today:
        errors["expires_on"] = _("The expiry date must lie in the future.")
    elif expires_on > today + dt.timedelta(days=TOKEN_MAX_DAYS):
        errors["expires_on"] = _("A token is valid for at most %(days)s days.") % {
            "days": TOKEN_MAX_DAYS
        }
    if errors:
        raise ValidationError(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=actor,
        name=name,
        prefix=secret[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + 8],
        token_hash=token_hash(secret),
        scopes=sorted(set(scopes), key=SCOPES.index),
        expires_at=timezone.make_aware(
            dt.datetime.combine(expires_on, dt.time(23, 59, 59)), timezone.get_default_timezone()
        ),
    )
    token.full_clean()
    token.save()
    log_action(actor=actor, action="api.token_create", obj=token, after=_token_snapshot(token))
    return token, secret


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if not actor_may(actor, can_revoke_token(actor, token)):
        raise AccessDenied(_("Only its owner and the coordination office may revoke this token."))
    if token.revoked_at is not None:
        raise ValidationError(_("This token has been revoked already."))
    update_audited(
        actor=actor,
        obj=token,
        action="api.token_revoke",
        revoked_at=timezone.now(),
        revoked_by=actor if isinstance(actor, User) else None,
    )
    return token


# --- webhooks ----------------------------------------------------------------------------------


# IPv6 prefixes that carry an IPv4 address in their last 32 bits and reach it through a
# translator (NAT64, RFC 6052 / 8215) or are deprecated IPv4-compatible addresses: Python counts
# them as global, but 64:ff9b::a00:1 reaches 10.0.0.1 wherever a NAT64 gateway routes it.
_EMBEDDING_V4 = tuple(ipaddress.IPv6Network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96"))


def _is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and any(ip in net for net in _EMBEDDING_V4):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not _is_public_address(str(embedded)):
            return False
    return ip.is_global and not ip.is_multicast


def _is_loopback(address: str) -> bool:
    return ipaddress.ip_address(address).is_loopback


def check_webhook_url(url: str) -> list[str]:
    """The addresses `url` resolves to, if the platform may send to it; ValidationError (keyed
    "url") if not. HTTPS only and public addresses only; WEBHOOK_ALLOW_LOOPBACK (development and
    tests) also allows http and https to 127.0.0.1 / ::1 (never other private addresses)."""
    parts = urlsplit(url)
    allow_loopback = getattr(settings, "WEBHOOK_ALLOW_LOOPBACK", False)
    refuse = ValidationError({"url": _("Only HTTPS URLs of public servers are allowed.")})
    if parts.scheme not in {"https", "http"} or not parts.hostname or parts.username:
        raise refuse
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError) as exc:
        raise ValidationError({"url": _("This host name cannot be resolved.")}) from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses:
        raise ValidationError({"url": _("This host name cannot be resolved.")})
    if all(_is_public_address(a) for a in addresses) and parts.scheme == "https":
        return addresses
    if allow_loopback and all(_is_loopback(a) for a in addresses):
        return addresses
    raise refuse


def _validate_endpoint(url: str, chosen: Sequence[str]) -> None:
    errors: dict[str, list[str]] = {}
    if len(url) > 500:
        errors["url"] = [_("This URL is too long.")]
    else:
        try:
            check_webhook_url(url)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    unknown = sorted(set(chosen) - set(events.EVENTS))
    if unknown:
        errors["events"] = [_("Unknown events: %(events)s") % {"events": ", ".join(unknown)}]
    elif not chosen:
        errors["events"] = [_("Choose at least one event.")]
    if errors:
        raise ValidationError(errors)


def _endpoint_snapshot(endpoint: WebhookEndpoint) -> dict[str, object]:
    return snapshot(endpoint, ["member_id", "url", "events", "alliance_wide", "active"])


@transaction.atomic
def webhook_create(
    *, actor: User, url: str, events_: Sequence[str], alliance_wide: bool = False
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for the actor's member; returns it and its signing secret."""
    if not can_register_webhooks(actor):
        raise AccessDenied(_("Only staff of a member may register webhook endpoints."))
    if alliance_wide and not can_register_alliance_wide(actor):
        raise AccessDenied(
            _("Only the coordination office may receive the events of every member.")
        )
    _validate_endpoint(url, events_)
    member_id = roles_of(actor).member_id
    if member_id is None:
        raise AccessDenied(_("Only staff of a member may register webhook endpoints."))
    member = Member.objects.get(pk=member_id)
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        member=member,
        created_by=actor,
        url=url,
        secret=secret,
        events=sorted(set(events_)),
        alliance_wide=alliance_wide,
    )
    endpoint.full_clean()
    endpoint.save()
    log_action(
        actor=actor, action="api.webhook_create", obj=endpoint, after=_endpoint_snapshot(endpoint)
    )
    return endpoint, secret


@transaction.atomic
def webhook_update(
    *,
    actor: Actor,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events_: Sequence[str] | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change the URL or events, or switch the endpoint on and off (switching on again after it
    was disabled for failures starts a fresh count)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if not actor_may(actor, can_manage_webhook(actor, endpoint)):
        raise AccessDenied(_("This webhook endpoint belongs to another member."))
    new_url = endpoint.url if url is None else url
    new_events = endpoint.events if events_ is None else sorted(set(events_))
    if url is not None or events_ is not None:
        _validate_endpoint(new_url, new_events)
    changes: dict[str, object] = {"url": new_url, "events": new_events}
    if active is not None:
        changes["active"] = active
        if active:
            changes |= {"consecutive_failures": 0, "disabled_at": None}
    update_audited(actor=actor, obj=endpoint, action="api.webhook_update", **changes)
    return endpoint


@transaction.atomic
def webhook_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    if not actor_may(actor, can_manage_webhook(actor, endpoint)):
        raise AccessDenied(_("This webhook endpoint belongs to another member."))
    log_action(
        actor=actor,
        action="api.webhook_delete",
        obj=endpoint,
        before=_endpoint_snapshot(endpoint),
    )
    endpoint.delete()
