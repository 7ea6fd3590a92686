"""Pledges: what a member offers to take in beyond its quota, per resource, for a period.

The resources and offers are the allocation engine's (`engines/allocation`, docs/allocation/
csv-formats.md): places per resource become the engine's capacities, offers its flags.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from hafennetz.core.models import BaseModel
from hafennetz.core.validators import MAX_PLACES


class Resource(models.TextChoices):
    """Capacities of the engine; the model field of each is `places_<value>`."""

    HOUSING = "housing", _("Housing (persons)")
    BARRIER_FREE_HOUSING = "barrier_free_housing", _("Barrier-free housing (persons)")
    CHILDCARE = "childcare", _("Childcare places")
    SCHOOL = "school", _("School places")
    LANGUAGE_COURSE = "language_course", _("Language course places")
    MEDICAL_CARE = "medical_care", _("Medical care (e.g. dialysis, trauma therapy)")


class Offer(models.TextChoices):
    """Needs a member can serve (the engine's flags); hard needs are placed only where offered."""

    BARRIER_FREE = "barrier_free", _("Barrier-free accommodation")
    DIALYSIS = "dialysis", _("Dialysis")
    TRAUMA_THERAPY = "trauma_therapy", _("Trauma therapy")
    LANGUAGE_SUPPORT = "language_support", _("Language support")
    PSYCHOSOCIAL_SUPPORT = "psychosocial_support", _("Psychosocial support")
    JOB_PLACEMENT = "job_placement", _("Job placement")


class PledgeStatus(models.TextChoices):
    OFFERED = "offered", _("offered")
    ACCEPTED = "accepted", _("accepted")
    USED = "used", _("used up")
    WITHDRAWN = "withdrawn", _("withdrawn")


def _places(label: str) -> models.PositiveIntegerField[int, int]:
    return models.PositiveIntegerField(label, default=0, validators=[MaxValueValidator(MAX_PLACES)])


class Pledge(BaseModel):
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="pledges",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    places_housing = _places(_("housing (persons)"))
    places_barrier_free_housing = _places(_("barrier-free housing (persons)"))
    places_childcare = _places(_("childcare places"))
    places_school = _places(_("school places"))
    places_language_course = _places(_("language course places"))
    places_medical_care = _places(_("medical care places"))
    offers = models.JSONField(_("offers"), default=list, blank=True)
    council_decision_on = models.DateField(_("council decision of"), null=True, blank=True)
    council_decision_reference = models.CharField(
        _("council decision reference"), max_length=120, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PledgeStatus.choices, default=PledgeStatus.OFFERED
    )
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    accepted_by = models.CharField(
        _("accepted by"), max_length=120, blank=True, help_text=_("e.g. the Land or the Bund")
    )
    accepted_reference = models.CharField(_("acceptance reference"), max_length=120, blank=True)
    contact = models.ForeignKey(
        "members.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-valid_from", "pk"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="pledge_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.valid_from:%Y-%m-%d}–{self.valid_until:%Y-%m-%d}"

    def places(self) -> dict[str, int]:
        """Places per resource (the engine's capacities)."""
        return {r.value: int(getattr(self, f"places_{r.value}")) for r in Resource}

    def offer_labels(self) -> list[str]:
        labels = dict(Offer.choices)
        return [str(labels.get(slug, slug)) for slug in self.offers]

    @property
    def total_places(self) -> int:
        """Persons offered: housing places are the people a member can take in."""
        return int(self.places_housing)

    @property
    def is_active(self) -> bool:
        return self.status in (PledgeStatus.OFFERED, PledgeStatus.ACCEPTED)
