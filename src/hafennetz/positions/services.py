"""Writes to joint positions and the demand tracker: keyword-only, typed, atomic, audited.

Services check the domain (ValidationError keyed by field, in German) and re-check the actor's
rights with `positions.access` (AccessDenied), so no interface can bypass a rule. `actor=None`
is a system job (demo data) and may do everything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hafennetz.core import events
from hafennetz.core.access import Actor, ensure
from hafennetz.core.audit import create_audited, log_action, snapshot, stored_snapshot
from hafennetz.core.validators import plausible_date
from hafennetz.members.models import Member
from hafennetz.positions import access
from hafennetz.positions.models import (
    COMMENT_MAX,
    NOTE_MAX,
    PHASES,
    SUMMARY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Comment,
    Demand,
    DemandEntry,
    Endorsement,
    Position,
    PositionStatus,
    PositionVersion,
)

MAX_SECTIONS = 60
HEADING = re.compile(r"^##\s+(.*\S)\s*$")


def _allowed(actor: Actor, allowed: bool, message: str) -> None:
    ensure(actor is None or allowed, message)


def _text_error(value: str, *, maximum: int, required: bool = True) -> str | None:
    if required and not value.strip():
        return _("Please fill in this field.")
    if len(value) > maximum:
        return _("At most %(max)s characters (this text has %(n)s).") % {
            "max": f"{maximum:,}".replace(",", "."),
            "n": f"{len(value):,}".replace(",", "."),
        }
    if "\x00" in value:
        return _("The text contains a control character that cannot be stored.")
    return None


def parse_sections(text: str) -> list[dict[str, str]]:
    """The text split into sections: a line "## Heading" starts one. Text before the first
    heading is an introduction. Keys are stable across versions as long as the heading stays."""
    sections: list[dict[str, str]] = []
    heading, lines = "", list[str]()

    def close() -> None:
        body = "\n".join(lines).strip()
        if heading or body:
            base = slugify(heading)[:60] or ("einleitung" if not sections else "abschnitt")
            key, n = base, 2
            while any(s["key"] == key for s in sections):
                key, n = f"{base}-{n}", n + 1
            sections.append({"key": key, "heading": heading, "text": body})

    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = HEADING.match(line)
        if match:
            close()
            heading, lines = match.group(1)[:TITLE_MAX], []
        else:
            lines.append(line.rstrip())
    close()
    return sections


def sections_text(sections: Sequence[Mapping[str, str]]) -> str:
    """The sections as the one text the form edits (inverse of `parse_sections`)."""
    parts = []
    for section in sections:
        head = f"## {section['heading']}\n" if section["heading"] else ""
        parts.append(head + section["text"])
    return "\n\n".join(parts)


def _validate_text(*, title: str, summary: str, text: str, note: str = "") -> list[dict[str, str]]:
    errors: dict[str, str] = {}
    for field, value, maximum, required in (
        ("title", title, TITLE_MAX, True),
        ("summary", summary, SUMMARY_MAX, False),
        ("text", text, TEXT_MAX, True),
        ("note", note, NOTE_MAX, False),
    ):
        error = _text_error(value, maximum=maximum, required=required)
        if error:
            errors[field] = error
    sections = [] if "text" in errors else parse_sections(text)
    if "text" not in errors and not any(s["text"] for s in sections):
        errors["text"] = _("The position needs some text, not only headings.")
    elif len(sections) > MAX_SECTIONS:
        errors["text"] = _("At most %(max)s sections.") % {"max": MAX_SECTIONS}
    if errors:
        raise ValidationError(errors)
    return sections


def _set_coauthors(position: Position, coauthors: Iterable[Member]) -> tuple[list[int], list[int]]:
    before = sorted(position.coauthors.values_list("pk", flat=True))
    position.coauthors.set(list(coauthors))
    return before, sorted(position.coauthors.values_list("pk", flat=True))


@transaction.atomic
def position_create(
    *,
    actor: Actor,
    title: str,
    summary: str,
    text: str,
    coauthors: Iterable[Member] = (),
    is_demo: bool = False,
) -> Position:
    _allowed(
        actor,
        access.can_create_position(actor),
        _("Only the coordination office may draft a position."),
    )
    sections = _validate_text(title=title, summary=summary, text=text)
    position = Position(title=title.strip(), summary=summary.strip(), is_demo=is_demo)
    position.status_changed_at = timezone.now()
    create_audited(actor=actor, obj=position, action="position.create")
    _before, after = _set_coauthors(position, coauthors)
    if after:
        log_action(
            actor=actor, action="position.coauthors", obj=position, after={"coauthors": after}
        )
    _new_version(actor=actor, position=position, sections=sections, note="", is_demo=is_demo)
    return position


def _new_version(
    *, actor: Actor, position: Position, sections: list[dict[str, str]], note: str, is_demo: bool
) -> PositionVersion:
    last = position.versions.order_by("-number").first()
    version = PositionVersion(
        position=position,
        number=(last.number + 1) if last else 1,
        sections=sections,
        note=note.strip(),
        author=actor if getattr(actor, "is_authenticated", False) else None,  # type: ignore[misc]
        is_demo=is_demo,
    )
    create_audited(actor=actor, obj=version, action="position.version")
    return version


@transaction.atomic
def position_update(
    *,
    actor: Actor,
    position: Position,
    title: str,
    summary: str,
    text: str,
    note: str = "",
    coauthors: Iterable[Member] | None = None,
) -> PositionVersion | None:
    """Change title and summary; a changed text becomes a new version (returned; None if the
    text is unchanged). Co-authors are the office's to name."""
    position = Position.objects.select_for_update().get(pk=position.pk)
    _allowed(
        actor,
        access.is_author(actor, position),
        _("Only the coordination office and the co-authors may change this position."),
    )
    if position.declaration_id is not None:
        raise ValidationError(_("The Potsdamer Erklärung is kept in the member registry."))
    if position.status not in access.TEXT_EDITABLE:
        raise ValidationError(
            _(
                "The text is fixed once the endorsement phase begins, so that every endorsement "
                "refers to the same text."
            )
        )
    sections = _validate_text(title=title, summary=summary, text=text, note=note)
    before = stored_snapshot(position, ["title", "summary"])
    position.title, position.summary = title.strip(), summary.strip()
    position.full_clean()
    position.save()  # also marks the position as changed (updated_at) for the digest
    after = snapshot(position, ["title", "summary"])
    if before != after:
        log_action(actor=actor, action="position.update", obj=position, before=before, after=after)
    if coauthors is not None:
        _allowed(
            actor, access.is_office(actor), _("Only the coordination office names co-authors.")
        )
        old, new = _set_coauthors(position, coauthors)
        if old != new:
            log_action(
                actor=actor,
                action="position.coauthors",
                obj=position,
                before={"coauthors": old},
                after={"coauthors": new},
            )
    current = position.versions.order_by("-number").first()
    if current is not None and current.sections == sections:
        return None
    return _new_version(
        actor=actor, position=position, sections=sections, note=note, is_demo=position.is_demo
    )


