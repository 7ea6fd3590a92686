"""Working meetings (Arbeitstreffen): agenda, registration with waitlist, small-group plans,
attendance, minutes and follow-up tasks."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hafennetz.core.models import BaseModel, State
from hafennetz.core.validators import MAX_PLACES, plausible_date, validate_single_line
from hafennetz.members.models import Member


class Level(models.TextChoices):
    FEDERAL = "federal", pgettext_lazy("meeting level", "Federal")
    STATE = "state", pgettext_lazy("meeting level", "State")


class Format(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    DIGITAL = "digital", _("Digital")
    HYBRID = "hybrid", _("Hybrid")


class Meeting(BaseModel):
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    state = models.ForeignKey(
        State,
        verbose_name=_("state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        help_text=_("Only for meetings of one state."),
    )
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    starts_at = models.DateTimeField(_("begins"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=250, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    description = models.TextField(_("description"), blank=True)
    moderators = models.CharField(
        _("moderation"), max_length=300, blank=True, help_text=_("Names, separated by commas.")
    )
    co_organisers = models.ManyToManyField(
        Member, verbose_name=_("co-organisers"), blank=True, related_name="co_organised_meetings"
    )
    registration_opens_at = models.DateTimeField(_("registration opens"))
    registration_closes_at = models.DateTimeField(_("registration closes"))
    slots_total = models.PositiveIntegerField(
        _("places in total"),
        null=True,
        blank=True,
        help_text=_("Empty: no limit."),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PLACES)],
    )
    slots_per_member = models.PositiveIntegerField(
        _("places per member"),
        null=True,
        blank=True,
        help_text=_("Empty: no limit."),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PLACES)],
    )
    questions = models.TextField(
        _("registration questions"),
        blank=True,
        help_text=_("One question per line; registrants answer each."),
    )
    minutes = models.TextField(_("minutes"), blank=True)
    checkin_code = models.CharField(_("check-in code"), max_length=12)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # A meeting that will not take place: kept (with its registrations) and shown as cancelled.
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)
    # iCalendar SEQUENCE: raised on every change calendars must take over (RFC 5545 3.8.7.4).
    sequence = models.PositiveIntegerField(default=0)
    attendance_count = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            # The messages are a last resort: clean() reports these cases at the fields first.
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_message=_("The end must be after the beginning."),
            ),
            models.CheckConstraint(
                condition=(Q(level="state") & Q(state__isnull=False))
                | (Q(level="federal") & Q(state__isnull=True)),
                name="meeting_state_matches_level",
                violation_error_message=_(
                    "A state meeting needs its state; a federal meeting has none."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """Field errors for what the database constraints and plausibility demand, so that a
        form shows a sentence at the field instead of a constraint name."""
        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        if self.level == Level.FEDERAL:
            self.state = None
        plausible = True
        for field in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            try:
                plausible_date(getattr(self, field))
            except ValidationError as exc:
                plausible = False
                for message in exc.messages:
                    add(field, message)
        if plausible and self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            add("ends_at", _("The end must be after the beginning."))
        opens, closes = self.registration_opens_at, self.registration_closes_at
        if plausible and opens and closes:
            if closes <= opens:
                add("registration_closes_at", _("Registration must close after it opens."))
            elif self.ends_at and closes > self.ends_at:
                add(
                    "registration_closes_at",
                    _("Registration must close before the meeting ends."),
                )
        if self.level == Level.STATE and not self.state_id:
            add("state", _("A state meeting needs its state."))
        if self.format in (Format.DIGITAL, Format.HYBRID) and not self.video_link:
            add("video_link", _("A digital or hybrid meeting needs a video link."))
        if self.format in (Format.IN_PERSON, Format.HYBRID) and not self.place:
            add("place", _("A meeting in person needs a place."))
        if (
            self.slots_total is not None
            and self.slots_per_member is not None
            and 0 < self.slots_total <= MAX_PLACES
            and self.slots_per_member > self.slots_total
        ):
            add(
                "slots_per_member",
                _("Places per member cannot exceed the places in total (%(n)s).")
                % {"n": self.slots_total},
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def question_list(self) -> list[str]:
        return [q.strip() for q in self.questions.splitlines() if q.strip()]


class BlockKind(models.TextChoices):
    PLENARY = "plenary", _("Plenary")
    SMALL_GROUPS = "small_groups", _("Small-group round")
    BREAK = "break", _("Break")


class AgendaBlock(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="blocks")
    kind = models.CharField(_("kind"), max_length=20, choices=BlockKind.choices)
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    starts_at = models.DateTimeField(_("begins"))
    ends_at = models.DateTimeField(_("ends"))
    topics = models.CharField(
        _("topics"),
        max_length=500,
        blank=True,
        help_text=_("Small-group round: one topic per group table, separated by commas."),
    )

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="block_ends_after_start",
                violation_error_message=_("The end must be after the beginning."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for field in ("starts_at", "ends_at"):
            try:
                plausible_date(getattr(self, field))
            except ValidationError as exc:
                errors[field] = exc.messages
        if not errors and self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = [_("The end must be after the beginning.")]
        if errors:
            raise ValidationError(errors)

    @property
    def topic_list(self) -> list[str]:
        return [t.strip() for t in self.topics.split(",") if t.strip()]


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class ParticipantRole(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    FACILITATOR = "facilitator", _("Facilitator")


class Registration(BaseModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField(_("status"), max_length=12, choices=RegistrationStatus.choices)
    role = models.CharField(
        _("role"),
        max_length=12,
        choices=ParticipantRole.choices,
        default=ParticipantRole.PARTICIPANT,
    )
    answers = models.JSONField(_("answers"), default=list, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=~Q(status="cancelled"),
                name="one_active_registration_per_person",
                violation_error_message=_("You are already registered for this meeting."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.meeting}"


class GroupPlan(BaseModel):
    """The small-group plan of a meeting: one round per small-group block of the agenda."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="plans")
    is_current = models.BooleanField(default=True)
    seed = models.PositiveIntegerField(default=1)
    min_size = models.PositiveSmallIntegerField(_("minimum group size"), default=5)
    max_size = models.PositiveSmallIntegerField(_("maximum group size"), default=7)
    quality = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.meeting} ({self.created_at:%d.%m.%Y %H:%M})"


class GroupAssignment(models.Model):
    plan = models.ForeignKey(GroupPlan, on_delete=models.CASCADE, related_name="assignments")
    block = models.ForeignKey(AgendaBlock, on_delete=models.CASCADE, related_name="+")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    group = models.PositiveIntegerField(_("group"))  # 0-based; shown 1-based
    topic = models.CharField(_("topic"), max_length=200, blank=True)

    class Meta:
        ordering = ["block__starts_at", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "block", "registration"],
                name="one_group_per_round",
                violation_error_message=_("A person can be in only one group per round."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}@{self.block_id}:{self.group}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Decision(BaseModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class FollowUp(BaseModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="follow_ups")
    title = models.CharField(_("task"), max_length=300, validators=[validate_single_line])
    owner = models.ForeignKey(
        Member, verbose_name=_("responsible member"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        try:
            plausible_date(self.due_on)
        except ValidationError as exc:
            raise ValidationError({"due_on": exc.messages}) from exc


class CalendarFeed(models.Model):
    """A secret token per person for the personal iCal feed (calendar apps cannot log in)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return str(self.user)
