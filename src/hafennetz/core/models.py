"""Reference data (states, districts, municipalities), the common base model and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every domain record knows when it was made and changed, and whether it is demo data."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Invented for the demo; shown as "Demo" on screen, never mixed up with real records.
    is_demo = models.BooleanField(_("demo data"), default=False, db_index=True)

    class Meta:
        abstract = True


class State(models.Model):
    """Bundesland (Destatis GV-ISys, boundaries BKG VG5000)."""

    ags = models.CharField(_("state key"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    iso_3166_2 = models.CharField(_("ISO 3166-2"), max_length=5)
    population = models.PositiveBigIntegerField(_("population"))
    area_km2 = models.DecimalField(_("area (km²)"), max_digits=10, decimal_places=2)
    centroid_latitude = models.FloatField()
    centroid_longitude = models.FloatField()
    # GeoJSON geometry (WGS84), stored as text: read whole, never queried.
    boundary = models.TextField(_("boundary (GeoJSON)"), blank=True)

    class Meta:
        ordering = ["ags"]
        verbose_name = _("state")
        verbose_name_plural = _("states")

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    """Kreis or kreisfreie Stadt."""

    ags = models.CharField(_("district key"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=150)
    short_name = models.CharField(_("short name"), max_length=150)
    district_type = models.CharField(_("type"), max_length=50)
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="districts")
    population = models.PositiveBigIntegerField(_("population"))
    area_km2 = models.DecimalField(_("area (km²)"), max_digits=10, decimal_places=2)
    centroid_latitude = models.FloatField()
    centroid_longitude = models.FloatField()
    boundary = models.TextField(_("boundary (GeoJSON)"), blank=True)

    class Meta:
        ordering = ["ags"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """Gemeinde (politically independent municipality)."""

    ags = models.CharField(_("AGS"), max_length=8, primary_key=True)
    name = models.CharField(_("name"), max_length=150)
    short_name = models.CharField(_("short name"), max_length=150, db_index=True)
    municipality_type = models.CharField(_("type"), max_length=50)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="municipalities")
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="municipalities")
    population = models.PositiveIntegerField(_("population"))
    area_km2 = models.DecimalField(_("area (km²)"), max_digits=10, decimal_places=2)
    postal_code = models.CharField(_("postal code"), max_length=5)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        ordering = ["ags"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class DistributionKeyShare(models.Model):
    """A state's share in a distribution key for a year (Königsteiner Schlüssel)."""

    key = models.CharField(_("key"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="key_shares")
    share_percent = models.DecimalField(_("share (%)"), max_digits=8, decimal_places=5)

    class Meta:
        ordering = ["key", "year", "state"]
        constraints = [
            models.UniqueConstraint(fields=["key", "year", "state"], name="unique_key_share")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.year} {self.state_id}: {self.share_percent}"


class AuditEntry(models.Model):
    """Who changed what, when, with the values before and after. Written only by services."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept when the user is deleted: the log must still say who it was.
    actor_label = models.CharField(_("user"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    # Where the request came from (REMOTE_ADDR, or X-Forwarded-For from a trusted proxy);
    # empty for system jobs.
    client_address = models.GenericIPAddressField(
        _("client address"), null=True, blank=True, db_index=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