@transaction.atomic
def position_move(*, actor: Actor, position: Position, to: str) -> Position:
    """Move a position one phase forward, or one back before the endorsement phase has
    endorsements (their text would change)."""
    position = Position.objects.select_for_update().get(pk=position.pk)
    _allowed(
        actor,
        access.can_move_phase(actor, position),
        _("Only the coordination office may move a position's phase."),
    )
    if position.declaration_id is not None:
        raise ValidationError(_("The Potsdamer Erklärung is kept in the member registry."))
    if to not in PHASES:
        raise ValidationError(_("Unknown phase."))
    here, there = PHASES.index(position.status), PHASES.index(to)
    labels = dict(PositionStatus.choices)
    if there == here:
        raise ValidationError(
            _("The position is already in the phase „%(phase)s“.") % {"phase": labels[to]}
        )
    if there not in (here + 1, here - 1) or (there < here and here >= PHASES.index("published")):
        raise ValidationError(
            _("A position cannot move from „%(old)s“ to „%(new)s“.")
            % {"old": labels[position.status], "new": labels[to]}
        )
    if (
        position.status == PositionStatus.ENDORSING
        and there < here
        and position.endorsements.exists()
    ):
        raise ValidationError(
            _("Members have already endorsed this text; it cannot go back to the comment phase.")
        )
    if to == PositionStatus.PUBLISHED and not position.endorsements.exists():
        raise ValidationError(_("No member has endorsed the position yet; it cannot be published."))
    changes: dict[str, Any] = {"status": to, "status_changed_at": timezone.now()}
    if to == PositionStatus.PUBLISHED:
        changes["published_on"] = timezone.localdate()
    before = stored_snapshot(position, ["status", "published_on"])
    for field, value in changes.items():
        setattr(position, field, value)
    position.full_clean()
    position.save()
    log_action(
        actor=actor,
        action="position.phase",
        obj=position,
        before=before,
        after=snapshot(position, ["status", "published_on"]),
    )
    if to == PositionStatus.PUBLISHED:
        events.emit("position.published", position_id=position.pk)
    return position


