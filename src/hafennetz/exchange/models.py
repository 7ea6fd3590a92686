"""Austausch, part one (ADR 0060): the practice library (Praxisbeispiele) with helpful marks,
comments and questions, peer learning from the Lagebild (opt-ins per topic, contact requests),
references from meetings to practices, and the daily digest. Joint positions and the demand
tracker are the other part of the module, the app `positions`."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hafennetz.core.models import BaseModel
from hafennetz.core.validators import validate_past_date, validate_single_line
from hafennetz.meetings.models import AgendaBlock, FollowUp
from hafennetz.members.models import Contact, Member
from hafennetz.positions.models import Position
from hafennetz.situation.models import Topic

# Upper bounds of the texts people type (far above a good practice, far below abuse).
MAX_SUMMARY = 600
MAX_TEXT = 8000
MAX_SHORT_TEXT = 300
MAX_MESSAGE = 2000
MAX_LINKS = 10


class Visibility(models.TextChoices):
    ALLIANCE = "alliance", _("alliance only")
    PUBLIC = "public", _("public")


class PracticeStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", pgettext_lazy("practice status", "published")


class Practice(BaseModel):
    """Praxisbeispiel: what a member did about a problem, and what came of it."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="practices"
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    summary = models.TextField(
        _("short summary"), validators=[MaxLengthValidator(MAX_SUMMARY)], max_length=MAX_SUMMARY
    )
    problem = models.TextField(
        _("the problem"), validators=[MaxLengthValidator(MAX_TEXT)], max_length=MAX_TEXT
    )
    what_was_done = models.TextField(
        _("what was done"), validators=[MaxLengthValidator(MAX_TEXT)], max_length=MAX_TEXT
    )
    results = models.TextField(
        _("results and takeaways"),
        validators=[MaxLengthValidator(MAX_TEXT)],
        max_length=MAX_TEXT,
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), related_name="practices")
    target_groups = models.CharField(
        _("target groups"), max_length=MAX_SHORT_TEXT, blank=True, validators=[validate_single_line]
    )
    resources_staff = models.CharField(_("staff it needed"), max_length=MAX_SHORT_TEXT, blank=True)
    resources_money = models.CharField(_("money it needed"), max_length=MAX_SHORT_TEXT, blank=True)
    resources_partners = models.CharField(_("partners"), max_length=MAX_SHORT_TEXT, blank=True)
    since = models.DateField(_("since"), null=True, blank=True, validators=[validate_past_date])
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact_consent = models.BooleanField(_("the contact person agreed to be named"), default=False)
    links = models.TextField(
        _("links"),
        blank=True,
        max_length=MAX_LINKS * 220,
        help_text=_("One web address per line (at most ten)."),
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.ALLIANCE
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PracticeStatus.choices, default=PracticeStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    last_reviewed_on = models.DateField(_("last reviewed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # PostgreSQL: the German full-text vector, written by the services (GIN index, migration
    # 0002). SQLite keeps the same text, stemmed in Python, in the FTS5 table exchange_fts.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        indexes = [models.Index(fields=["status", "visibility"], name="practice_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == PracticeStatus.PUBLISHED

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.contact_id and self.contact and self.contact.member_id != self.member_id:
            raise ValidationError(
                {"contact": _("The contact person must be one of the member's contacts.")}
            )
        if self.contact_id and not self.contact_consent:
            raise ValidationError(
                {"contact_consent": _("Please confirm that the contact person agreed to be named.")}
            )


class Attachment(BaseModel):
    """A PDF or image of a practice, stored under MEDIA_ROOT/exchange with a generated name and
    served only through an access-checked view."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(_("file name"), max_length=200)
    stored_name = models.CharField(max_length=80, unique=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class HelpfulMark(BaseModel):
    """A person found the practice helpful (one mark per person; it can be taken back)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="helpful")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "user"], name="one_helpful_mark_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}→{self.practice_id}"


class CommentKind(models.TextChoices):
    COMMENT = "comment", _("comment")
    QUESTION = "question", _("question")


class PracticeComment(BaseModel):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        _("kind"), max_length=10, choices=CommentKind.choices, default=CommentKind.COMMENT
    )
    text = models.TextField(
        _("text"), validators=[MaxLengthValidator(MAX_MESSAGE)], max_length=MAX_MESSAGE
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.text[:60]


class TopicOptIn(BaseModel):
    """A member is glad to be asked by peers on this topic, through this contact person."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="exchange_opt_ins")
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE)
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact person"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["topic__order"]
        constraints = [
            models.UniqueConstraint(fields=["member", "topic"], name="one_opt_in_per_topic")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.topic_id}"


class RequestStatus(models.TextChoices):
    OPEN = "open", _("open")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")


class ContactRequest(BaseModel):
    """„Kontakt anfragen“: a short introduction from one member to a peer on a topic. The
    peer's contact address is shown to the asking member only once the peer accepts."""

    from_member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    # SET_NULL: a member may delete a contact; the request stays, without that person.
    from_contact = models.ForeignKey(
        Contact,
        verbose_name=_("our contact person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    to_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.PROTECT)
    practice = models.ForeignKey(
        Practice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.TextField(
        _("introduction"), validators=[MaxLengthValidator(MAX_MESSAGE)], max_length=MAX_MESSAGE
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    answer = models.TextField(
        _("answer"),
        blank=True,
        validators=[MaxLengthValidator(MAX_MESSAGE)],
        max_length=MAX_MESSAGE,
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contact request")
        verbose_name_plural = _("contact requests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_member=models.F("to_member")), name="contact_request_to_peer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_member} → {self.to_member}"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN


class Reference(BaseModel):
    """A meeting's agenda item or follow-up task points to a practice or a joint position."""

    block = models.ForeignKey(
        AgendaBlock, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    practice = models.ForeignKey(
        Practice,
        verbose_name=_("practice"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="references",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exchange_references",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(block__isnull=False) & Q(follow_up__isnull=True))
                | (Q(block__isnull=True) & Q(follow_up__isnull=False)),
                name="reference_block_xor_follow_up",
            ),
            models.CheckConstraint(
                condition=(Q(practice__isnull=False) & Q(position__isnull=True))
                | (Q(practice__isnull=True) & Q(position__isnull=False)),
                name="reference_practice_xor_position",
            ),
            models.UniqueConstraint(
                fields=["block", "practice"], name="one_reference_per_block_practice"
            ),
            models.UniqueConstraint(
                fields=["follow_up", "practice"], name="one_reference_per_task_practice"
            ),
            models.UniqueConstraint(
                fields=["block", "position"], name="one_reference_per_block_position"
            ),
            models.UniqueConstraint(
                fields=["follow_up", "position"], name="one_reference_per_task_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.block_id or self.follow_up_id}→{self.practice_id or self.position_id}"

    @property
    def target(self) -> Practice | Position | None:
        return self.practice or self.position


class DigestSetting(models.Model):
    """A person's daily digest: on unless unsubscribed; `last_sent_at` bounds the next one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exchange_digest"
    )
    enabled = models.BooleanField(_("daily digest"), default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}:{'on' if self.enabled else 'off'}"
