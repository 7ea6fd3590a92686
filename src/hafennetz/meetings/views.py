"""Meeting pages: the first line asks `hafennetz.meetings.access` for the objects and rights,
then one service or selector is called and the page rendered. No rule is decided here."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from hafennetz.core.exports import EXPORT_FORMATS, download
from hafennetz.core.forms import int_param, save_form
from hafennetz.core.urls import absolute_url
from hafennetz.engines.grouping import exports
from hafennetz.engines.grouping.model import PlanningError
from hafennetz.meetings import access, planning, selectors, services
from hafennetz.meetings.forms import (
    AgendaBlockForm,
    AttendanceForm,
    CheckinForm,
    CloseForm,
    DecisionForm,
    FollowUpForm,
    FollowUpStatusForm,
    MeetingCancelForm,
    MeetingForm,
    MessageForm,
    MinutesForm,
    MoveForm,
    PlanForm,
    RegistrationForm,
    ReopenForm,
    RoleForm,
)
from hafennetz.meetings.ics import meeting_calendar
from hafennetz.meetings.models import AgendaBlock, Level, Meeting, RegistrationStatus


def _posted(request: HttpRequest) -> Any:
    """The POST data for a bound form (even when empty: unticking every box is an answer)."""
    return request.POST if request.method == "POST" else None


def _errors_to_messages(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors_to_messages(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@require_safe
def meeting_list(request: HttpRequest) -> HttpResponse:
    access.check_view_meetings(request.user)
    upcoming, past = selectors.meetings_by_date()
    return render(
        request,
        "meetings/list.html",
        {
            "upcoming": upcoming,
            "past": past,
            "can_create": access.can_create_meeting(request.user),
        },
    )


def meeting_create(request: HttpRequest) -> HttpResponse:
    access.check_create_meeting(request.user)
    return _meeting_form(request, None)


def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk, "manage")
    if meeting.is_cancelled:
        messages.error(request, _("The meeting was cancelled; it can no longer change."))
        return redirect("meeting-detail", pk=meeting.pk)
    if meeting.is_closed:
        messages.error(request, _("The meeting is closed; only its follow-up tasks can change."))
        return redirect("meeting-detail", pk=meeting.pk)
    return _meeting_form(request, meeting)


def _meeting_form(request: HttpRequest, meeting: Meeting | None) -> HttpResponse:
    if request.method == "POST":
        # Level and state as posted, before the form: a crafted payload is refused, not fixed.
        # Missing values are left to the form (a field error, not a refusal).
        level = request.POST.get("level") or None
        state = request.POST.get("state") or None
        if level == Level.FEDERAL or (level is not None and state is not None):
            access.check_create_meeting(request.user, level=level, state_ags=state, meeting=meeting)
    form = MeetingForm(
        _posted(request),
        instance=meeting,
        user=request.user,
        initial={"co_organisers": meeting.co_organisers.all()} if meeting else None,
    )
    saved = save_form(
        request,
        form,
        lambda: services.meeting_save(
            actor=request.user,
            data=form.service_data(),
            meeting=meeting,
            co_organisers=form.cleaned_data["co_organisers"],
        ),
    )
    if saved:
        messages.success(request, _("The meeting was saved."))
        return redirect("meeting-detail", pk=saved.value.pk)
    return render(request, "meetings/form.html", {"form": form, "meeting": meeting})


@require_safe
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk)
    registration = selectors.registration_of(meeting, request.user)
    group_plan = planning.current_plan(meeting)
    can_manage = access.can_manage_meeting(request.user, meeting)
    follow_ups = [
        (f, access.can_set_follow_up_status(request.user, f))
        for f in meeting.follow_ups.select_related("owner")
    ]
    context = {
        "meeting": meeting,
        "registration": registration,
        "can_manage": can_manage,
        "can_reopen": meeting.is_closed and access.can_reopen_meeting(request.user),
        "can_register": access.can_register(request.user, meeting),
        "can_see_video_link": access.can_see_video_link(request.user, meeting, registration),
        "checkin_open": selectors.checkin_is_open(meeting),
        "counts": selectors.counts(meeting),
        "my_groups": selectors.my_groups(group_plan, registration),
        "register_form": RegistrationForm(questions=meeting.question_list),
        "checkin_form": CheckinForm(),
        "follow_ups": follow_ups,
        "decisions": meeting.decisions.all(),
        "status_form": FollowUpStatusForm(),
        "situation": selectors.situation_summary(meeting, request.user),
    }
    return render(request, "meetings/detail.html", context)


@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk, "register")
    form = RegistrationForm(request.POST, questions=meeting.question_list)
    if not form.is_valid():
        messages.error(request, _("Please answer every registration question."))
        return redirect("meeting-detail", pk=pk)
    try:
        registration = services.registration_create(
            actor=request.user,  # type: ignore[arg-type]  # logged in: access_meeting passed
            meeting=meeting,
            answers=form.answers(),
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        if registration.status == RegistrationStatus.CONFIRMED:
            messages.success(
                request,
                _(
                    "You are registered. A confirmation with a calendar "
                    "entry is on its way by e-mail."
                ),
            )
        else:
            messages.warning(
                request,
                _(
                    "The meeting is full: you are on the waiting list and "
                    "move up automatically when a place becomes free."
                ),
            )
    return redirect("meeting-detail", pk=pk)


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    registration = access.access_own_registration(request.user, pk)
    try:
        services.registration_cancel(actor=request.user, registration=registration)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Your registration was cancelled."))
    return redirect("meeting-detail", pk=pk)


def agenda(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk, "manage")
    form = AgendaBlockForm(_posted(request))
    if save_form(
        request,
        form,
        lambda: services.agenda_block_add(actor=request.user, meeting=meeting, **form.cleaned_data),
    ):
        messages.success(request, _("The block was added."))
        return redirect("meeting-agenda", pk=meeting.pk)
    return render(request, "meetings/agenda.html", {"meeting": meeting, "form": form})


def agenda_edit(request: HttpRequest, pk: int, block_id: int) -> HttpResponse:
    block = access.access_agenda_block(request.user, pk, block_id)
    initial = {
        "kind": block.kind,
        "title": block.title,
        "starts_at": block.starts_at,
        "ends_at": block.ends_at,
        "topics": block.topics,
    }
    form = AgendaBlockForm(_posted(request), initial=initial)
    if save_form(
        request,
        form,
        lambda: services.agenda_block_update(actor=request.user, block=block, **form.cleaned_data),
    ):
        messages.success(request, _("The block was saved."))
        return redirect("meeting-agenda", pk=pk)
    return render(
        request,
        "meetings/agenda_edit.html",
        {"meeting": block.meeting, "block": block, "form": form},
    )


def meeting_call_off(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancelling a meeting: its own page with a reason and a ticked confirmation."""
    meeting = access.access_meeting(request.user, pk, "manage")
    if meeting.is_cancelled:
        messages.info(request, _("The meeting is already cancelled."))
        return redirect("meeting-detail", pk=pk)
    form = MeetingCancelForm(_posted(request))
    if save_form(
        request,
        form,
        lambda: services.meeting_cancel(
            actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"]
        ),
    ):
        messages.success(
            request, _("The meeting was cancelled; everyone registered is told by e-mail.")
        )
        return redirect("meeting-detail", pk=pk)
    return render(
        request,
        "meetings/call_off.html",
        {"meeting": meeting, "form": form, "counts": selectors.counts(meeting)},
    )


