"""Lagebild: questionnaires, survey rounds, the members' situation reports and their answers.

Answer and FigureValue rows carry copies of the round, member, state and size class of their
report and a `counted` flag (the report is the current, submitted version). The services write
these copies; the dashboards aggregate over them with one indexed query each, without joins.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hafennetz.core.models import BaseModel, State
from hafennetz.members.models import Member, SizeClass  # re-exported for the situation app


class StrainLevel(models.IntegerChoices):
    """Belastungsstufe, as municipal surveys ask it."""

    RELAXED = 1, _("relaxed")
    CHALLENGING = 2, _("challenging but manageable")
    AT_LIMIT = 3, _("at the limit")
    OVERLOADED = 4, _("overloaded / emergency mode")


def _localized(obj: object, field: str) -> str:
    lang = (get_language() or "de")[:2]
    value = getattr(obj, f"{field}_{lang}", "") if lang in {"de", "en"} else ""
    return str(value or getattr(obj, f"{field}_de"))


class Topic(BaseModel):
    """Themenfeld. Editable data, so both languages are stored."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_de = models.CharField(_("name (German)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive topics are not offered for new versions.")
    )

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self, "name")


class Questionnaire(BaseModel):
    """A version of the questionnaire. Locked once a round uses it; changes need a new version."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return _("Questionnaire version %(version)s") % {"version": self.version}


class KeyFigure(BaseModel):
    """A key figure asked per topic, with its unit and plausibility bounds."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="figures"
    )
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.PROTECT)
    code = models.SlugField(_("code"), max_length=60)
    label_de = models.CharField(_("label (German)"), max_length=150)
    label_en = models.CharField(_("label (English)"), max_length=150, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    plausible_min = models.IntegerField(_("plausible minimum"), null=True, blank=True)
    plausible_max = models.IntegerField(_("plausible maximum"), null=True, blank=True)
    # Pair rule: e.g. places occupied must not exceed places available unless confirmed.
    not_above = models.ForeignKey(
        "self",
        verbose_name=_("must not exceed"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["topic__order", "order", "code"]
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="unique_figure_code"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _localized(self, "label")


class SurveyRound(BaseModel):
    """Abfragerunde: numbered consecutively, for all members or the members of one state."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=150)
    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    opens_on = models.DateField(_("opens on"))
    deadline = models.DateField(_("deadline"))
    state = models.ForeignKey(
        State,
        verbose_name=_("state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leave empty to ask all members."),
    )
    # When the members were told by e-mail that the round is open (once, by the worker).
    announced_at = models.DateTimeField(_("announced"), null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opens_on")), name="round_deadline_after_open"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("not reviewed")
    APPROVED = "approved", _("approved")
    QUERY = "query", _("query to the member")
    ON_HOLD = "on_hold", _("on hold")


class SituationReport(BaseModel):
    """Lagebericht of a member for a round. A submitted version is locked; corrections are a new
    version, the old ones stay as history. `is_current` marks the version that counts."""

    round = models.ForeignKey(SurveyRound, on_delete=models.PROTECT, related_name="reports")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="reports")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set on submission: submitted after the round's deadline (Berlin date).
    is_late = models.BooleanField(_("late"), default=False)
    share_with_members = models.BooleanField(
        _("other members may see our answers"),
        default=False,
        help_text=_("Otherwise others see only aggregates that include your report."),
    )
    review_status = models.CharField(
        _("review"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    review_comment = models.TextField(_("comment to the member"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    # The member's answer to the office's query (review status "query"), on the report itself.
    member_answer = models.TextField(_("answer to the query"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # Copied from the member when the report is made (dashboard filters without joins).
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="+")
    size_class = models.PositiveSmallIntegerField(_("size class"), choices=SizeClass.choices)

    class Meta:
        ordering = ["round", "member", "-version"]
        verbose_name = _("situation report")
        verbose_name_plural = _("situation reports")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "member", "version"], name="unique_report_version"
            ),
            models.UniqueConstraint(
                fields=["round", "member"],
                condition=Q(is_current=True),
                name="one_current_report",
            ),
        ]
        indexes = [models.Index(fields=["round", "state", "status"], name="report_progress")]

    def __str__(self) -> str:
        return f"{self.member} – {self.round} (v{self.version})"

    @property
    def is_locked(self) -> bool:
        return self.status == ReportStatus.SUBMITTED


class _Counted(models.Model):
    """Copies of the report's keys on every answer row, written by the services."""

    round = models.ForeignKey(SurveyRound, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="+")
    size_class = models.PositiveSmallIntegerField(choices=SizeClass.choices)
    # The report is the current, submitted version: only these rows enter the aggregates.
    counted = models.BooleanField(default=False)
    # The member lets other members see this report's answers (its share_with_members).
    shared = models.BooleanField(default=False)

    class Meta:
        abstract = True


class Answer(_Counted):
    report = models.ForeignKey(SituationReport, on_delete=models.CASCADE, related_name="answers")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+")
    strain = models.PositiveSmallIntegerField(
        _("strain level"), choices=StrainLevel.choices, null=True, blank=True
    )
    what_is_hard = models.TextField(_("what is hard"), blank=True)
    what_works = models.TextField(_("what works"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "topic"], name="unique_answer_topic"),
            models.CheckConstraint(
                condition=Q(strain__isnull=True) | Q(strain__gte=1, strain__lte=4),
                name="answer_strain_range",
            ),
        ]
        indexes = [
            # Heatmap, shares, trends and the member map: counted rows of a round by topic.
            models.Index(
                fields=["counted", "round", "topic", "state", "size_class", "strain"],
                name="answer_dashboard",
            ),
            models.Index(
                fields=["counted", "topic", "round", "state", "size_class", "strain"],
                name="answer_trend",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.topic_id}={self.strain}"


class FigureValue(_Counted):
    report = models.ForeignKey(SituationReport, on_delete=models.CASCADE, related_name="figures")
    figure = models.ForeignKey(KeyFigure, on_delete=models.PROTECT, related_name="+")
    value = models.IntegerField(_("value"))
    confirmed_out_of_bounds = models.BooleanField(_("confirmed despite the bounds"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "figure"], name="unique_figure_value"),
            models.CheckConstraint(condition=Q(value__gte=0), name="figure_value_not_negative"),
        ]
        indexes = [
            models.Index(fields=["counted", "round", "figure", "state"], name="figure_dashboard"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.figure_id}={self.value}"


class StrainTally(models.Model):
    """How many counted answers have each strain level, per round, topic, state, size class and
    sharing.
    Kept in step by the services on submission (and rebuilt from the answer rows by
    `services.tallies_rebuild`), so trends over many rounds read thousands of rows, not
    millions."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="+")
    size_class = models.PositiveSmallIntegerField(choices=SizeClass.choices)
    strain = models.PositiveSmallIntegerField(choices=StrainLevel.choices)
    # Answers the members shared with the other members (disclosure control needs to know which
    # contributions logged-in members already see).
    shared = models.BooleanField(default=False)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "topic", "state", "size_class", "shared", "strain"],
                name="unique_tally_shared",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.round_id}:{self.topic_id}:{self.state_id}:{self.size_class}:"
            f"{'s' if self.shared else 'p'}:{self.strain}"
        )


class ReminderKind(models.TextChoices):
    AUTOMATIC = "automatic", _("automatic")
    MANUAL = "manual", _("manual")


class Reminder(models.Model):
    """A reminder e-mail sent to a member's staff; automatic ones at most once per offset."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="reminders")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    # Days before the deadline for automatic reminders; empty for manual ones.
    days_before = models.SmallIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "member", "days_before"],
                condition=Q(kind="automatic"),
                name="one_automatic_reminder_per_offset",
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.member_id}:{self.kind}:{self.days_before}"