def _current_version(position: Position) -> PositionVersion:
    version = position.versions.order_by("-number").first()
    assert version is not None, "every position has a first version"
    return version


@transaction.atomic
def comment_create(
    *, actor: Actor, position: Position, member: Member, section_key: str, text: str
) -> Comment:
    position = Position.objects.select_for_update().get(pk=position.pk)
    if position.status != PositionStatus.COMMENTING:
        raise ValidationError(_("Comments are only possible during the comment phase."))
    _allowed(
        actor,
        access.can_comment(actor, position),
        _("Only staff of a member may comment on positions."),
    )
    if actor is not None:
        from hafennetz.members.access import roles_of

        ensure(
            roles_of(actor).member_id == member.pk, _("You comment as staff of your own member.")
        )
    version = _current_version(position)
    section = next((s for s in version.sections if s["key"] == section_key), None)
    errors: dict[str, str] = {}
    if section is None:
        errors["section"] = _("Please choose a section of the current text.")
    error = _text_error(text, maximum=COMMENT_MAX)
    if error:
        errors["text"] = error
    if errors:
        raise ValidationError(errors)
    assert section is not None
    comment = Comment(
        position=position,
        version=version,
        section_key=section["key"],
        section_heading=section["heading"],
        author=actor if getattr(actor, "is_authenticated", False) else None,  # type: ignore[misc]
        member=member,
        text=text.strip(),
        is_demo=position.is_demo,
    )
    create_audited(actor=actor, obj=comment, action="position.comment")
    return comment


@transaction.atomic
def comment_answer(
    *, actor: Actor, comment: Comment, answer: str, taken_up_in: PositionVersion | None = None
) -> Comment:
    """The authors' official answer, and which version took the comment up (if any)."""
    comment = (
        Comment.objects.select_for_update().select_related("position", "version").get(pk=comment.pk)
    )
    position = comment.position
    _allowed(
        actor,
        access.is_author(actor, position),
        _("Only the authors of the position may answer comments."),
    )
    if position.status not in access.ANSWERABLE:
        raise ValidationError(
            _("Comments can be answered during the comment and endorsement phases.")
        )
    errors: dict[str, str] = {}
    error = _text_error(answer, maximum=COMMENT_MAX)
    if error:
        errors["answer"] = error
    if taken_up_in is not None and (
        taken_up_in.position_id != position.pk or taken_up_in.number <= comment.version.number
    ):
        errors["taken_up_in"] = _("Please choose a later version of this position.")
    if errors:
        raise ValidationError(errors)
    before = stored_snapshot(comment, ["answer", "taken_up_in_id"])
    comment.answer = answer.strip()
    comment.taken_up_in = taken_up_in
    comment.answered_by = actor if getattr(actor, "is_authenticated", False) else None  # type: ignore[assignment]
    comment.answered_at = timezone.now()
    comment.full_clean()
    comment.save()
    log_action(
        actor=actor,
        action="position.comment_answer",
        obj=comment,
        before=before,
        after=snapshot(comment, ["answer", "taken_up_in_id"]),
    )
    return comment


ENDORSEMENT_FIELDS = (
    "signatory_name",
    "signatory_function",
    "council_decision_on",
    "council_decision_reference",
)


