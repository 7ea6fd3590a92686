"""Writes for meetings. Keyword-only, typed, atomic, audited; domain errors as ValidationError
by field. Each service refuses (AccessDenied, via `hafennetz.meetings.access`) what the actor may
not do, so no interface can bypass a form; `actor=None` is a system job (demo seeding, tasks)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import smtplib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hafennetz.core import events
from hafennetz.core.access import AccessDenied, Actor
from hafennetz.core.audit import create_audited, log_action, snapshot, update_audited
from hafennetz.core.models import AuditEntry
from hafennetz.core.urls import absolute_url
from hafennetz.core.validators import validate_single_line
from hafennetz.engines.grouping import apply_changes, changed_assignments
from hafennetz.engines.grouping import check as check_plan
from hafennetz.engines.grouping import plan as make_plan
from hafennetz.engines.grouping import quality as plan_quality
from hafennetz.engines.grouping import repair as repair_plan
from hafennetz.engines.grouping.model import DropOut, LateJoin, Plan, PlanningError, Problem
from hafennetz.meetings import access, planning
from hafennetz.meetings.ics import meeting_calendar
from hafennetz.meetings.models import (
    AgendaBlock,
    CalendarFeed,
    Decision,
    FollowUp,
    FollowUpStatus,
    GroupAssignment,
    GroupPlan,
    Meeting,
    ParticipantRole,
    Registration,
    RegistrationStatus,
)
from hafennetz.meetings.selectors import checkin_window
from hafennetz.members.models import Member, StaffAccount

logger = logging.getLogger(__name__)

MEETING_FIELDS = (
    "title",
    "level",
    "state",
    "format",
    "starts_at",
    "ends_at",
    "place",
    "video_link",
    "description",
    "moderators",
    "registration_opens_at",
    "registration_closes_at",
    "slots_total",
    "slots_per_member",
    "questions",
)
PLAN_TIME_LIMIT = 5.0
# Planning runs outside the lock; if the registrations change meanwhile, plan again this often.
PLAN_ATTEMPTS = 2


def _fmt(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")


def _user(actor: Actor) -> User | None:
    """The actor as the User the foreign keys hold (None for a system job)."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def _person(actor: AbstractBaseUser) -> User:
    """A person who acts for themself (registers, checks in, owns a calendar address)."""
    if not isinstance(actor, User):
        raise AccessDenied(_("Only a logged-in person can do this."))
    return actor


def _link(path: str) -> str:
    """An absolute link for e-mails (SITE_URL); a relative one where no site URL is configured
    (development), never a guessed host."""
    try:
        return absolute_url(path)
    except ImproperlyConfigured:
        return path


def _ensure_manage(actor: Actor, meeting: Meeting) -> None:
    if actor is not None:
        access.check_manage_meeting(actor, meeting)


