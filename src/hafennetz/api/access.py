"""Who may hold API tokens and webhook endpoints: the one place of the api app's rules.

* Every staff account (staff of a member, or the coordination office) may create personal
  access tokens for itself and revoke them; the coordination office sees and revokes every
  token.
* A member's staff register webhook endpoints for their own member's events; only the
  coordination office may register an endpoint for every member's events. The office sees and
  removes every endpoint.
* What a token may read or write through the API is decided by the apps' access functions,
  exactly as for the same user in the browser; the token's scopes only narrow it.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from hafennetz.api.models import ApiToken, WebhookEndpoint
from hafennetz.core.access import Actor, Visitor, ensure
from hafennetz.members.access import check_logged_in, roles_of


def can_have_tokens(user: Visitor | None) -> bool:
    roles = roles_of(user)
    return roles.is_member_staff or roles.is_coordination_office


def can_manage_all_tokens(user: Visitor | None) -> bool:
    return roles_of(user).is_coordination_office


def can_revoke_token(user: Visitor | None, token: ApiToken) -> bool:
    return can_manage_all_tokens(user) or (
        getattr(user, "pk", None) is not None and token.user_id == getattr(user, "pk", None)
    )


def can_register_webhooks(user: Visitor | None) -> bool:
    return roles_of(user).is_member_staff


def can_manage_webhook(user: Visitor | None, endpoint: WebhookEndpoint) -> bool:
    roles = roles_of(user)
    return roles.is_coordination_office or (
        roles.member_id is not None and roles.member_id == endpoint.member_id
    )


def can_register_alliance_wide(user: Visitor | None) -> bool:
    return roles_of(user).is_coordination_office


def actor_may(actor: Actor, allowed: bool) -> bool:
    return actor is None or allowed


def check_have_tokens(user: Visitor | None) -> None:
    check_logged_in(user)
    ensure(
        can_have_tokens(user),
        _("Only staff accounts of a member may create API tokens."),
    )


def check_manage_all_tokens(user: Visitor | None) -> None:
    check_logged_in(user)
    ensure(
        can_manage_all_tokens(user),
        _("Only the coordination office sees the tokens of every account."),
    )


def access_token(user: Visitor | None, pk: int) -> ApiToken:
    """A token the user may revoke: its own, or any for the coordination office."""
    check_logged_in(user)
    token = ApiToken.objects.select_related("user").filter(pk=pk).first()
    if token is None:
        raise Http404
    ensure(
        can_revoke_token(user, token),
        _("Only its owner and the coordination office may revoke this token."),
    )
    return token


def check_register_webhooks(user: Visitor | None) -> None:
    check_logged_in(user)
    ensure(
        can_register_webhooks(user),
        _("Only staff of a member may register webhook endpoints."),
    )


def access_webhook(user: Visitor | None, pk: int) -> WebhookEndpoint:
    """A webhook endpoint of the user's member (any, for the coordination office)."""
    check_logged_in(user)
    endpoint = WebhookEndpoint.objects.select_related("member").filter(pk=pk).first()
    if endpoint is None:
        raise Http404
    ensure(
        can_manage_webhook(user, endpoint),
        _("This webhook endpoint belongs to another member."),
    )
    return endpoint
