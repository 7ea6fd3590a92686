"""Personal access tokens of the public API and the webhook endpoints with their delivery log.

A token is stored only as a SHA-256 hash (a database leak hands out no working token); the
visible prefix lets its owner and the office recognise it. A webhook endpoint belongs to a
member (its staff registered it) and receives that member's events; an endpoint of the
coordination office may receive every event of the alliance.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hafennetz.members.models import Member

# Modules a token's scopes refer to; each has a read and a write scope ("situation:write").
MODULES: tuple[str, ...] = (
    "members",
    "situation",
    "meetings",
    "admission",
    "exchange",
    "positions",
    "webhooks",
)
SCOPES: tuple[str, ...] = tuple(f"{m}:{a}" for m in MODULES for a in ("read", "write"))


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the token after "hn_", shown to recognise it.
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} (hn_{self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def allows(self, scope: str) -> bool:
        """`members:read` is granted by `members:read` or `members:write`."""
        module, _sep, action = scope.partition(":")
        granted = set(self.scopes)
        return scope in granted or (action == "read" and f"{module}:write" in granted)


class WebhookEndpoint(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    url = models.URLField(_("URL"), max_length=500)
    # Kept in the clear: deliveries are signed with it (HMAC-SHA256). Shown once at creation.
    secret = models.CharField(max_length=80)
    events = models.JSONField(_("events"), default=list)
    # The coordination office's endpoint receives the events of every member.
    alliance_wide = models.BooleanField(_("every member's events"), default=False)
    active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint, with its attempts (the delivery log)."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(unique=True)
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="delivery_log")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"
