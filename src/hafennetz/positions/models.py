"""Joint positions of the alliance (Positionspapiere): versioned text in sections, comments of
member staff per section, endorsements of members as municipalities; and the public demand
tracker (the alliance's demands and what Bund and Länder answered or did).

Words, used consistently (ADR 0061): a *comment* (kommentieren) is a person's voice; an
*endorsement* (unterstützen, mitzeichnen) is the municipality's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hafennetz.core.models import BaseModel
from hafennetz.members.models import Declaration, Member

TITLE_MAX = 200
SUMMARY_MAX = 2_000
TEXT_MAX = 60_000
COMMENT_MAX = 5_000
NOTE_MAX = 300


class PositionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMMENTING = "commenting", _("Comment phase")
    ENDORSING = "endorsing", _("Endorsement phase")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


# The phases in order; the office moves a position one step forward (or, before publication,
# one step back). `services.position_move` is the only place that changes the status.
PHASES = [s.value for s in PositionStatus]


class Position(BaseModel):
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.TextField(_("summary"), max_length=SUMMARY_MAX, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=PositionStatus.choices, default=PositionStatus.DRAFT
    )
    # Members whose staff draft the position with the office (a working group).
    coauthors = models.ManyToManyField(
        Member, verbose_name=_("co-authors"), blank=True, related_name="coauthored_positions"
    )
    # The Potsdamer Erklärung: its signatures in the member registry are this position's
    # endorsements (ADR 0061).
    declaration = models.OneToOneField(
        Declaration,
        verbose_name=_("declaration"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="position",
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    # When the status last changed (the digest asks what changed since a time).
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)

    class Meta:
        ordering = ["-published_on", "-created_at"]
        verbose_name = _("joint position")
        verbose_name_plural = _("joint positions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("position-detail", args=[self.pk])

    @property
    def is_open_for_comments(self) -> bool:
        return self.status == PositionStatus.COMMENTING

    @property
    def is_open_for_endorsements(self) -> bool:
        return self.status == PositionStatus.ENDORSING

    @property
    def is_public(self) -> bool:
        return self.status in (PositionStatus.PUBLISHED, PositionStatus.ARCHIVED)


class PositionVersion(BaseModel):
    """One state of the text. Sections: a list of {"key", "heading", "text"} (see
    `services.parse_sections`); a version is never changed once saved."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    sections = models.JSONField(_("sections"), default=list)
    note = models.CharField(_("what changed"), max_length=NOTE_MAX, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["position", "number"],
                name="one_version_number_per_position",
                violation_error_message=_("This version number exists already."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.position} v{self.number}"


class Comment(BaseModel):
    """A person's comment on one section of one version, and the authors' official answer."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(PositionVersion, on_delete=models.CASCADE, related_name="+")
    section_key = models.CharField(_("section"), max_length=80)
    section_heading = models.CharField(_("section"), max_length=TITLE_MAX, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("comment"), max_length=COMMENT_MAX)
    answer = models.TextField(_("official answer"), max_length=COMMENT_MAX, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    taken_up_in = models.ForeignKey(
        PositionVersion,
        verbose_name=_("taken up in version"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments_taken_up",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.member} – {self.section_heading or self.section_key}"


class Endorsement(BaseModel):
    """A member endorses (unterstützt, zeichnet mit) a position as a municipality."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="endorsements")
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="endorsements"
    )
    # The text the member endorsed (frozen during the endorsement phase).
    version = models.ForeignKey(PositionVersion, on_delete=models.PROTECT, related_name="+")
    signatory_name = models.CharField(_("signatory"), max_length=150)
    signatory_function = models.CharField(_("function of the signatory"), max_length=150)
    council_decision_on = models.DateField(_("date of the council decision"), null=True, blank=True)
    council_decision_reference = models.CharField(
        _("reference of the council decision"), max_length=150, blank=True
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    endorsed_on = models.DateField(_("endorsed on"))

    class Meta:
        ordering = ["member__name"]
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        constraints = [
            models.UniqueConstraint(
                fields=["position", "member"],
                name="one_endorsement_per_member",
                violation_error_message=_("This member has already endorsed this position."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} – {self.position}"


class DemandStatus(models.TextChoices):
    OPEN = "open", _("Open: no movement")
    DISCUSSED = "discussed", _("Under discussion")
    PARTLY = "partly", _("Partly met")
    MET = "met", _("Met")
    REJECTED = "rejected", _("Rejected")


class Demand(BaseModel):
    """One of the alliance's demands (from the Potsdamer Erklärung and later positions)."""

    title = models.CharField(_("demand"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=SUMMARY_MAX, blank=True)
    addressee = models.CharField(
        _("addressed to"), max_length=150, help_text=_("e.g. Bund, Länder, Bund und Länder")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DemandStatus.choices, default=DemandStatus.OPEN
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("from the position"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demands",
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("demand")
        verbose_name_plural = _("demands")

    def __str__(self) -> str:
        return self.title


class DemandEntry(BaseModel):
    """A dated entry: what the Bund or a Land answered or did on a demand."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="entries")
    happened_on = models.DateField(_("date"))
    actor = models.CharField(_("who"), max_length=150, help_text=_("e.g. Bund (BMI), Land Berlin"))
    text = models.TextField(_("what was answered or done"), max_length=COMMENT_MAX)
    source_url = models.URLField(_("source (link)"), blank=True, max_length=500)

    class Meta:
        ordering = ["-happened_on", "-pk"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="demand_entry_has_text",
                violation_error_message=_("Please describe what was answered or done."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.demand} – {self.happened_on}"
