"""Writes for meetings. Keyword-only, atomic, audited; domain errors as ValidationError by field.
Whether the user may do it is checked by the caller (`hafennetz.meetings.permissions`)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hafennetz.core.audit import create_audited, log_action, snapshot, update_audited
from hafennetz.engines.grouping import apply_changes, changed_assignments
from hafennetz.engines.grouping import check as check_plan
from hafennetz.engines.grouping import plan as make_plan
from hafennetz.engines.grouping import quality as plan_quality
from hafennetz.engines.grouping import repair as repair_plan
from hafennetz.engines.grouping.model import DropOut, LateJoin, PlanningError
from hafennetz.meetings import planning
from hafennetz.meetings.ics import meeting_calendar
from hafennetz.meetings.models import (
    AgendaBlock,
    CalendarFeed,
    Decision,
    FollowUp,
    GroupAssignment,
    GroupPlan,
    Level,
    Meeting,
    ParticipantRole,
    Registration,
    RegistrationStatus,
)
from hafennetz.members.models import Member, StaffAccount

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


def _fmt(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")


def _ensure_open(meeting: Meeting) -> None:
    if meeting.is_closed:
        raise ValidationError(_("The meeting is closed; only its follow-up tasks can change."))


def _validate_meeting(meeting: Meeting) -> None:
    errors: dict[str, str] = {}
    if meeting.ends_at <= meeting.starts_at:
        errors["ends_at"] = _("The end must be after the beginning.")
    if meeting.registration_closes_at <= meeting.registration_opens_at:
        errors["registration_closes_at"] = _("Registration must close after it opens.")
    elif meeting.registration_closes_at > meeting.ends_at:
        errors["registration_closes_at"] = _("Registration must close before the meeting ends.")
    if meeting.level == Level.STATE and not meeting.state_id:
        errors["state"] = _("A state meeting needs its state.")
    if meeting.level == Level.FEDERAL and meeting.state_id:
        errors["state"] = _("A federal meeting has no state.")
    if meeting.format in ("digital", "hybrid") and not meeting.video_link:
        errors["video_link"] = _("A digital or hybrid meeting needs a video link.")
    if meeting.format in ("in_person", "hybrid") and not meeting.place:
        errors["place"] = _("A meeting in person needs a place.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def meeting_save(
    *,
    actor: Any,
    data: Mapping[str, Any],
    co_organisers: Iterable[Member] = (),
    meeting: Meeting | None = None,
    is_demo: bool = False,
) -> Meeting:
    if meeting is not None:
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _ensure_open(meeting)
        before = snapshot(meeting)
    else:
        meeting = Meeting(
            checkin_code=secrets.token_hex(3).upper(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            is_demo=is_demo,
        )
        before = None
    for field in MEETING_FIELDS:
        if field in data:
            setattr(meeting, field, data[field])
    if meeting.level == Level.FEDERAL:
        meeting.state = None
    _validate_meeting(meeting)
    if meeting.pk:
        outside = meeting.blocks.exclude(
            starts_at__gte=meeting.starts_at, ends_at__lte=meeting.ends_at
        )
        if outside.exists():
            raise ValidationError(
                {"starts_at": _("Agenda blocks lie outside the new time; move them first.")}
            )
    meeting.full_clean()
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
    actor: Any,
    meeting: Meeting,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    topics: str = "",
) -> AgendaBlock:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _ensure_open(meeting)
    errors: dict[str, str] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the beginning.")
    elif starts_at < meeting.starts_at or ends_at > meeting.ends_at:
        errors["starts_at"] = _("The block must lie within the meeting (%(start)s – %(end)s).") % {
            "start": _fmt(meeting.starts_at),
            "end": _fmt(meeting.ends_at),
        }
    else:
        overlap = meeting.blocks.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).first()
        if overlap:
            errors["starts_at"] = _("The block overlaps „%(title)s“ (%(start)s – %(end)s).") % {
                "title": overlap.title,
                "start": _fmt(overlap.starts_at),
                "end": _fmt(overlap.ends_at),
            }
    if errors:
        raise ValidationError(errors)
    block = AgendaBlock(
        meeting=meeting, kind=kind, title=title, starts_at=starts_at, ends_at=ends_at, topics=topics
    )
    create_audited(actor=actor, obj=block, action="meeting.agenda_add")
    return block


@transaction.atomic
def agenda_block_delete(*, actor: Any, block: AgendaBlock) -> None:
    _ensure_open(block.meeting)
    log_action(actor=actor, action="meeting.agenda_delete", obj=block, before=snapshot(block))
    block.delete()


def _send_confirmation(registration: Registration) -> None:
    meeting = registration.meeting
    context = {
        "registration": registration,
        "meeting": meeting,
        "url": settings.SITE_URL.rstrip("/") + reverse("meeting-detail", args=[meeting.pk]),
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
    message.send()


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
    *, actor: Any, meeting: Meeting, answers: Sequence[str] = (), now: dt.datetime | None = None
) -> Registration:
    """Register the acting person; confirmed while places are free, else on the waiting list."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
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
    account = StaffAccount.objects.select_related("member").filter(user=actor).first()
    if account is None:
        raise ValidationError(_("Only staff of a member can register."))
    if (
        meeting.registrations.filter(user=actor)
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
        meeting=meeting, user=actor, member=account.member, status=status, answers=answers
    )
    create_audited(actor=actor, obj=registration, action="meeting.register")
    transaction.on_commit(lambda: _send_confirmation(registration))
    return registration


