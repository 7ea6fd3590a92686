"""Pledges: what a member offers to take in beyond its quota, per resource, for a period.

The resources and offers are the allocation engine's (`engines/allocation`, docs/allocation/
csv-formats.md): places per resource become the engine's capacities, offers its flags.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
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


class Programme(models.TextChoices):
    SEA_RESCUE = "sea_rescue", _("People rescued at sea")
    FEDERAL_ADMISSION = "federal_admission", _("Federal admission programme")
    STATE_ADMISSION = "state_admission", _("State admission programme")
    RESETTLEMENT = "resettlement", _("Resettlement")
    OTHER = "other", _("Other programme")


class KeyKind(models.TextChoices):
    """The distribution key a contingent is compared against (admission.keys computes them)."""

    KOENIGSTEINER = "koenigsteiner", _("Königsteiner Schlüssel")
    POPULATION = "population", _("Population")
    POPULATION_AREA = "population_area", _("Population and area (90 % / 10 %, as NRW's FlüAG)")
    PLEDGES = "pledges", _("Proportional to pledges")
    EXPLICIT = "explicit", _("Explicit shares")


class KeyTable(BaseModel):
    """A version of the Königsteiner Schlüssel: state shares in percent, with year and source.
    The shipped 2014–2016 table is outdated; the office adds the current one."""

    name = models.CharField(_("name"), max_length=120)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    source = models.CharField(_("source"), max_length=300)
    shares = models.JSONField(_("shares in percent by state"), default=dict)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("key table")
        verbose_name_plural = _("key tables")
        constraints = [models.UniqueConstraint(fields=["name", "year"], name="unique_key_table")]

    def __str__(self) -> str:
        return f"{self.name} {self.year}"


class Contingent(BaseModel):
    """A number of persons of one programme to be distributed among members in a period."""

    name = models.CharField(_("name"), max_length=150)
    programme = models.CharField(_("programme"), max_length=30, choices=Programme.choices)
    persons = models.PositiveIntegerField(
        _("persons"), validators=[MinValueValidator(1), MaxValueValidator(MAX_PLACES)]
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    key = models.CharField(
        _("distribution key"),
        max_length=20,
        choices=KeyKind.choices,
        default=KeyKind.KOENIGSTEINER,
    )
    key_table = models.ForeignKey(
        KeyTable,
        verbose_name=_("Königsteiner table"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contingents",
    )
    # Explicit shares by member AGS (any scale; normalised), for KeyKind.EXPLICIT.
    explicit_shares = models.JSONField(_("explicit shares"), default=dict, blank=True)
    eligible = models.ManyToManyField(
        "members.Member",
        verbose_name=_("eligible members"),
        blank=True,
        related_name="contingents",
        help_text=_("Empty: every member with a current pledge in the period."),
    )
    notes = models.TextField(_("notes"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-period_start", "name"]
        verbose_name = _("contingent")
        verbose_name_plural = _("contingents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="contingent_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Need flags that must be offered where a household is placed (the engine's HARD_FLAGS).
HARD_NEEDS = frozenset({Offer.BARRIER_FREE.value, Offer.DIALYSIS.value, Offer.TRAUMA_THERAPY.value})
AGE_BANDS = ("age_0_2", "age_3_5", "age_6_17", "age_18_64", "age_65_plus")
MAX_PER_BAND = 20
MAX_BATCH = 60


class LinkKind(models.TextChoices):
    SAME_MUNICIPALITY = "same_municipality", _("must be placed in the same municipality")
    SAME_DISTRICT = "same_district", _("should be placed in the same district")


def _band(label: str) -> models.PositiveSmallIntegerField[int, int]:
    return models.PositiveSmallIntegerField(
        label, default=0, validators=[MaxValueValidator(MAX_PER_BAND)]
    )


class Household(BaseModel):
    """A household of a contingent, pseudonymous: a case number, members by age band and needs.
    Never a name, never free text (GDPR Art. 9 data is reduced to need flags)."""

    contingent = models.ForeignKey(
        Contingent,
        verbose_name=_("contingent"),
        on_delete=models.CASCADE,
        related_name="households",
    )
    case_id = models.CharField(
        _("case number"),
        max_length=40,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
                _("A case number consists of letters, digits and . _ / - (never a name)."),
            )
        ],
    )
    age_0_2 = _band(_("members aged 0–2"))
    age_3_5 = _band(_("members aged 3–5"))
    age_6_17 = _band(_("members aged 6–17"))
    age_18_64 = _band(_("members aged 18–64"))
    age_65_plus = _band(_("members aged 65 and over"))
    needs = models.JSONField(_("needs"), default=list, blank=True)
    # [{"case": "H-0002", "kind": "same_municipality"}, ...]
    links = models.JSONField(_("links"), default=list, blank=True)
    preferences = models.JSONField(_("preferred members (AGS, ranked)"), default=list, blank=True)
    # Weekly arrivals: the batch (e.g. the week) a household arrives in; empty: not in a batch.
    batch = models.PositiveSmallIntegerField(
        _("batch"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_BATCH)],
        help_text=_("For contingents filled in weekly batches: the number of the batch (week)."),
    )
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    class Meta:
        ordering = ["contingent", "case_id"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["contingent", "case_id"], name="unique_case_per_contingent"
            )
        ]

    def __str__(self) -> str:
        return self.case_id

    @property
    def size(self) -> int:
        return sum(int(getattr(self, band)) for band in AGE_BANDS)

    def need_labels(self) -> list[str]:
        labels = dict(Offer.choices)
        return [str(labels.get(slug, slug)) for slug in self.needs]


class RunMethod(models.TextChoices):
    OPTIMAL = "optimal", _("Needs-based (optimal)")
    GREEDY = "greedy", _("Needs-based (greedy, fast)")
    QUOTA = "quota", _("Quota only (status quo)")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("waiting for the worker")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("finished")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


class AllocationRun(BaseModel):
    """One run of the allocation engine for a contingent, stored so that it can be shown,
    defended and re-run: its input snapshot, seed, budget and engine version go with it."""

    # Household-level input and the result stay out of the audit log (core.audit.snapshot): the
    # log would otherwise copy every household of a run and outlive their anonymisation.
    audit_exclude = ("input_snapshot", "result")

    contingent = models.ForeignKey(
        Contingent, verbose_name=_("contingent"), on_delete=models.CASCADE, related_name="runs"
    )
    method = models.CharField(_("method"), max_length=20, choices=RunMethod.choices)
    use_key = models.BooleanField(_("steer towards the distribution key"), default=True)
    key_weight = models.FloatField(
        _("weight of the key (per person away from it)"),
        default=1.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(100.0)],
    )
    seed = models.PositiveIntegerField(_("seed"), default=0, validators=[MaxValueValidator(10**9)])
    work = models.FloatField(
        _("work budget (reference seconds)"),
        default=10.0,
        validators=[MinValueValidator(0.5), MaxValueValidator(600.0)],
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    started_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    task_id = models.CharField(max_length=64, blank=True)
    phase = models.CharField(_("phase"), max_length=40, blank=True)
    fraction = models.FloatField(default=0.0)
    best = models.FloatField(null=True, blank=True)
    bound = models.FloatField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    engine_version = models.CharField(max_length=40, blank=True)
    input_fingerprint = models.CharField(max_length=64, blank=True)
    input_snapshot = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A batch run places only the households of this batch not yet placed, with the capacity
    # the approved runs left, by the engine's dynamic `reoptimize` policy.
    batch = models.PositiveSmallIntegerField(_("batch"), null=True, blank=True)
    # The office's overrides the run was computed with (pins and exclusions, with reasons);
    # pinned households are not in the input snapshot but here, with their engine data.
    overrides = models.JSONField(default=list, blank=True)
    # A re-run recomputes a run from its stored snapshot, seed, budget and method.
    rerun_of = models.ForeignKey(
        "self",
        verbose_name=_("re-run of"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reruns",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")

    def __str__(self) -> str:
        return f"{self.contingent} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class PlacementStatus(models.TextChoices):
    ALLOCATED = "allocated", _("allocated, reception not yet confirmed")
    CONFIRMED = "confirmed", _("reception confirmed")
    PROBLEM = "problem", _("problem reported")


class Placement(BaseModel):
    """An approved allocation of one household to one member. Created only by approving a run;
    the receiving member confirms the reception or reports a problem."""

    run = models.ForeignKey(
        AllocationRun,
        verbose_name=_("allocation run"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    household = models.OneToOneField(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="placement"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    persons = models.PositiveSmallIntegerField(_("persons"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PlacementStatus.choices,
        default=PlacementStatus.ALLOCATED,
    )
    problem = models.CharField(_("problem"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(_("reception confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["member", "household__case_id"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")

    def __str__(self) -> str:
        return f"{self.household} → {self.member}"


class OverrideKind(models.TextChoices):
    PIN = "pin", _("pinned to the member")
    EXCLUDE = "exclude", _("member excluded")


class OverrideReason(models.TextChoices):
    """Why the office departs from the engine (the list the public page counts)."""

    FAMILY = "family_ties", _("Family or community ties on site")
    MEDICAL = "medical", _("Medical care not captured by the needs")
    HOUSING = "housing", _("Housing situation on site")
    SAFETY = "safety", _("Protection or safety")
    MEMBER = "member_request", _("Agreed with the receiving member")
    DATA = "data_correction", _("Case data incomplete or corrected")
    OTHER = "other", _("Other reason")


class OverrideRule(models.TextChoices):
    """Hard rules an override may break (only with the office's explicit confirmation)."""

    CAPACITY = "capacity", _("exceeds a pledged capacity")
    HARD_NEEDS = "hard_needs", _("a hard need is not offered there")
    LINKS = "links", _("separates households that must be placed together")
    NO_MEMBER_LEFT = "no_member_left", _("no eligible member is left for the household")


class Override(BaseModel):
    """The human in the loop: the office pins a household to a member or excludes a member for
    it, always with a reason; runs are computed around the overrides and count them."""

    contingent = models.ForeignKey(
        Contingent, verbose_name=_("contingent"), on_delete=models.CASCADE, related_name="overrides"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="overrides"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=OverrideKind.choices)
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="admission_overrides",
    )
    reason = models.CharField(_("reason"), max_length=30, choices=OverrideReason.choices)
    explanation = models.CharField(
        _("explanation"),
        max_length=500,
        help_text=_("Briefly, without names or health details: the case number is enough."),
    )
    # Hard rules the office confirmed to break (OverrideRule values).
    breaks = models.JSONField(_("rules broken"), default=list, blank=True)
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_run = models.ForeignKey(
        AllocationRun,
        verbose_name=_("set on the result of run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["contingent", "household__case_id", "pk"]
        verbose_name = _("override")
        verbose_name_plural = _("overrides")

    def __str__(self) -> str:
        return f"{self.household} {self.kind} {self.member_id}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    def break_labels(self) -> list[str]:
        labels = dict(OverrideRule.choices)
        return [str(labels.get(b, b)) for b in self.breaks]