def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk)
    access.check_reopen_meeting(request.user)
    if not meeting.is_closed:
        messages.info(request, _("The meeting is not closed."))
        return redirect("meeting-detail", pk=pk)
    form = ReopenForm(_posted(request))
    if save_form(
        request,
        form,
        lambda: services.meeting_reopen(
            actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"]
        ),
    ):
        messages.success(request, _("The meeting is open again."))
        return redirect("meeting-detail", pk=pk)
    return render(request, "meetings/reopen.html", {"meeting": meeting, "form": form})


@require_POST
def agenda_delete(request: HttpRequest, pk: int, block_id: int) -> HttpResponse:
    block = access.access_agenda_block(request.user, pk, block_id)
    try:
        services.agenda_block_delete(actor=request.user, block=block)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("meeting-agenda", pk=pk)


def registrations(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk, "manage")
    if request.method == "POST":
        form = RoleForm(request.POST)
        if form.is_valid():
            registration = access.access_registration(
                request.user, pk, form.cleaned_data["registration"]
            )
            try:
                services.registration_set_role(
                    actor=request.user, registration=registration, role=form.cleaned_data["role"]
                )
            except ValidationError as exc:
                _errors_to_messages(request, exc)
        else:
            _form_errors_to_messages(request, form)
        return redirect("meeting-registrations", pk=meeting.pk)
    return render(
        request,
        "meetings/registrations.html",
        {
            "meeting": meeting,
            "registrations": selectors.registrations(meeting),
            "counts": selectors.counts(meeting),
        },
    )