def _validate_endorsement(data: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field, maximum in (("signatory_name", 150), ("signatory_function", 150)):
        error = _text_error(str(data.get(field) or ""), maximum=maximum)
        if error:
            errors[field] = error
    error = _text_error(
        str(data.get("council_decision_reference") or ""), maximum=150, required=False
    )
    if error:
        errors["council_decision_reference"] = error
    decided = data.get("council_decision_on")
    if decided is not None:
        try:
            plausible_date(decided, past_only=True)
        except ValidationError as exc:
            errors["council_decision_on"] = exc.messages[0]
    if data.get("council_decision_reference") and decided is None:
        errors["council_decision_on"] = _("Please give the date of the council decision too.")
    return errors


def _check_endorsing(position: Position) -> None:
    if position.status != PositionStatus.ENDORSING:
        if position.status in access.PUBLIC_STATUSES:
            raise ValidationError(
                _(
                    "The endorsement phase of this position has closed; endorsements can no "
                    "longer be given, changed or withdrawn."
                )
            )
        raise ValidationError(
            _("This position is not in its endorsement phase; it cannot be endorsed now.")
        )


@transaction.atomic
def endorsement_create(
    *,
    actor: Actor,
    position: Position,
    member: Member,
    signatory_name: str,
    signatory_function: str,
    council_decision_on: dt.date | None = None,
    council_decision_reference: str = "",
    authorised: bool = False,
    is_demo: bool = False,
) -> Endorsement:
    """The member endorses the position (unterstützt / zeichnet mit) as a municipality; the
    person giving it confirms that they are authorised to do so."""
    position = Position.objects.select_for_update().get(pk=position.pk)
    _check_endorsing(position)
    if actor is not None:
        from hafennetz.members.access import roles_of

        ensure(
            roles_of(actor).member_id == member.pk,
            _("Only the staff of %(member)s may endorse for it.") % {"member": member.name},
        )
    data = {
        "signatory_name": signatory_name,
        "signatory_function": signatory_function,
        "council_decision_on": council_decision_on,
        "council_decision_reference": council_decision_reference,
    }
    errors = _validate_endorsement(data)
    if actor is not None and not authorised:
        errors["authorised"] = _(
            "Please confirm that you are authorised to endorse for your municipality."
        )
    if member.left_on is not None or member.joined_on is None:
        errors["__all__"] = _("Only current alliance members can endorse a position.")
    if Endorsement.objects.filter(position=position, member=member).exists():
        errors["__all__"] = _(
            "%(member)s has already endorsed this position. You can change or withdraw the "
            "endorsement below."
        ) % {"member": member.name}
    if errors:
        raise ValidationError(errors)
    endorsement = Endorsement(
        position=position,
        member=member,
        version=_current_version(position),
        signatory_name=signatory_name.strip(),
        signatory_function=signatory_function.strip(),
        council_decision_on=council_decision_on,
        council_decision_reference=council_decision_reference.strip(),
        given_by=actor if getattr(actor, "is_authenticated", False) else None,  # type: ignore[misc]
        endorsed_on=timezone.localdate(),
        is_demo=is_demo,
    )
    try:
        with transaction.atomic():
            create_audited(actor=actor, obj=endorsement, action="position.endorse")
    except IntegrityError as exc:  # a concurrent endorsement of the same member won
        raise ValidationError(
            _("%(member)s has already endorsed this position.") % {"member": member.name}
        ) from exc
    position.save(update_fields=["updated_at"])
    return endorsement


@transaction.atomic
def endorsement_update(
    *, actor: Actor, endorsement: Endorsement, data: Mapping[str, Any]
) -> Endorsement:
    """Correct the signatory or the council decision: the member's staff during the phase, the
    office also afterwards (a typo in a published list)."""
    endorsement = (
        Endorsement.objects.select_for_update().select_related("position").get(pk=endorsement.pk)
    )
    _allowed(
        actor,
        access.can_change_endorsement(actor, endorsement),
        _("Only the staff of the member and the coordination office may change its endorsement."),
    )
    if endorsement.position.status == PositionStatus.ARCHIVED:
        raise ValidationError(_("The position is archived; its endorsements stay as they are."))
    if not (actor is None or access.is_office(actor)):
        _check_endorsing(endorsement.position)
    merged = {f: data.get(f, getattr(endorsement, f)) for f in ENDORSEMENT_FIELDS}
    errors = _validate_endorsement(merged)
    if errors:
        raise ValidationError(errors)
    before = stored_snapshot(endorsement, ENDORSEMENT_FIELDS)
    for field, value in merged.items():
        setattr(endorsement, field, value.strip() if isinstance(value, str) else value)
    endorsement.full_clean()
    endorsement.save()
    log_action(
        actor=actor,
        action="position.endorsement_update",
        obj=endorsement,
        before=before,
        after=snapshot(endorsement, ENDORSEMENT_FIELDS),
    )
    return endorsement


@transaction.atomic
def endorsement_withdraw(*, actor: Actor, endorsement: Endorsement) -> None:
    """Withdraw an endorsement; possible until the endorsement phase closes."""
    endorsement = (
        Endorsement.objects.select_for_update()
        .select_related("position", "member")
        .get(pk=endorsement.pk)
    )
    Position.objects.select_for_update().filter(pk=endorsement.position_id).first()
    _allowed(
        actor,
        access.can_change_endorsement(actor, endorsement),
        _("Only the staff of the member and the coordination office may change its endorsement."),
    )
    _check_endorsing(endorsement.position)
    log_action(
        actor=actor,
        action="position.endorsement_withdraw",
        obj=endorsement,
        before=stored_snapshot(endorsement),
    )
    endorsement.delete()
    endorsement.position.save(update_fields=["updated_at"])


# --- demand tracker ---------------------------------------------------------------------------

DEMAND_FIELDS = ("title", "description", "addressee", "status", "position", "order")


@transaction.atomic
def demand_save(
    *, actor: Actor, data: Mapping[str, Any], demand: Demand | None = None, is_demo: bool = False
) -> Demand:
    _allowed(
        actor,
        access.can_manage_demands(actor),
        _("Only the coordination office may keep the demand tracker."),
    )
    errors: dict[str, str] = {}
    for field, maximum, required in (
        ("title", TITLE_MAX, True),
        ("description", SUMMARY_MAX, False),
        ("addressee", 150, True),
    ):
        error = _text_error(str(data.get(field) or ""), maximum=maximum, required=required)
        if error:
            errors[field] = error
    if errors:
        raise ValidationError(errors)
    creating = demand is None
    demand = demand or Demand(is_demo=is_demo)
    before = {} if creating else stored_snapshot(demand)
    for field in DEMAND_FIELDS:
        if field in data:
            value = data[field]
            setattr(demand, field, value.strip() if isinstance(value, str) else value)
    demand.full_clean()
    demand.save()
    log_action(
        actor=actor,
        action="demand.create" if creating else "demand.update",
        obj=demand,
        before=None if creating else before,
        after=snapshot(demand),
    )
    return demand


@transaction.atomic
def demand_entry_create(
    *,
    actor: Actor,
    demand: Demand,
    happened_on: dt.date,
    actor_name: str,
    text: str,
    source_url: str = "",
    is_demo: bool = False,
) -> DemandEntry:
    _allowed(
        actor,
        access.can_manage_demands(actor),
        _("Only the coordination office may keep the demand tracker."),
    )
    errors: dict[str, str] = {}
    try:
        plausible_date(happened_on, past_only=True)
    except ValidationError as exc:
        errors["happened_on"] = exc.messages[0]
    for field, value, maximum in (("actor", actor_name, 150), ("text", text, COMMENT_MAX)):
        error = _text_error(value, maximum=maximum)
        if error:
            errors[field] = error
    if errors:
        raise ValidationError(errors)
    entry = DemandEntry(
        demand=demand,
        happened_on=happened_on,
        actor=actor_name.strip(),
        text=text.strip(),
        source_url=source_url.strip(),
        is_demo=is_demo,
    )
    create_audited(actor=actor, obj=entry, action="demand.entry")
    demand.save(update_fields=["updated_at"])
    return entry


__all__ = [
    "comment_answer",
    "comment_create",
    "demand_entry_create",
    "demand_save",
    "endorsement_create",
    "endorsement_update",
    "endorsement_withdraw",
    "parse_sections",
    "position_create",
    "position_move",
    "position_update",
    "sections_text",
]
