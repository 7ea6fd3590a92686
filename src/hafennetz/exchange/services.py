"""Writes of the Austausch (practice library, peer learning, references, digest).
Keyword-only, typed, atomic, audited; domain errors as ValidationError by field. Each service
re-checks the actor's rights with `hafennetz.exchange.access` (AccessDenied), so no interface can
bypass a form; `actor=None` is a system job (demo seeding, the digest). E-mails leave through
background tasks (`hafennetz.exchange.tasks`), enqueued in the same transaction: a write that
rolls back sends nothing."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hafennetz.core.access import AccessDenied, Actor
from hafennetz.core.audit import create_audited, log_action, snapshot, stored_snapshot
from hafennetz.exchange import access, search, tasks
from hafennetz.exchange.models import (
    MAX_LINKS,
    Attachment,
    CommentKind,
    ContactRequest,
    DigestSetting,
    HelpfulMark,
    Practice,
    PracticeComment,
    PracticeStatus,
    Reference,
    RequestStatus,
    TopicOptIn,
)
from hafennetz.meetings import services as meetings_services
from hafennetz.meetings.models import AgendaBlock, BlockKind, FollowUp, Meeting
from hafennetz.members.access import roles_of
from hafennetz.members.models import Contact, Member
from hafennetz.positions import selectors as positions_selectors
from hafennetz.positions.models import Position
from hafennetz.situation.models import Topic

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 10
# Real type by the first bytes -> (content type, the file-name endings it may carry).
FILE_TYPES: list[tuple[bytes, int, str, tuple[str, ...]]] = [
    (b"%PDF-", 0, "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", (".png",)),
    (b"\xff\xd8\xff", 0, "image/jpeg", (".jpg", ".jpeg")),
    (b"WEBP", 8, "image/webp", (".webp",)),
]


def _user_id(actor: Actor) -> int | None:
    return actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None


def _ensure(allowed: bool, message: str) -> None:
    if not allowed:
        raise AccessDenied(message)


def _ensure_edit(actor: Actor, practice: Practice) -> None:
    _ensure(
        access.actor_may(actor, access.can_edit_practice(actor, practice)),
        _("Only the staff of %(member)s and the coordination office may change this practice.")
        % {"member": practice.member.name},
    )


def media_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exchange"


# --- practices --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeInput:
    title: str
    summary: str
    problem: str
    what_was_done: str
    results: str
    topics: Sequence[Topic]
    target_groups: str = ""
    resources_staff: str = ""
    resources_money: str = ""
    resources_partners: str = ""
    since: dt.date | None = None
    contact: Contact | None = None
    contact_consent: bool = False
    links: str = ""
    visibility: str = "alliance"


def _clean_links(links: str) -> str:
    lines = [line.strip() for line in links.splitlines() if line.strip()]
    if len(lines) > MAX_LINKS:
        raise ValidationError({"links": _("Please give at most ten links.")})
    validate = URLValidator(schemes=["http", "https"])
    for line in lines:
        try:
            validate(line)
        except ValidationError:
            raise ValidationError(
                {"links": _("„%(link)s“ is not a web address (https://…).") % {"link": line[:80]}}
            ) from None
    return "\n".join(lines)


@transaction.atomic
def practice_save(
    *,
    actor: Actor,
    member: Member,
    data: PracticeInput,
    practice: Practice | None = None,
    is_demo: bool = False,
) -> Practice:
    """Create a practice of `member` (a draft) or change one; topics and search index with it."""
    target = practice.member if practice is not None else member
    _ensure(
        access.actor_may(actor, access.can_write_practice_for(actor, target)),
        _("Only the staff of %(member)s and the coordination office may write its practices.")
        % {"member": target.name},
    )
    if not data.topics:
        raise ValidationError({"topics": _("Please choose at least one topic.")})
    if data.contact is not None and data.contact.member_id != target.pk:
        raise ValidationError(
            {"contact": _("The contact person must be one of the member's contacts.")}
        )
    links = _clean_links(data.links)
    if practice is None:
        practice = Practice(member=target, created_by_id=_user_id(actor), is_demo=is_demo)
        before: dict[str, object] = {}
    else:
        practice = Practice.objects.select_for_update().get(pk=practice.pk)
        before = stored_snapshot(practice)
        before["topics"] = sorted(practice.topics.values_list("code", flat=True))
    for name in (
        "title",
        "summary",
        "problem",
        "what_was_done",
        "results",
        "target_groups",
        "resources_staff",
        "resources_money",
        "resources_partners",
        "since",
        "contact",
        "contact_consent",
        "visibility",
    ):
        value = getattr(data, name)
        setattr(practice, name, value.strip() if isinstance(value, str) else value)
    practice.links = links
    if practice.contact is None:
        practice.contact_consent = False
    practice.full_clean(exclude=["search_vector"])
    practice.save()
    practice.topics.set(data.topics)
    search.index_practice(practice)
    after = snapshot(practice)
    after.pop("search_vector", None)
    before.pop("search_vector", None)
    after["topics"] = sorted(t.code for t in data.topics)
    log_action(
        actor=actor,
        action="practice.update" if before else "practice.create",
        obj=practice,
        before=before or None,
        after=after,
    )
    return practice


@transaction.atomic
def practice_set_status(*, actor: Actor, practice: Practice, status: str) -> Practice:
    """Publish a draft, or take a published practice back to draft."""
    practice = Practice.objects.select_for_update().select_related("member").get(pk=practice.pk)
    _ensure_edit(actor, practice)
    if status not in PracticeStatus.values:
        raise ValidationError(_("Unknown status."))
    if status == practice.status:
        return practice
    before = {"status": practice.status, "published_at": practice.published_at}
    practice.status = status
    if status == PracticeStatus.PUBLISHED:
        practice.published_at = timezone.now()
        practice.last_reviewed_on = practice.last_reviewed_on or timezone.localdate()
    practice.save(update_fields=["status", "published_at", "last_reviewed_on", "updated_at"])
    log_action(
        actor=actor,
        action="practice.publish" if status == PracticeStatus.PUBLISHED else "practice.unpublish",
        obj=practice,
        before=before,
        after={"status": practice.status, "published_at": practice.published_at},
    )
    return practice


@transaction.atomic
def practice_mark_reviewed(*, actor: Actor, practice: Practice) -> Practice:
    """The member checked that the practice is still current (the last-reviewed date)."""
    practice = Practice.objects.select_for_update().select_related("member").get(pk=practice.pk)
    _ensure_edit(actor, practice)
    before = {"last_reviewed_on": practice.last_reviewed_on}
    practice.last_reviewed_on = timezone.localdate()
    practice.save(update_fields=["last_reviewed_on", "updated_at"])
    log_action(
        actor=actor,
        action="practice.review",
        obj=practice,
        before=before,
        after={"last_reviewed_on": practice.last_reviewed_on},
    )
    return practice


# --- attachments ------------------------------------------------------------------------------


def sniff_type(head: bytes, name: str) -> str:
    """The content type of an upload judged by its first bytes, which must agree with the
    ending of its name; ValidationError (German, at the field) otherwise."""
    ending = Path(name).suffix.lower()
    for magic, offset, content_type, endings in FILE_TYPES:
        if head[offset : offset + len(magic)] == magic and (
            magic != b"WEBP" or head[:4] == b"RIFF"
        ):
            if ending not in endings:
                raise ValidationError(
                    {
                        "file": _(
                            "The file „%(name)s“ is not what its name says: it contains %(type)s."
                        )
                        % {"name": name[:100], "type": content_type}
                    }
                )
            return content_type
    raise ValidationError(
        {
            "file": _(
                "„%(name)s“ is not a PDF, PNG, JPEG or WebP file (judged by its content, "
                "not its name)."
            )
            % {"name": name[:100]}
        }
    )


@transaction.atomic
def attachment_add(*, actor: Actor, practice: Practice, upload: UploadedFile) -> Attachment:
    practice = Practice.objects.select_for_update().select_related("member").get(pk=practice.pk)
    _ensure_edit(actor, practice)
    name = Path(upload.name or "").name[:200] or "datei"
    size = upload.size or 0
    if size <= 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than 5 MB.")})
    if practice.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"file": _("A practice can have at most ten attachments.")})
    upload.seek(0)
    head = upload.read(16)
    content_type = sniff_type(head, name)
    ending = {
        "application/pdf": ".pdf",
        "image/png": ".png",
        "image/jpeg": ".jpg",
        "image/webp": ".webp",
    }[content_type]
    stored = f"{secrets.token_hex(16)}{ending}"
    directory = media_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / stored
    upload.seek(0)
    with path.open("xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:  # a failed write below must not leave the file behind
        attachment = Attachment(
            practice=practice,
            original_name=name,
            stored_name=stored,
            content_type=content_type,
            size=size,
            uploaded_by_id=_user_id(actor),
            is_demo=practice.is_demo,
        )
        create_audited(actor=actor, obj=attachment, action="practice.attachment_add")
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, actor: Actor, attachment: Attachment) -> None:
    practice = attachment.practice
    _ensure_edit(actor, practice)
    stored = attachment.stored_name
    log_action(
        actor=actor,
        action="practice.attachment_delete",
        obj=attachment,
        before=snapshot(attachment),
    )
    attachment.delete()
    transaction.on_commit(lambda: (media_dir() / stored).unlink(missing_ok=True))


# --- helpful marks, comments, questions ------------------------------------------------------


def _ensure_interact(actor: Actor, practice: Practice) -> Member:
    _ensure(
        actor is not None and access.can_interact(actor, practice),
        _("Only staff of a member may mark, comment on or ask about a published practice."),
    )
    member_id = roles_of(actor).member_id
    assert member_id is not None
    return Member.objects.get(pk=member_id)


@transaction.atomic
def helpful_toggle(*, actor: Actor, practice: Practice) -> bool:
    """Mark the practice as helpful, or take the mark back; True if it is marked now."""
    member = _ensure_interact(actor, practice)
    assert actor is not None
    mark = HelpfulMark.objects.filter(practice=practice, user_id=actor.pk).first()
    if mark is not None:
        log_action(actor=actor, action="practice.helpful_remove", obj=mark, before=snapshot(mark))
        mark.delete()
        return False
    mark = HelpfulMark(practice=practice, user_id=actor.pk, member=member)
    create_audited(actor=actor, obj=mark, action="practice.helpful")
    # Taking the mark back and giving it again must not mail the author every time (a toggling
    # loop would flood their inbox): at most one such mail per person and practice a day.
    if cache.add(f"exchange-helpful-mail:{actor.pk}:{practice.pk}", 1, timeout=24 * 3600):
        tasks.notify_author.enqueue(kind="helpful", object_id=mark.pk)
    return True


@transaction.atomic
def comment_add(*, actor: Actor, practice: Practice, kind: str, text: str) -> PracticeComment:
    member = _ensure_interact(actor, practice)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Please write a text.")})
    if kind not in CommentKind.values:
        raise ValidationError({"kind": _("Unknown kind.")})
    comment = PracticeComment(
        practice=practice, author_id=_user_id(actor), member=member, kind=kind, text=text
    )
    create_audited(actor=actor, obj=comment, action="practice.comment")
    tasks.notify_author.enqueue(kind="comment", object_id=comment.pk)
    return comment


# --- readiness to be asked (opt-ins) ----------------------------------------------------------


@transaction.atomic
def opt_ins_set(
    *,
    actor: Actor,
    member: Member,
    topics: Sequence[Topic],
    contact: Contact | None,
    is_demo: bool = False,
) -> list[TopicOptIn]:
    """The topics on which `member` is glad to be asked by peers, through `contact`."""
    _ensure(
        access.actor_may(actor, access.can_manage_opt_ins(actor, member)),
        _("Only the staff of %(member)s and the coordination office may change its readiness.")
        % {"member": member.name},
    )
    if topics and contact is None:
        raise ValidationError({"contact": _("Please choose the contact person peers may ask.")})
    if contact is not None and contact.member_id != member.pk:
        raise ValidationError(
            {"contact": _("The contact person must be one of the member's contacts.")}
        )
    if contact is not None and not contact.email:
        raise ValidationError(
            {"contact": _("The contact person needs an e-mail address to receive requests.")}
        )
    current = {o.topic_id: o for o in TopicOptIn.objects.filter(member=member)}
    before = {
        "topics": sorted(str(t) for t in current),
        "contact": next(iter(current.values())).contact_id if current else None,
    }
    wanted = {t.pk for t in topics}
    TopicOptIn.objects.filter(member=member).exclude(topic_id__in=wanted).delete()
    for topic in topics:
        opt_in = current.get(topic.pk)
        if opt_in is None and contact is not None:
            TopicOptIn.objects.create(
                member=member, topic=topic, contact=contact, is_demo=is_demo or member.is_demo
            )
        elif opt_in is not None and contact is not None and opt_in.contact_id != contact.pk:
            opt_in.contact = contact
            opt_in.save(update_fields=["contact", "updated_at"])
    log_action(
        actor=actor,
        action="exchange.opt_ins",
        obj=member,
        before=before,
        after={
            "topics": sorted(str(t) for t in wanted),
            "contact": contact.pk if contact else None,
        },
    )
    return list(TopicOptIn.objects.filter(member=member))


# --- contact requests -------------------------------------------------------------------------


@transaction.atomic
def contact_request_create(
    *,
    actor: Actor,
    to_member: Member,
    topic: Topic,
    message: str,
    from_contact: Contact | None,
    practice: Practice | None = None,
) -> ContactRequest:
    """„Kontakt anfragen“: an introduction to the contact person the peer named for `topic`,
    sent through the platform (the peer's address is not shown before it accepts)."""
    _ensure(
        actor is not None and access.can_request_contact(actor),
        _("Only the staff of a member may ask another member for contact."),
    )
    from_member_id = roles_of(actor).member_id
    assert from_member_id is not None and actor is not None
    if to_member.pk == from_member_id:
        raise ValidationError(_("You cannot ask your own member for contact."))
    opt_in = (
        TopicOptIn.objects.select_related("contact").filter(member=to_member, topic=topic).first()
    )
    if opt_in is None:
        raise ValidationError(
            {
                "topic": _(
                    "%(member)s has not said it is glad to be asked on „%(topic)s“; the request "
                    "was not sent."
                )
                % {"member": to_member.name, "topic": topic.name}
            }
        )
    if from_contact is None:
        # The person the member named for being asked, else its first contact with an address.
        named = TopicOptIn.objects.filter(member_id=from_member_id).select_related("contact")
        from_contact = next((o.contact for o in named if o.contact.email), None) or (
            Contact.objects.filter(member_id=from_member_id)
            .exclude(email="")
            .order_by("pk")
            .first()
        )
        if from_contact is None:
            raise ValidationError(
                {
                    "from_contact": _(
                        "Your member has no contact person with an e-mail address yet; please "
                        "add one in its profile."
                    )
                }
            )
    if from_contact.member_id != from_member_id:
        raise ValidationError(
            {"from_contact": _("The contact person must be one of your member's contacts.")}
        )
    if not from_contact.email:
        raise ValidationError(
            {"from_contact": _("Your contact person needs an e-mail address for the answer.")}
        )
    message = message.strip()
    if not message:
        raise ValidationError({"message": _("Please write a short introduction.")})
    if practice is not None and practice.member_id != to_member.pk:
        practice = None
    if ContactRequest.objects.filter(
        from_member_id=from_member_id, to_member=to_member, topic=topic, status=RequestStatus.OPEN
    ).exists():
        raise ValidationError(
            _("There is already an open request of your member to %(member)s on this topic.")
            % {"member": to_member.name}
        )
    request = ContactRequest(
        from_member_id=from_member_id,
        from_contact=from_contact,
        from_user_id=actor.pk,
        to_member=to_member,
        to_contact=opt_in.contact,
        topic=topic,
        practice=practice,
        message=message,
    )
    create_audited(actor=actor, obj=request, action="exchange.contact_request")
    tasks.contact_request_mail.enqueue(request_id=request.pk, event="created")
    return request


@transaction.atomic
def contact_request_answer(
    *, actor: Actor, request: ContactRequest, accept: bool, answer: str
) -> ContactRequest:
    request = ContactRequest.objects.select_for_update().get(pk=request.pk)
    _ensure(
        actor is not None and roles_of(actor).member_id == request.to_member_id,
        _("Only the staff of %(member)s may answer this request.")
        % {"member": request.to_member.name},
    )
    if not request.is_open:
        raise ValidationError(_("This request has already been answered."))
    before = {"status": request.status, "answer": request.answer}
    request.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    request.answer = answer.strip()
    request.answered_at = timezone.now()
    request.answered_by_id = _user_id(actor)
    request.full_clean()
    request.save()
    log_action(
        actor=actor,
        action="exchange.contact_answer",
        obj=request,
        before=before,
        after={"status": request.status, "answer": request.answer},
    )
    tasks.contact_request_mail.enqueue(request_id=request.pk, event="answered")
    return request


# --- references from meetings -----------------------------------------------------------------


@transaction.atomic
def reference_add(
    *,
    actor: Actor,
    practice: Practice | None = None,
    position: Position | None = None,
    block: AgendaBlock | None = None,
    follow_up: FollowUp | None = None,
) -> Reference:
    """An agenda item or a follow-up task references a published practice or a position the
    actor can read."""
    target = block or follow_up
    if target is None or (block is not None and follow_up is not None):
        raise ValidationError(_("A reference belongs to one agenda item or one task."))
    _ensure(
        access.actor_may(actor, access.can_reference_from(actor, target.meeting)),
        _("Only the organisers of the meeting may add or remove references."),
    )
    if (practice is None) == (position is None):
        raise ValidationError({"practice": _("Please choose one practice or one position.")})
    if practice is not None:
        if actor is not None:
            _ensure(
                access.can_view_practice(actor, practice),
                _("This practice is a draft of %(member)s.") % {"member": practice.member.name},
            )
        if not practice.is_published:
            raise ValidationError({"practice": _("Only a published practice can be referenced.")})
    if position is not None and actor is not None:
        _ensure(
            positions_selectors.visible_positions(actor).filter(pk=position.pk).exists(),
            _("You cannot read this position."),
        )
    if Reference.objects.filter(
        block=block, follow_up=follow_up, practice=practice, position=position
    ).exists():
        raise ValidationError({"practice": _("This is referenced here already.")})
    reference = Reference(
        block=block,
        follow_up=follow_up,
        practice=practice,
        position=position,
        created_by_id=_user_id(actor),
        is_demo=target.meeting.is_demo,
    )
    create_audited(actor=actor, obj=reference, action="exchange.reference_add")
    return reference


@transaction.atomic
def reference_remove(*, actor: Actor, reference: Reference, meeting: Meeting) -> None:
    _ensure(
        access.actor_may(actor, access.can_reference_from(actor, meeting)),
        _("Only the organisers of the meeting may add or remove references."),
    )
    log_action(
        actor=actor, action="exchange.reference_remove", obj=reference, before=snapshot(reference)
    )
    reference.delete()


# --- seeding a meeting's small groups from the overview --------------------------------------


@transaction.atomic
def meeting_seed_small_groups(
    *,
    actor: Actor,
    meeting: Meeting,
    topics: Sequence[Topic],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
) -> AgendaBlock:
    """Add a small-group round to the meeting's agenda with one group table per chosen topic
    (through the meetings services, which check the organiser's rights and the times); the
    breakout planner then mixes strained and coping members at each table."""
    _ensure(
        actor is None or access.can_see_overview(actor),
        _("Only the coordination office and the state coordinations see the overview."),
    )
    if not topics:
        raise ValidationError({"topics": _("Please choose at least one topic.")})
    block = meetings_services.agenda_block_add(
        actor=actor,
        meeting=meeting,
        kind=BlockKind.SMALL_GROUPS,
        title=_("Learning from each other: small groups by topic")[:200],
        starts_at=starts_at,
        ends_at=ends_at,
        topics=", ".join(t.name for t in topics)[:500],
    )
    log_action(
        actor=actor,
        action="exchange.seed_small_groups",
        obj=block,
        after={"meeting": meeting.pk, "topics": [t.code for t in topics]},
    )
    return block


# --- the daily digest -------------------------------------------------------------------------


@transaction.atomic
def digest_set(*, actor: Actor, user_id: int, enabled: bool) -> DigestSetting:
    """Switch a person's daily digest on or off (the person, or the signed unsubscribe link:
    actor None)."""
    _ensure(
        actor is None or _user_id(actor) == user_id,
        _("Only the person themselves may change their digest."),
    )
    setting, created = DigestSetting.objects.get_or_create(user_id=user_id)
    if created or setting.enabled != enabled:
        before = {"enabled": None if created else setting.enabled}
        setting.enabled = enabled
        setting.save(update_fields=["enabled"])
        log_action(
            actor=actor,
            action="exchange.digest_on" if enabled else "exchange.digest_off",
            obj=setting,
            before=before,
            after={"enabled": enabled},
            actor_label="" if actor else "unsubscribe link",
        )
    return setting


@transaction.atomic
def digest_mark_sent(*, user_id: int, sent_at: dt.datetime, items: int) -> None:
    setting, _created = DigestSetting.objects.get_or_create(user_id=user_id)
    setting.last_sent_at = sent_at
    setting.save(update_fields=["last_sent_at"])
    log_action(
        actor=None,
        action="exchange.digest_sent",
        obj=setting,
        after={"items": items, "sent_at": sent_at},
    )


def stored_file(attachment: Attachment) -> Path:
    """Where the attachment's bytes are (only ever named by the generated name)."""
    path = media_dir() / Path(attachment.stored_name).name
    if not path.is_file():
        raise ValidationError(_("The file is missing on the server."))
    return path