@require_safe
def registrations_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk, "manage")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    rows = selectors.registration_rows(meeting)
    return download(rows, fmt=fmt, filename=f"anmeldungen-{meeting.pk}", title="registrations")


def message(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk, "manage")
    form = MessageForm(_posted(request))
    saved = save_form(
        request,
        form,
        lambda: services.registrants_message(
            actor=request.user, meeting=meeting, **form.cleaned_data
        ),
    )
    if saved:
        result = saved.value
        messages.success(
            request,
            ngettext(
                "The message went to %(n)s person.",
                "The message went to %(n)s people.",
                result.sent,
            )
            % {"n": result.sent},
        )
        if result.failed:
            messages.warning(
                request,
                _("The mail server did not accept the message for: %(addresses)s")
                % {"addresses": ", ".join(result.failed)},
            )
        return redirect("meeting-registrations", pk=meeting.pk)
    return render(request, "meetings/message.html", {"meeting": meeting, "form": form})


def _plan_page(
    request: HttpRequest,
    meeting: Meeting,
    form: PlanForm | None = None,
    violations: list[str] | None = None,
    pending_move: dict[str, Any] | None = None,
) -> HttpResponse:
    group_plan = planning.current_plan(meeting)
    if form is None:
        form = PlanForm(
            initial={
                "min_size": group_plan.min_size if group_plan else planning.DEFAULT_MIN_SIZE,
                "max_size": group_plan.max_size if group_plan else planning.DEFAULT_MAX_SIZE,
            }
        )
    rounds = selectors.plan_rounds(group_plan) if group_plan else []
    return render(
        request,
        "meetings/plan.html",
        {
            "meeting": meeting,
            "form": form,
            "group_plan": group_plan,
            "rounds": rounds,
            "compact": selectors.compact_plan(rounds),
            "violations": violations or [],
            "pending_move": pending_move,
            "blocks": planning.small_group_blocks(meeting),
            "confirmed": selectors.counts(meeting)[RegistrationStatus.CONFIRMED],
        },
    )


def plan(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk, "manage")
    form = PlanForm(_posted(request))
    if save_form(
        request,
        form,
        lambda: services.plan_generate(actor=request.user, meeting=meeting, **form.cleaned_data),
    ):
        messages.success(request, _("The small-group plan was made."))
        return redirect("meeting-plan", pk=meeting.pk)
    return _plan_page(request, meeting, form if request.method == "POST" else None)


@require_POST
def plan_repair(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk, "manage")
    group_plan = planning.current_plan(meeting)
    if group_plan is None:
        raise Http404
    try:
        _new, changed = services.plan_repair(actor=request.user, group_plan=group_plan)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(
            request,
            ngettext(
                "The plan was repaired; %(n)s assignment changed.",
                "The plan was repaired; %(n)s assignments changed.",
                changed,
            )
            % {"n": changed},
        )
    return redirect("meeting-plan", pk=meeting.pk)