def _ensure_open(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ValidationError(_("The meeting was cancelled; it can no longer change."))
    if meeting.is_closed:
        raise ValidationError(_("The meeting is closed; only its follow-up tasks can change."))


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


# --- meetings and agenda ----------------------------------------------------------------------


@transaction.atomic
def meeting_save(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    co_organisers: Iterable[Member] = (),
    meeting: Meeting | None = None,
    is_demo: bool = False,
) -> Meeting:
    """Create or change a meeting. A state coordination holds meetings only in its own state;
    an organiser who may not place meetings keeps the level and state of the meeting."""
    if meeting is not None:
        meeting = _locked(meeting)
        _ensure_manage(actor, meeting)
        _ensure_open(meeting)
        before = snapshot(meeting)
        existing: Meeting | None = Meeting.objects.get(pk=meeting.pk)
        meeting.sequence += 1  # calendars that imported the event take over the change
    else:
        if actor is not None:
            access.check_create_meeting(actor)
        meeting = Meeting(
            checkin_code=secrets.token_hex(3).upper(),
            created_by=_user(actor),
            is_demo=is_demo,
        )
        before = None
        existing = None
    for name in MEETING_FIELDS:
        if name in data:
            setattr(meeting, name, data[name])
    meeting.full_clean()  # clean() sets the state of a federal meeting to none
    if actor is not None:
        access.check_create_meeting(
            actor, level=meeting.level, state_ags=meeting.state_id, meeting=existing
        )
    if meeting.pk:
        outside = meeting.blocks.exclude(
            starts_at__gte=meeting.starts_at, ends_at__lte=meeting.ends_at
        )
        if outside.exists():
            raise ValidationError(
                {"starts_at": _("Agenda blocks lie outside the new time; move them first.")}
            )
    meeting.save()
    meeting.co_organisers.set(list(co_organisers))
    log_action(
        actor=actor,
        action="meeting.update" if before else "meeting.create",
        obj=meeting,
        before=before,
        after=snapshot(meeting),
    )
    return meeting


@transaction.atomic
def agenda_block_add(
    *,
    actor: Actor,
    meeting: Meeting,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    topics: str = "",
) -> AgendaBlock:
    meeting = _locked(meeting)
    _ensure_manage(actor, meeting)
    _ensure_open(meeting)
    block = AgendaBlock(
        meeting=meeting, kind=kind, title=title, starts_at=starts_at, ends_at=ends_at, topics=topics
    )
    block.full_clean()  # plausible times, end after beginning
    _check_block_time(meeting, block)
    create_audited(actor=actor, obj=block, action="meeting.agenda_add")
    return block


@transaction.atomic
def agenda_block_update(
    *,
    actor: Actor,
    block: AgendaBlock,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    topics: str = "",
) -> AgendaBlock:
    """Change a block of the agenda: the same rules as adding one (within the meeting, no
    overlap with the other blocks)."""
    meeting = _locked(block.meeting)
    _ensure_manage(actor, meeting)
    _ensure_open(meeting)
    block = AgendaBlock.objects.get(pk=block.pk, meeting=meeting)
    before = snapshot(block)
    block.kind, block.title, block.topics = kind, title, topics
    block.starts_at, block.ends_at = starts_at, ends_at
    block.full_clean()
    _check_block_time(meeting, block)
    block.save()
    log_action(
        actor=actor, action="meeting.agenda_update", obj=block, before=before, after=snapshot(block)
    )
    return block


def _check_block_time(meeting: Meeting, block: AgendaBlock) -> None:
    """The block lies within the meeting and overlaps no other block."""
    if block.starts_at < meeting.starts_at or block.ends_at > meeting.ends_at:
        raise ValidationError(
            {
                "starts_at": _("The block must lie within the meeting (%(start)s – %(end)s).")
                % {"start": _fmt(meeting.starts_at), "end": _fmt(meeting.ends_at)}
            }
        )
    overlap = (
        meeting.blocks.filter(starts_at__lt=block.ends_at, ends_at__gt=block.starts_at)
        .exclude(pk=block.pk)
        .first()
    )
    if overlap:
        raise ValidationError(
            {
                "starts_at": _("The block overlaps „%(title)s“ (%(start)s – %(end)s).")
                % {
                    "title": overlap.title,
                    "start": _fmt(overlap.starts_at),
                    "end": _fmt(overlap.ends_at),
                }
            }
        )


@transaction.atomic
def meeting_cancel(*, actor: Actor, meeting: Meeting, reason: str) -> Meeting:
    """Call off a meeting that has not been closed: it stays (with its registrations) and is
    shown as cancelled; everyone registered is told by e-mail by the background worker, with an
    iCalendar cancellation (same UID, higher SEQUENCE) that removes the event from calendars."""
    meeting = _locked(meeting)
    _ensure_manage(actor, meeting)
    if meeting.is_cancelled:
        raise ValidationError(_("The meeting is already cancelled."))
    if meeting.is_closed:
        raise ValidationError(_("A closed meeting took place; it cannot be cancelled."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Please say why the meeting is cancelled.")})
    update_audited(
        actor=actor,
        obj=meeting,
        action="meeting.cancel_meeting",
        cancelled_at=timezone.now(),
        cancel_reason=reason,
        sequence=meeting.sequence + 1,
    )
    from hafennetz.meetings.tasks import send_cancellation

    transaction.on_commit(partial(send_cancellation.enqueue, meeting_id=meeting.pk))
    return meeting


@transaction.atomic
def meeting_reopen(*, actor: Actor, meeting: Meeting, reason: str) -> Meeting:
    """Open a closed meeting again (the coordination office only, with a reason that goes into
    the audit log), e.g. to complete the attendance list or correct the minutes."""
    if actor is not None:
        access.check_reopen_meeting(actor)
    meeting = _locked(meeting)
    if not meeting.is_closed:
        raise ValidationError(_("The meeting is not closed."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Please give the reason for reopening the meeting.")})
    before = snapshot(meeting)
    meeting.closed_at = None
    meeting.attendance_count = None
    meeting.save(update_fields=["closed_at", "attendance_count", "updated_at"])
    log_action(
        actor=actor,
        action="meeting.reopen",
        obj=meeting,
        before=before,
        after={**snapshot(meeting), "reason": reason},
    )
    return meeting


@transaction.atomic
def agenda_block_delete(*, actor: Actor, block: AgendaBlock) -> None:
    meeting = _locked(block.meeting)
    _ensure_manage(actor, meeting)
    _ensure_open(meeting)
    log_action(actor=actor, action="meeting.agenda_delete", obj=block, before=snapshot(block))
    block.delete()


# --- registration -----------------------------------------------------------------------------


def _send_confirmation(registration: Registration) -> None:
    """After commit. A failing mail server must not undo or break a stored registration: the
    failure is logged for the operator, the page still answers."""
    meeting = registration.meeting
    context = {
        "registration": registration,
        "meeting": meeting,
        "url": _link(reverse("meeting-detail", args=[meeting.pk])),
    }
    message = EmailMessage(
        subject=(
            _("Registration confirmed: %(title)s")
            if registration.status == RegistrationStatus.CONFIRMED
            else _("On the waiting list: %(title)s")
        )
        % {"title": meeting.title},
        body=render_to_string("meetings/email/confirmation.txt", context),
        to=[registration.user.email],
    )
    if registration.status == RegistrationStatus.CONFIRMED:
        message.attach("treffen.ics", meeting_calendar([meeting]), "text/calendar")
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        logger.exception("Confirmation for registration %s could not be sent", registration.pk)


def _has_free_slot(meeting: Meeting, member: Member) -> bool:
    confirmed = meeting.registrations.filter(status=RegistrationStatus.CONFIRMED)
    if meeting.slots_total is not None and confirmed.count() >= meeting.slots_total:
        return False
    return not (
        meeting.slots_per_member is not None
        and confirmed.filter(member=member).count() >= meeting.slots_per_member
    )


@transaction.atomic
def registration_create(
    *,
    actor: AbstractBaseUser,
    meeting: Meeting,
    answers: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> Registration:
    """Register the acting person; confirmed while places are free, else on the waiting list.
    Refused (AccessDenied) for a meeting the person may not attend."""
    meeting = _locked(meeting)
    access.check_register(actor, meeting)
    _ensure_open(meeting)
    now = now or timezone.now()
    if now < meeting.registration_opens_at:
        raise ValidationError(
            _("Registration opens on %(date)s.") % {"date": _fmt(meeting.registration_opens_at)}
        )
    if now > meeting.registration_closes_at:
        raise ValidationError(
            _("Registration closed on %(date)s.") % {"date": _fmt(meeting.registration_closes_at)}
        )
    account = StaffAccount.objects.select_related("member").filter(user_id=actor.pk).first()
    if account is None:
        raise AccessDenied(_("Only staff of a member can register."))
    if (
        meeting.registrations.filter(user_id=actor.pk)
        .exclude(status=RegistrationStatus.CANCELLED)
        .exists()
    ):
        raise ValidationError(_("You are already registered for this meeting."))
    questions = meeting.question_list
    answers = [a.strip() for a in answers][: len(questions)]
    missing = [
        q for q, a in zip(questions, [*answers, *[""] * len(questions)], strict=False) if not a
    ]
    if missing:
        raise ValidationError(
            {"answers": _("Please answer: %(questions)s") % {"questions": "; ".join(missing)}}
        )
    status = (
        RegistrationStatus.CONFIRMED
        if _has_free_slot(meeting, account.member)
        else RegistrationStatus.WAITLISTED
    )
    registration = Registration(
        meeting=meeting, user=_person(actor), member=account.member, status=status, answers=answers
    )
    create_audited(actor=actor, obj=registration, action="meeting.register")
    transaction.on_commit(partial(_send_confirmation, registration))
    events.emit(
        "registration.changed",
        registration_id=registration.pk,
        meeting_id=meeting.pk,
        member_id=account.member.pk,
        status=registration.status,
    )
    return registration


@transaction.atomic
def registration_cancel(*, actor: Actor, registration: Registration) -> Registration | None:
    """Cancel (the person themself or an organiser); a freed place goes to the first on the
    waiting list who fits the member limit. Returns the registration that moved up, if any."""
    registration = (
        Registration.objects.select_for_update().select_related("meeting").get(pk=registration.pk)
    )
    meeting = registration.meeting
    if actor is not None and actor.pk != registration.user_id:
        access.check_manage_meeting(actor, meeting)
    _ensure_open(meeting)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(_("This registration is already cancelled."))
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    update_audited(
        actor=actor, obj=registration, action="meeting.cancel", status=RegistrationStatus.CANCELLED
    )
    events.emit(
        "registration.changed",
        registration_id=registration.pk,
        meeting_id=meeting.pk,
        member_id=registration.member_id,
        status=str(RegistrationStatus.CANCELLED),
    )
    if not was_confirmed:
        return None
    for waiting in meeting.registrations.filter(
        status=RegistrationStatus.WAITLISTED
    ).select_related("member", "user"):
        if _has_free_slot(meeting, waiting.member):
            update_audited(
                actor=actor,
                obj=waiting,
                action="meeting.move_up",
                status=RegistrationStatus.CONFIRMED,
            )
            events.emit(
                "registration.changed",
                registration_id=waiting.pk,
                meeting_id=meeting.pk,
                member_id=waiting.member_id,
                status=str(RegistrationStatus.CONFIRMED),
            )
            transaction.on_commit(partial(_send_confirmation, waiting))
            return waiting
    return None


@transaction.atomic
def registration_set_role(*, actor: Actor, registration: Registration, role: str) -> Registration:
    meeting = _locked(registration.meeting)
    _ensure_manage(actor, meeting)
    _ensure_open(meeting)
    update_audited(
        actor=actor, obj=registration, action="meeting.set_role", role=ParticipantRole(role)
    )
    return registration


@dataclass(frozen=True)
class MessageResult:
    """What a message to the registrants achieved: only `sent` is logged as sent."""

    sent: int
    failed: list[str] = field(default_factory=list)


def registrants_message(
    *, actor: Actor, meeting: Meeting, subject: str, body: str, include_waitlist: bool
) -> MessageResult:
    """One mail per registrant (nobody sees the others' addresses). Sent before anything is
    logged: the audit entry records only the mails the server accepted; if none was accepted,
    nothing is logged and the caller gets a ValidationError to show."""
    _ensure_manage(actor, meeting)
    try:
        validate_single_line(subject)  # a line break would split the mail header
    except ValidationError as exc:
        raise ValidationError({"subject": exc.messages}) from exc
    statuses = [RegistrationStatus.CONFIRMED]
    if include_waitlist:
        statuses.append(RegistrationStatus.WAITLISTED)
    recipients = sorted(
        set(meeting.registrations.filter(status__in=statuses).values_list("user__email", flat=True))
        - {""}
    )
    if not recipients:
        raise ValidationError(_("Nobody is registered yet."))
    user = _user(actor)
    reply_to = [user.email] if user is not None and user.email else None
    sent: list[str] = []
    failed: list[str] = []
    try:
        with get_connection() as connection:
            for recipient in recipients:
                message = EmailMessage(
                    subject=subject,
                    body=body,
                    to=[recipient],
                    reply_to=reply_to,
                    connection=connection,
                )
                try:
                    message.send()
                except smtplib.SMTPRecipientsRefused:
                    failed.append(recipient)
                else:
                    sent.append(recipient)
    except (smtplib.SMTPException, OSError) as exc:
        # The server failed (not one address): what went out before is still logged below.
        logger.warning("Meeting %s: message sending stopped: %s", meeting.pk, exc)
        failed.extend(r for r in recipients if r not in sent and r not in failed)
    if not sent:
        raise ValidationError(
            _("The message could not be sent: the mail server did not accept it. Nothing was sent.")
        )
    with transaction.atomic():
        log_action(
            actor=actor,
            action="meeting.message",
            obj=meeting,
            after={"subject": subject, "recipients": len(sent), "failed": len(failed)},
        )
    return MessageResult(sent=len(sent), failed=failed)


# --- small-group plans ------------------------------------------------------------------------


def _store_plan(
    *,
    actor: Actor,
    meeting: Meeting,
    plan: Plan,
    blocks: list[AgendaBlock],
    seed: int,
    problem: Problem,
) -> GroupPlan:
    meeting.plans.filter(is_current=True).update(is_current=False)
    report = plan_quality(problem, plan)
    group_plan = GroupPlan.objects.create(
        meeting=meeting,
        seed=seed,
        min_size=problem.rounds[0].min_size,
        max_size=problem.rounds[0].max_size,
        created_by=_user(actor),
        quality=asdict(report),
        is_demo=meeting.is_demo,
    )
    GroupAssignment.objects.bulk_create(
        GroupAssignment(
            plan=group_plan,
            block=blocks[round_plan.index],
            registration_id=int(pid),
            group=group.index,
            topic=group.topic or "",
        )
        for round_plan in plan.rounds
        for group in round_plan.groups
        for pid in group.participant_ids
    )
    return group_plan


def _changed_while_planning() -> ValidationError:
    return ValidationError(
        _(
            "Registrations or the agenda changed while the plan was being made. "
            "Please make the plan again."
        )
    )


def plan_generate(
    *,
    actor: Actor,
    meeting: Meeting,
    min_size: int = planning.DEFAULT_MIN_SIZE,
    max_size: int = planning.DEFAULT_MAX_SIZE,
    seed: int = 1,
    time_limit: float = PLAN_TIME_LIMIT,
) -> GroupPlan:
    """Plan the small groups. The planner runs without any lock (it may take seconds); the
    result is stored under the meeting's lock only if the registrations, the agenda and the
    current plan are still those it planned for — else it plans again, then refuses."""
    _ensure_manage(actor, meeting)
    _ensure_open(meeting)
    for _attempt in range(PLAN_ATTEMPTS):
        version = planning.plan_version(meeting)
        problem, blocks = planning.build_problem(meeting, min_size=min_size, max_size=max_size)
        if not blocks:
            raise ValidationError(_("The agenda has no small-group round yet."))
        if not problem.participants:
            raise ValidationError(_("Nobody is registered yet."))
        try:
            plan = make_plan(problem, seed=seed, time_limit=time_limit)
        except PlanningError as exc:
            raise ValidationError([planning.issue_text(i) for i in exc.issues]) from exc
        with transaction.atomic():
            locked = _locked(meeting)
            _ensure_open(locked)
            if planning.plan_version(locked) != version:
                continue
            group_plan = _store_plan(
                actor=actor, meeting=locked, plan=plan, blocks=blocks, seed=seed, problem=problem
            )
            log_action(
                actor=actor,
                action="meeting.plan",
                obj=group_plan,
                after={
                    "seed": seed,
                    "min_size": min_size,
                    "max_size": max_size,
                    "repeated_pairs": group_plan.quality["repeated_pairs"],
                },
            )
            return group_plan
    raise _changed_while_planning()


@transaction.atomic
def plan_move(
    *,
    actor: Actor,
    group_plan: GroupPlan,
    block: AgendaBlock,
    registration: Registration,
    to_group: int,
    confirm: bool = False,
) -> list[str]:
    """Move one person to another group of a round by hand. Returns the hard-rule violations of
    the resulting plan; it is saved only when there are none or `confirm` is set."""
    meeting = _locked(group_plan.meeting)
    _ensure_manage(actor, meeting)
    _ensure_open(meeting)
    if not GroupPlan.objects.filter(pk=group_plan.pk, is_current=True).exists():
        raise ValidationError(_("The plan was replaced meanwhile; please look at the new plan."))
    assignment = (
        GroupAssignment.objects.select_for_update()
        .filter(plan=group_plan, block=block, registration=registration)
        .first()
    )
    if assignment is None:
        raise ValidationError(_("This person is not in the plan of this round."))
    groups = sorted(
        set(
            GroupAssignment.objects.filter(plan=group_plan, block=block).values_list(
                "group", flat=True
            )
        )
    )
    if to_group not in groups:
        raise ValidationError(
            {"to_group": _("This round has no group %(n)s.") % {"n": to_group + 1}}
        )
    old_group = assignment.group
    assignment.group = to_group
    assignment.topic = (
        GroupAssignment.objects.filter(plan=group_plan, block=block, group=to_group)
        .exclude(pk=assignment.pk)
        .values_list("topic", flat=True)
        .first()
        or ""
    )
    assignment.save(update_fields=["group", "topic"])
    problem, _blocks, plan = planning.plan_problem(group_plan)
    try:
        violations = [planning.issue_text(i) for i in check_plan(problem, plan)]
    except PlanningError as exc:  # the plan's settings themselves are impossible
        raise ValidationError([planning.issue_text(i) for i in exc.issues]) from exc
    if violations and not confirm:
        transaction.set_rollback(True)
        return violations
    try:
        group_plan.quality = asdict(plan_quality(problem, plan))
    except PlanningError as exc:
        raise ValidationError([planning.issue_text(i) for i in exc.issues]) from exc
    group_plan.save(update_fields=["quality", "updated_at"])
    log_action(
        actor=actor,
        action="meeting.plan_move",
        obj=group_plan,
        before={"registration": registration.pk, "block": block.pk, "group": old_group},
        after={
            "registration": registration.pk,
            "block": block.pk,
            "group": to_group,
            "violations": violations,
        },
    )
    return violations


def plan_repair(*, actor: Actor, group_plan: GroupPlan, seed: int = 1) -> tuple[GroupPlan, int]:
    """Place late joiners and take out drop-outs, changing as few other assignments as
    possible. Returns the new plan and the number of changed assignments. Like planning, the
    repair runs without a lock and is stored only if nothing changed meanwhile."""
    meeting = group_plan.meeting
    _ensure_manage(actor, meeting)
    _ensure_open(meeting)
    version = planning.plan_version(meeting)
    if not GroupPlan.objects.filter(pk=group_plan.pk, is_current=True).exists():
        raise ValidationError(_("The plan was replaced meanwhile; please look at the new plan."))
    old_problem, blocks, old_plan = planning.plan_problem(group_plan)
    planned_ids = {p.id for p in old_problem.participants}
    confirmed = planning.confirmed_registrations(meeting)
    confirmed_ids = {str(r.pk) for r in confirmed}
    changes: list[Any] = [
        DropOut(participant_id=pid) for pid in sorted(planned_ids - confirmed_ids)
    ]
    changes += [
        LateJoin(participant=planning.participant(r))
        for r in confirmed
        if str(r.pk) not in planned_ids
    ]
    if not changes:
        raise ValidationError(_("The plan is up to date: nobody joined or dropped out."))
    try:
        new_plan = repair_plan(
            old_problem, old_plan, changes, seed=seed, time_limit=PLAN_TIME_LIMIT
        )
    except PlanningError as exc:
        raise ValidationError([planning.issue_text(i) for i in exc.issues]) from exc
    try:
        changed = len(changed_assignments(old_plan, new_plan))
        new_problem = apply_changes(old_problem, changes)
    except PlanningError as exc:
        raise ValidationError([planning.issue_text(i) for i in exc.issues]) from exc
    with transaction.atomic():
        locked = _locked(meeting)
        _ensure_open(locked)
        if planning.plan_version(locked) != version:
            raise _changed_while_planning()
        new_group_plan = _store_plan(
            actor=actor,
            meeting=locked,
            plan=new_plan,
            blocks=blocks,
            seed=seed,
            problem=new_problem,
        )
        log_action(
            actor=actor,
            action="meeting.plan_repair",
            obj=new_group_plan,
            after={"changes": len(changes), "changed_assignments": changed},
        )
    return new_group_plan, changed


# --- attendance, minutes, closing -------------------------------------------------------------


def _ensure_checkin_open(meeting: Meeting, now: dt.datetime) -> None:
    opens, closes = checkin_window(meeting)
    if now < opens:
        raise ValidationError(
            _("Check-in opens on %(date)s, shortly before the meeting begins.")
            % {"date": _fmt(opens)}
        )
    if now > closes:
        raise ValidationError(_("Check-in closed on %(date)s.") % {"date": _fmt(closes)})


# Wrong check-in codes a person may try per meeting and hour: the code is short (6 hex digits)
# so that it can be read out in a room; the limit keeps it from being guessed.
CHECKIN_ATTEMPTS_PER_HOUR = 10


def checkin_with_code(
    *, actor: AbstractBaseUser, meeting: Meeting, code: str, now: dt.datetime | None = None
) -> Registration:
    """Check in with the code shown in the room. Wrong codes are logged (outside the check-in's
    transaction, so they count even though nothing else is written) and limited per hour."""
    since = timezone.now() - dt.timedelta(hours=1)
    failed = AuditEntry.objects.filter(
        action="meeting.checkin_failed",
        actor_id=actor.pk,
        object_id=str(meeting.pk),
        created_at__gte=since,
    ).count()
    if failed >= CHECKIN_ATTEMPTS_PER_HOUR:
        raise ValidationError(
            {"code": _("Too many wrong codes. Please ask the organisers to check you in.")}
        )
    with transaction.atomic():
        meeting = _locked(meeting)
        _ensure_open(meeting)
        registration = meeting.registrations.filter(
            user_id=actor.pk, status=RegistrationStatus.CONFIRMED
        ).first()
        if registration is None:
            raise AccessDenied(
                _("Only people with a confirmed registration can check in to this meeting.")
            )
        _ensure_checkin_open(meeting, now or timezone.now())
        if code.strip().upper() == meeting.checkin_code:
            return _set_presence(actor=actor, registration=registration, present=True)
    log_action(actor=actor, action="meeting.checkin_failed", obj=meeting)
    raise ValidationError({"code": _("The check-in code is not right.")})


def _set_presence(*, actor: Actor, registration: Registration, present: bool) -> Registration:
    checked_in_at = (registration.checked_in_at or timezone.now()) if present else None
    update_audited(
        actor=actor, obj=registration, action="meeting.checkin", checked_in_at=checked_in_at
    )
    return registration


@transaction.atomic
def attendance_set(
    *,
    actor: Actor,
    meeting: Meeting,
    present_ids: Iterable[int],
    now: dt.datetime | None = None,
) -> int:
    """Check in by list: exactly the given confirmed registrations are present."""
    meeting = _locked(meeting)
    _ensure_manage(actor, meeting)
    _ensure_open(meeting)
    _ensure_checkin_open(meeting, now or timezone.now())
    present = set(present_ids)
    confirmed = meeting.registrations.filter(status=RegistrationStatus.CONFIRMED)
    for registration in confirmed:
        if (registration.pk in present) != (registration.checked_in_at is not None):
            _set_presence(
                actor=actor, registration=registration, present=registration.pk in present
            )
    return len(present & set(confirmed.values_list("pk", flat=True)))


@transaction.atomic
def minutes_save(*, actor: Actor, meeting: Meeting, minutes: str) -> Meeting:
    meeting = _locked(meeting)
    _ensure_manage(actor, meeting)
    _ensure_open(meeting)
    update_audited(actor=actor, obj=meeting, action="meeting.minutes", minutes=minutes)
    return meeting


@transaction.atomic
def decision_add(*, actor: Actor, meeting: Meeting, text: str, is_demo: bool = False) -> Decision:
    meeting = _locked(meeting)
    _ensure_manage(actor, meeting)
    _ensure_open(meeting)
    decision = Decision(meeting=meeting, text=text, is_demo=is_demo)
    create_audited(actor=actor, obj=decision, action="meeting.decision")
    return decision


@transaction.atomic
def follow_up_add(
    *,
    actor: Actor,
    meeting: Meeting,
    title: str,
    owner: Member,
    due_on: dt.date,
    is_demo: bool = False,
) -> FollowUp:
    meeting = _locked(meeting)
    _ensure_manage(actor, meeting)
    _ensure_open(meeting)
    follow_up = FollowUp(
        meeting=meeting,
        title=title,
        owner=owner,
        due_on=due_on,
        is_demo=is_demo,
    )
    create_audited(actor=actor, obj=follow_up, action="meeting.follow_up_add")
    return follow_up


@transaction.atomic
def follow_up_set_status(*, actor: Actor, follow_up: FollowUp, status: str) -> FollowUp:
    """Allowed after closing: follow-ups are what a closed meeting leaves to do. The organisers
    and the responsible member may set it."""
    if actor is not None:
        access.check_set_follow_up_status(actor, follow_up)
    if status not in FollowUpStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    update_audited(
        actor=actor,
        obj=follow_up,
        action="meeting.follow_up_status",
        status=FollowUpStatus(status),
    )
    return follow_up


@transaction.atomic
def meeting_close(*, actor: Actor, meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """Close a meeting that has ended: the attendance is counted and the meeting becomes
    read-only except for its follow-up tasks. There is no way back, so a meeting that has not
    ended yet cannot be closed (there is no "cancelled" state either: a meeting that does not
    take place is edited or left open)."""
    meeting = _locked(meeting)
    _ensure_manage(actor, meeting)
    _ensure_open(meeting)
    now = now or timezone.now()
    if now < meeting.ends_at:
        raise ValidationError(
            _("The meeting can be closed only after it has ended (%(end)s).")
            % {"end": _fmt(meeting.ends_at)}
        )
    update_audited(
        actor=actor,
        obj=meeting,
        action="meeting.close",
        closed_at=now,
        attendance_count=meeting.registrations.filter(checked_in_at__isnull=False).count(),
    )
    return meeting


# --- personal calendar feed -------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_renew(*, actor: AbstractBaseUser) -> CalendarFeed:
    """Create the actor's personal feed address, or replace its token: the old address stops
    working at once (e.g. after it was shared by mistake). The token is not logged."""
    feed = CalendarFeed.objects.select_for_update().filter(user_id=actor.pk).first()
    if feed is None:
        feed = CalendarFeed.objects.create(user=_person(actor), token=_new_token())
        log_action(actor=actor, action="meeting.calendar_feed_create", obj=feed)
    else:
        feed.token = _new_token()
        feed.save(update_fields=["token"])
        log_action(actor=actor, action="meeting.calendar_feed_renew", obj=feed)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, actor: AbstractBaseUser) -> bool:
    """Delete the actor's feed address. Returns False if there was none."""
    feed = CalendarFeed.objects.select_for_update().filter(user_id=actor.pk).first()
    if feed is None:
        return False
    log_action(actor=actor, action="meeting.calendar_feed_revoke", obj=feed)
    feed.delete()
    return True
