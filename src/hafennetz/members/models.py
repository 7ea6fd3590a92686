"""The alliance's members, their declarations, contacts, staff accounts and alliance roles."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hafennetz.core.models import BaseModel, District, Municipality, State

FOUNDING_DATE = dt.date(2019, 6, 14)


class SizeClass(models.IntegerChoices):
    """Population classes of members (Lagebild filter, balance in small groups)."""

    SMALL = 1, _("under 20,000 inhabitants")
    MEDIUM = 2, _("20,000 to 99,999 inhabitants")
    LARGE = 3, _("100,000 to 499,999 inhabitants")
    METROPOLIS = 4, _("500,000 inhabitants and more")

    @classmethod
    def of(cls, population: int) -> SizeClass:
        if population < 20_000:
            return cls.SMALL
        if population < 100_000:
            return cls.MEDIUM
        if population < 500_000:
            return cls.LARGE
        return cls.METROPOLIS


class MemberStatus(models.TextChoices):
    """Derived from the dates, never stored (see MemberQuerySet.with_status)."""

    ALLIANCE = "alliance", _("Alliance member")
    RESOLUTION_ONLY = "resolution_only", _("Safe-harbour resolution only")
    FORMER = "former", _("Former member")


# The one place that says which dates make which status.
STATUS_CONDITIONS = {
    MemberStatus.ALLIANCE: Q(joined_on__isnull=False, left_on__isnull=True),
    MemberStatus.RESOLUTION_ONLY: Q(joined_on__isnull=True, left_on__isnull=True),
    MemberStatus.FORMER: Q(left_on__isnull=False),
}


class MemberQuerySet(models.QuerySet["Member"]):
    def alliance(self) -> MemberQuerySet:
        return self.with_status(MemberStatus.ALLIANCE)

    def resolution_only(self) -> MemberQuerySet:
        return self.with_status(MemberStatus.RESOLUTION_ONLY)

    def former(self) -> MemberQuerySet:
        return self.with_status(MemberStatus.FORMER)

    def with_status(self, status: str) -> MemberQuerySet:
        return self.filter(STATUS_CONDITIONS[MemberStatus(status)])


class Member(BaseModel):
    """A municipality or district (Landkreis) in the alliance or with a safe-harbour resolution."""

    municipality = models.OneToOneField(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="member",
    )
    district = models.OneToOneField(
        District,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="member",
    )
    # The territory's state, copied once at creation so the directory can filter by an index.
    state = models.ForeignKey(
        State, verbose_name=_("state"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(_("name"), max_length=150)
    joined_on = models.DateField(_("joined the alliance"), null=True, blank=True)
    left_on = models.DateField(_("left the alliance"), null=True, blank=True)
    safe_harbour_resolution_on = models.DateField(
        _("safe-harbour council resolution"), null=True, blank=True
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("profile text"), blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(
                condition=(Q(municipality__isnull=False) & Q(district__isnull=True))
                | (Q(municipality__isnull=True) & Q(district__isnull=False)),
                name="member_is_municipality_xor_district",
                violation_error_message=_("A member is either a municipality or a district."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(left_on__gte=models.F("joined_on")),
                name="member_left_after_joined",
                violation_error_message=_("Leaving cannot be before joining."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ags(self) -> str:
        return self.municipality_id or self.district_id or ""

    @property
    def is_district(self) -> bool:
        return self.district_id is not None

    @property
    def status(self) -> MemberStatus:
        if self.left_on:
            return MemberStatus.FORMER
        if self.joined_on:
            return MemberStatus.ALLIANCE
        return MemberStatus.RESOLUTION_ONLY

    @property
    def territory(self) -> Municipality | District:
        return self.municipality or self.district  # type: ignore[return-value]

    @property
    def population(self) -> int:
        return self.territory.population

    @property
    def size_class(self) -> SizeClass:
        return SizeClass.of(self.population)

    @property
    def coordinates(self) -> tuple[float, float]:
        if self.municipality:
            return self.municipality.latitude, self.municipality.longitude
        assert self.district is not None
        return self.district.centroid_latitude, self.district.centroid_longitude


class Declaration(models.Model):
    """A version of the Potsdamer Erklärung (2019, 2021)."""

    version = models.CharField(_("version"), max_length=10, unique=True)
    title = models.CharField(_("title"), max_length=200)
    published_on = models.DateField(_("published"))

    class Meta:
        ordering = ["published_on"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")

    def __str__(self) -> str:
        return self.title


class Signature(BaseModel):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="signatures")
    declaration = models.ForeignKey(
        Declaration, verbose_name=_("declaration"), on_delete=models.PROTECT, related_name="+"
    )
    signed_on = models.DateField(_("signed on"))
    signatory = models.CharField(_("signatory"), max_length=200)

    class Meta:
        ordering = ["signed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "declaration"], name="one_signature_per_declaration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} – {self.declaration}"


class Criterion(models.TextChoices):
    """The eight criteria of the Seebrücke campaign for a „Sicherer Hafen“."""

    SOLIDARITY_DECLARATION = "solidarity_declaration", _("Public declaration of solidarity")
    SEA_RESCUE = "sea_rescue", _("Supports sea rescue")
    ADDITIONAL_ADMISSION = "additional_admission", _("Admission in addition to the quota")
    ADMISSION_PROGRAMME = "admission_programme", _("Admission programme")
    COMMUNAL_RECEPTION = "communal_reception", _("Communal reception")
    NETWORKING = "networking", _("Networking")
    ALLIANCE = "alliance", _("Joined the alliance")
    TRANSPARENCY = "transparency", _("Transparency")


class CriterionStatus(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="criteria")
    criterion = models.CharField(_("criterion"), max_length=40, choices=Criterion.choices)
    decided = models.BooleanField(_("decided"), default=False)
    fulfilled = models.BooleanField(_("fulfilled"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "criterion"], name="unique_member_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.criterion}"


class Contact(BaseModel):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=150)
    function = models.CharField(_("function"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Shown on the public member page.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


class StaffAccount(BaseModel):
    """A login belongs to the staff of exactly one member."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_account"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="staff")

    def __str__(self) -> str:
        return f"{self.user} @ {self.member}"


class TermQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def current(self, on: dt.date | None = None) -> TermQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(starts_on__lte=day), Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class StateCoordination(BaseModel):
    """A member coordinates the alliance in one state for a period (Länderkoordination)."""

    state = models.ForeignKey(
        State, verbose_name=_("state"), on_delete=models.PROTECT, related_name="coordinations"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="coordinations"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["state", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="state_coordination_period",
                violation_error_message=_("The end lies before the start."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.state}: {self.member}"


class CoordinationOfficeTerm(BaseModel):
    """Which member holds the coordination office (Koordinierungsstelle); it has moved before."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="office_terms"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return str(self.member)


class Invitation(BaseModel):
    """An e-mail invitation to become staff of a member; the link sets the password."""

    email = models.EmailField(_("e-mail"))
    # The person's name, taken over into the account when the invitation is accepted.
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="invitations"
    )
    # Only a hash is stored: a database leak must not hand out working links.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("valid until"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()