@require_POST
def plan_move(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk, "manage")
    group_plan = planning.current_plan(meeting)
    if group_plan is None:
        raise Http404
    move = MoveForm(request.POST)
    if not move.is_valid():
        _form_errors_to_messages(request, move)
        return redirect("meeting-plan", pk=meeting.pk)
    data = move.cleaned_data
    registration = access.access_registration(request.user, pk, data["registration"])
    block = AgendaBlock.objects.filter(pk=data["block"], meeting=meeting).first()
    if block is None:
        raise Http404
    try:
        violations = services.plan_move(
            actor=request.user,
            group_plan=group_plan,
            block=block,
            registration=registration,
            to_group=data["to_group"] - 1,
            confirm=data["confirm"],
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
        return redirect("meeting-plan", pk=meeting.pk)
    if not violations or data["confirm"]:
        messages.success(request, _("The move was saved."))
        return redirect("meeting-plan", pk=meeting.pk)
    person = registration.user.get_full_name() or registration.user.email
    pending = {**data, "person": person, "block_title": block.title}
    return _plan_page(request, meeting, violations=violations, pending_move=pending)


@require_safe
def plan_export(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk, "manage")
    group_plan = planning.current_plan(meeting)
    if group_plan is None or kind not in ("zoom", "bbb", "csv", "print"):
        raise Http404
    if kind == "print":
        return render(
            request,
            "meetings/plan_print.html",
            {"meeting": meeting, "rounds": selectors.plan_rounds(group_plan)},
        )
    try:
        return _plan_file(meeting, group_plan, kind, request.GET.get("runde"))
    except PlanningError as exc:  # a stored plan whose settings are impossible
        for issue in exc.issues:
            messages.error(request, planning.issue_text(issue))
        return redirect("meeting-plan", pk=meeting.pk)


def _plan_file(
    meeting: Meeting, group_plan: Any, kind: str, runde_param: str | None
) -> HttpResponse:
    problem, _blocks, stored = planning.plan_problem(group_plan)
    if kind == "csv":
        body, ctype, ext, suffix = exports.plain_csv(problem, stored), "text/csv", "csv", ""
    else:
        runde = int_param(
            {"runde": runde_param}, "runde", minimum=1, maximum=max(len(stored.rounds), 1)
        )
        if runde is None or runde > len(stored.rounds):
            raise Http404
        suffix = f"-runde{runde}"
        if kind == "zoom":
            body, ctype, ext = exports.zoom_csv(problem, stored, runde - 1), "text/csv", "csv"
        else:
            # The roster names people by their e-mail (the userID a BigBlueButton front end
            # joins them with), not by the planner's internal registration ids.
            body, ctype, ext = (
                exports.bbb_groups_json(
                    problem, stored, runde - 1, user_id=lambda p: p.email or p.name
                ),
                "application/json",
                "json",
            )
    response = HttpResponse(body, content_type=f"{ctype}; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kleingruppen-{meeting.pk}-{kind}{suffix}.{ext}"'
    )
    return response


@require_POST
def self_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk, "check_in")
    form = CheckinForm(request.POST)
    if save_form(
        request,
        form,
        lambda: services.checkin_with_code(
            actor=request.user,  # type: ignore[arg-type]  # logged in: access_meeting passed
            meeting=meeting,
            code=form.cleaned_data["code"],
        ),
    ):
        messages.success(request, _("You are checked in."))
    else:
        _form_errors_to_messages(request, form)
    return redirect("meeting-detail", pk=pk)