@transaction.atomic
def registration_cancel(*, actor: Any, registration: Registration) -> Registration | None:
    """Cancel; a freed place goes to the first on the waiting list who fits the member limit.
    Returns the registration that moved up, if any."""
    registration = (
        Registration.objects.select_for_update().select_related("meeting").get(pk=registration.pk)
    )
    meeting = registration.meeting
    _ensure_open(meeting)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(_("This registration is already cancelled."))
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    update_audited(
        actor=actor, obj=registration, action="meeting.cancel", status=RegistrationStatus.CANCELLED
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
            transaction.on_commit(partial(_send_confirmation, waiting))
            return waiting
    return None


@transaction.atomic
def registration_set_role(*, actor: Any, registration: Registration, role: str) -> Registration:
    _ensure_open(registration.meeting)
    update_audited(
        actor=actor, obj=registration, action="meeting.set_role", role=ParticipantRole(role)
    )
    return registration


@transaction.atomic
def registrants_message(
    *, actor: Any, meeting: Meeting, subject: str, body: str, include_waitlist: bool
) -> int:
    statuses = [RegistrationStatus.CONFIRMED]
    if include_waitlist:
        statuses.append(RegistrationStatus.WAITLISTED)
    recipients = sorted(
        set(meeting.registrations.filter(status__in=statuses).values_list("user__email", flat=True))
        - {""}
    )
    if not recipients:
        raise ValidationError(_("Nobody is registered yet."))
    log_action(
        actor=actor,
        action="meeting.message",
        obj=meeting,
        after={"subject": subject, "recipients": len(recipients)},
    )
    reply_to = [actor.email] if getattr(actor, "email", "") else None

    def send() -> None:
        # Blind copies: registrants do not see each other's addresses.
        EmailMessage(subject=subject, body=body, bcc=recipients, reply_to=reply_to).send()

    transaction.on_commit(send)
    return len(recipients)


def _store_plan(
    *, actor: Any, meeting: Meeting, plan: Any, blocks: list[AgendaBlock], seed: int, problem: Any
) -> GroupPlan:
    meeting.plans.filter(is_current=True).update(is_current=False)
    report = plan_quality(problem, plan)
    group_plan = GroupPlan.objects.create(
        meeting=meeting,
        seed=seed,
        min_size=problem.rounds[0].min_size,
        max_size=problem.rounds[0].max_size,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        quality=report_dict(report),
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


def report_dict(report: Any) -> dict[str, Any]:
    return asdict(report)


@transaction.atomic
def plan_generate(
    *,
    actor: Any,
    meeting: Meeting,
    min_size: int = planning.DEFAULT_MIN_SIZE,
    max_size: int = planning.DEFAULT_MAX_SIZE,
    seed: int = 1,
    time_limit: float = PLAN_TIME_LIMIT,
) -> GroupPlan:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _ensure_open(meeting)
    problem, blocks = planning.build_problem(meeting, min_size=min_size, max_size=max_size)
    if not blocks:
        raise ValidationError(_("The agenda has no small-group round yet."))
    if not problem.participants:
        raise ValidationError(_("Nobody is registered yet."))
    try:
        plan = make_plan(problem, seed=seed, time_limit=time_limit)
    except PlanningError as exc:
        raise ValidationError([planning.issue_text(i) for i in exc.issues]) from exc
    group_plan = _store_plan(
        actor=actor, meeting=meeting, plan=plan, blocks=blocks, seed=seed, problem=problem
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


@transaction.atomic
def plan_move(
    *,
    actor: Any,
    group_plan: GroupPlan,
    block: AgendaBlock,
    registration: Registration,
    to_group: int,
    confirm: bool = False,
) -> list[str]:
    """Move one person to another group of a round by hand. Returns the hard-rule violations of
    the resulting plan; it is saved only when there are none or `confirm` is set."""
    meeting = group_plan.meeting
    _ensure_open(meeting)
    assignment = GroupAssignment.objects.select_for_update().get(
        plan=group_plan, block=block, registration=registration
    )
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
    violations = [planning.issue_text(i) for i in check_plan(problem, plan)]
    if violations and not confirm:
        transaction.set_rollback(True)
        return violations
    group_plan.quality = report_dict(plan_quality(problem, plan))
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


@transaction.atomic
def plan_repair(*, actor: Any, group_plan: GroupPlan, seed: int = 1) -> tuple[GroupPlan, int]:
    """Place late joiners and take out drop-outs, changing as few other assignments as
    possible. Returns the new plan and the number of changed assignments."""
    meeting = Meeting.objects.select_for_update().get(pk=group_plan.meeting_id)
    _ensure_open(meeting)
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
    changed = len(changed_assignments(old_plan, new_plan))
    new_problem = apply_changes(old_problem, changes)
    new_group_plan = _store_plan(
        actor=actor, meeting=meeting, plan=new_plan, blocks=blocks, seed=seed, problem=new_problem
    )
    log_action(
        actor=actor,
        action="meeting.plan_repair",
        obj=new_group_plan,
        after={"changes": len(changes), "changed_assignments": changed},
    )
    return new_group_plan, changed


@transaction.atomic
def checkin_with_code(*, actor: Any, meeting: Meeting, code: str) -> Registration:
    _ensure_open(meeting)
    registration = meeting.registrations.filter(
        user=actor, status=RegistrationStatus.CONFIRMED
    ).first()
    if registration is None:
        raise ValidationError(_("You have no confirmed registration for this meeting."))
    if code.strip().upper() != meeting.checkin_code:
        raise ValidationError({"code": _("The check-in code is not right.")})
    return _set_presence(actor=actor, registration=registration, present=True)


def _set_presence(*, actor: Any, registration: Registration, present: bool) -> Registration:
    checked_in_at = (registration.checked_in_at or timezone.now()) if present else None
    update_audited(
        actor=actor, obj=registration, action="meeting.checkin", checked_in_at=checked_in_at
    )
    return registration


@transaction.atomic
def attendance_set(*, actor: Any, meeting: Meeting, present_ids: Iterable[int]) -> int:
    """Check in by list: exactly the given confirmed registrations are present."""
    _ensure_open(meeting)
    present = set(present_ids)
    for registration in meeting.registrations.filter(status=RegistrationStatus.CONFIRMED):
        if (registration.pk in present) != (registration.checked_in_at is not None):
            _set_presence(
                actor=actor, registration=registration, present=registration.pk in present
            )
    return len(present)


@transaction.atomic
def minutes_save(*, actor: Any, meeting: Meeting, minutes: str) -> Meeting:
    _ensure_open(meeting)
    update_audited(actor=actor, obj=meeting, action="meeting.minutes", minutes=minutes)
    return meeting


@transaction.atomic
def decision_add(*, actor: Any, meeting: Meeting, text: str, is_demo: bool = False) -> Decision:
    _ensure_open(meeting)
    decision = Decision(meeting=meeting, text=text, is_demo=is_demo)
    create_audited(actor=actor, obj=decision, action="meeting.decision")
    return decision


@transaction.atomic
def follow_up_add(
    *,
    actor: Any,
    meeting: Meeting,
    title: str,
    owner: Member,
    due_on: dt.date,
    is_demo: bool = False,
) -> FollowUp:
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
def follow_up_set_status(*, actor: Any, follow_up: FollowUp, status: str) -> FollowUp:
    """Allowed after closing: follow-ups are what a closed meeting leaves to do."""
    update_audited(actor=actor, obj=follow_up, action="meeting.follow_up_status", status=status)
    return follow_up


@transaction.atomic
def meeting_close(*, actor: Any, meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _ensure_open(meeting)
    update_audited(
        actor=actor,
        obj=meeting,
        action="meeting.close",
        closed_at=timezone.now(),
        attendance_count=meeting.registrations.filter(checked_in_at__isnull=False).count(),
    )
    return meeting


@transaction.atomic
def calendar_feed_for(*, actor: Any) -> CalendarFeed:
    feed, created = CalendarFeed.objects.get_or_create(
        user=actor, defaults={"token": secrets.token_urlsafe(32)}
    )
    if created:
        log_action(actor=actor, action="meeting.calendar_feed", obj=feed, after={"created": True})
    return feed