def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance list, for the organisers."""
    meeting = access.access_meeting(request.user, pk, "manage")
    confirmed = selectors.registrations(meeting).filter(status=RegistrationStatus.CONFIRMED)
    form = AttendanceForm(_posted(request), registrations=confirmed)
    if request.method == "POST":
        if save_form(
            request,
            form,
            lambda: services.attendance_set(
                actor=request.user, meeting=meeting, present_ids=form.present_ids()
            ),
        ):
            messages.success(request, _("The attendance list was saved."))
        else:
            _form_errors_to_messages(request, form)
        return redirect("meeting-checkin", pk=pk)
    return render(
        request,
        "meetings/checkin.html",
        {
            "meeting": meeting,
            "registrations": confirmed,
            "checkin_open": selectors.checkin_is_open(meeting),
            "checkin_window": selectors.checkin_window(meeting),
        },
    )


def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk, "manage")
    post = request.POST if request.method == "POST" else None
    minutes_form = MinutesForm(
        post if post and "minutes_save" in post else None, initial={"minutes": meeting.minutes}
    )
    decision_form = DecisionForm(post if post and "decision_add" in post else None)
    follow_up_form = FollowUpForm(post if post and "follow_up_add" in post else None)
    form: Any = None
    call: Any = None
    if minutes_form.is_bound:
        form, call = (
            minutes_form,
            lambda: services.minutes_save(
                actor=request.user, meeting=meeting, minutes=minutes_form.cleaned_data["minutes"]
            ),
        )
    elif decision_form.is_bound:
        form, call = (
            decision_form,
            lambda: services.decision_add(
                actor=request.user, meeting=meeting, **decision_form.cleaned_data
            ),
        )
    elif follow_up_form.is_bound:
        form, call = (
            follow_up_form,
            lambda: services.follow_up_add(
                actor=request.user, meeting=meeting, **follow_up_form.cleaned_data
            ),
        )
    if form is not None and save_form(request, form, call):
        messages.success(request, _("Saved."))
        return redirect("meeting-minutes", pk=meeting.pk)
    return render(
        request,
        "meetings/minutes.html",
        {
            "meeting": meeting,
            "minutes_form": minutes_form,
            "decision_form": decision_form,
            "follow_up_form": follow_up_form,
            "decisions": meeting.decisions.all(),
            "follow_ups": meeting.follow_ups.select_related("owner"),
            "can_close": selectors.has_ended(meeting),
        },
    )


def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Closing is its own page with an explicit confirmation: it cannot be undone."""
    meeting = access.access_meeting(request.user, pk, "manage")
    if meeting.is_closed:
        messages.info(request, _("The meeting is already closed."))
        return redirect("meeting-detail", pk=pk)
    form = CloseForm(_posted(request))
    if save_form(
        request, form, lambda: services.meeting_close(actor=request.user, meeting=meeting)
    ):
        messages.success(request, _("The meeting was closed."))
        return redirect("meeting-detail", pk=pk)
    return render(
        request,
        "meetings/close.html",
        {
            "meeting": meeting,
            "form": form,
            "has_ended": selectors.has_ended(meeting),
            "counts": selectors.counts(meeting),
            "present": selectors.registrations(meeting).filter(checked_in_at__isnull=False).count(),
        },
    )


@require_POST
def follow_up_status(request: HttpRequest, pk: int, follow_up_id: int) -> HttpResponse:
    follow_up = access.access_follow_up(request.user, pk, follow_up_id)
    form = FollowUpStatusForm(request.POST)
    if save_form(
        request,
        form,
        lambda: services.follow_up_set_status(
            actor=request.user, follow_up=follow_up, status=form.cleaned_data["status"]
        ),
    ):
        messages.success(request, _("The task status was saved."))
    else:
        _form_errors_to_messages(request, form)
    return redirect("meeting-detail", pk=pk)


@require_safe
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting(request.user, pk)
    response = HttpResponse(
        meeting_calendar([meeting], request=request), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="treffen-{meeting.pk}.ics"'
    return response


@require_safe
def calendar_info(request: HttpRequest) -> HttpResponse:
    access.check_view_meetings(request.user)
    feed = selectors.calendar_feed_of(request.user)
    feed_url = (
        absolute_url(reverse("meeting-calendar-feed", args=[feed.token]), request) if feed else None
    )
    return render(
        request,
        "meetings/calendar.html",
        {"feed_url": feed_url, "meetings": selectors.meetings_of_user(request.user)},
    )


@require_POST
def calendar_renew(request: HttpRequest) -> HttpResponse:
    access.check_view_meetings(request.user)
    services.calendar_feed_renew(actor=request.user)  # type: ignore[arg-type]  # logged in
    messages.success(
        request,
        _("Your calendar address is new. Addresses used before no longer work."),
    )
    return redirect("meeting-calendar")


@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    access.check_view_meetings(request.user)
    if not services.calendar_feed_revoke(actor=request.user):  # type: ignore[arg-type]
        raise Http404
    messages.success(request, _("Your calendar address was revoked; it no longer works."))
    return redirect("meeting-calendar")


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The personal feed: no login (calendar apps cannot), the secret token identifies."""
    feed = access.access_calendar_feed(token)
    body = meeting_calendar(
        selectors.meetings_of_user(feed.user), name=_("hafennetz – meetings"), request=request
    )
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
