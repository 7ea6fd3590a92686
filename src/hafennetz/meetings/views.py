"""Meeting pages: parse, check permission, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hafennetz.core.exports import download
from hafennetz.core.forms import run_service
from hafennetz.engines.grouping import exports
from hafennetz.meetings import planning, selectors, services
from hafennetz.meetings.forms import (
    AgendaBlockForm,
    CheckinForm,
    DecisionForm,
    FollowUpForm,
    FollowUpStatusForm,
    MeetingForm,
    MessageForm,
    MinutesForm,
    MoveForm,
    PlanForm,
    RegistrationForm,
    RoleForm,
)
from hafennetz.meetings.ics import meeting_calendar
from hafennetz.meetings.models import (
    AgendaBlock,
    CalendarFeed,
    FollowUp,
    Meeting,
    Registration,
    RegistrationStatus,
)
from hafennetz.meetings.permissions import (
    can_create_at_level,
    can_create_meeting,
    can_manage_meeting,
    can_register,
    can_view_meetings,
)
from hafennetz.web.decorators import deny, require


def managed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Load the meeting; only its organisers pass."""

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return deny(request)
        meeting = selectors.meeting_get(pk)
        if not can_manage_meeting(request.user, meeting):
            raise PermissionDenied
        return view(request, meeting, *args, **kwargs)

    return wrapped


def _errors_to_messages(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@require(can_view_meetings)
def meeting_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "meetings/list.html",
        {
            "meetings": selectors.meetings_list(),
            "can_create": can_create_meeting(request.user),
        },
    )


@require(can_create_meeting)
def meeting_create(request: HttpRequest) -> HttpResponse:
    return _meeting_form(request, None)


@managed
def meeting_edit(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    if meeting.is_closed:
        messages.error(request, _("The meeting is closed; only its follow-up tasks can change."))
        return redirect("meeting-detail", pk=meeting.pk)
    return _meeting_form(request, meeting)


def _meeting_form(request: HttpRequest, meeting: Meeting | None) -> HttpResponse:
    form = MeetingForm(
        request.POST or None,
        instance=meeting,
        initial={"co_organisers": meeting.co_organisers.all()} if meeting else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        state = data.get("state")
        if not can_create_at_level(request.user, data["level"], state.pk if state else None):
            form.add_error("level", _("You may only organise meetings of your own state."))
        else:
            saved = run_service(
                form,
                lambda: services.meeting_save(
                    actor=request.user,
                    data=data,
                    meeting=meeting,
                    co_organisers=form.cleaned_data["co_organisers"],
                ),
            )
            if saved:
                messages.success(request, _("The meeting was saved."))
                return redirect("meeting-detail", pk=saved.pk)
    return render(request, "meetings/form.html", {"form": form, "meeting": meeting})


@require(can_view_meetings)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(pk)
    registration = selectors.registration_of(meeting, request.user)
    group_plan = planning.current_plan(meeting)
    context = {
        "meeting": meeting,
        "registration": registration,
        "can_manage": can_manage_meeting(request.user, meeting),
        "can_register": can_register(request.user, meeting),
        "counts": selectors.counts(meeting),
        "my_groups": selectors.my_groups(group_plan, registration),
        "register_form": RegistrationForm(questions=meeting.question_list),
        "checkin_form": CheckinForm(),
        "follow_ups": meeting.follow_ups.select_related("owner"),
        "decisions": meeting.decisions.all(),
        "status_form": FollowUpStatusForm(),
        "situation": selectors.situation_summary(meeting, request.user),
    }
    return render(request, "meetings/detail.html", context)


@require(can_view_meetings)
@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(pk)
    if not can_register(request.user, meeting):
        raise PermissionDenied
    form = RegistrationForm(request.POST, questions=meeting.question_list)
    if not form.is_valid():
        messages.error(request, _("Please answer every registration question."))
        return redirect("meeting-detail", pk=pk)
    try:
        registration = services.registration_create(
            actor=request.user, meeting=meeting, answers=form.answers()
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


@require(can_view_meetings)
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(pk)
    registration = selectors.registration_of(meeting, request.user)
    if registration is None:
        raise Http404
    try:
        services.registration_cancel(actor=request.user, registration=registration)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Your registration was cancelled."))
    return redirect("meeting-detail", pk=pk)


@managed
def agenda(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    form = AgendaBlockForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            form,
            lambda: services.agenda_block_add(
                actor=request.user, meeting=meeting, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, _("The block was added."))
        return redirect("meeting-agenda", pk=meeting.pk)
    return render(request, "meetings/agenda.html", {"meeting": meeting, "form": form})


@managed
@require_POST
def agenda_delete(request: HttpRequest, meeting: Meeting, block_id: int) -> HttpResponse:
    block = get_object_or_404(AgendaBlock, pk=block_id, meeting=meeting)
    try:
        services.agenda_block_delete(actor=request.user, block=block)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("meeting-agenda", pk=meeting.pk)


@managed
def registrations(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    if request.method == "POST":
        form = RoleForm(request.POST)
        if form.is_valid():
            registration = get_object_or_404(
                Registration, pk=form.cleaned_data["registration"], meeting=meeting
            )
            try:
                services.registration_set_role(
                    actor=request.user, registration=registration, role=form.cleaned_data["role"]
                )
            except ValidationError as exc:
                _errors_to_messages(request, exc)
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


def _registration_rows(meeting: Meeting) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [
            _("Name"),
            _("E-mail"),
            _("Member"),
            _("State"),
            _("Status"),
            _("Role"),
            _("Registered"),
            _("Checked in"),
            *meeting.question_list,
        ]
    ]
    for r in selectors.registrations(meeting):
        rows.append(
            [
                r.user.get_full_name() or r.user.email,
                r.user.email,
                r.member.name,
                r.member.state.name,
                r.get_status_display(),
                r.get_role_display(),
                r.created_at.strftime("%Y-%m-%d %H:%M"),
                r.checked_in_at.strftime("%Y-%m-%d %H:%M") if r.checked_in_at else "",
                *(list(r.answers) + [""] * len(meeting.question_list))[
                    : len(meeting.question_list)
                ],
            ]
        )
    return rows


@managed
def registrations_export(request: HttpRequest, meeting: Meeting, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    rows = _registration_rows(meeting)
    return download(rows, fmt=fmt, filename=f"anmeldungen-{meeting.pk}", title="registrations")


@managed
def message(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sent = run_service(
            form,
            lambda: services.registrants_message(
                actor=request.user, meeting=meeting, **form.cleaned_data
            ),
        )
        if sent:
            messages.success(request, _("The message went to %(n)s people.") % {"n": sent})
            return redirect("meeting-registrations", pk=meeting.pk)
    return render(request, "meetings/message.html", {"meeting": meeting, "form": form})


@managed
def plan(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    group_plan = planning.current_plan(meeting)
    form = PlanForm(
        request.POST if "generate" in request.POST else None,
        initial={
            "min_size": group_plan.min_size if group_plan else 5,
            "max_size": group_plan.max_size if group_plan else 7,
        },
    )
    violations: list[str] = []
    pending_move: dict[str, Any] | None = None
    if request.method == "POST":
        if "generate" in request.POST and form.is_valid():
            if run_service(
                form,
                lambda: services.plan_generate(
                    actor=request.user, meeting=meeting, **form.cleaned_data
                ),
            ):
                messages.success(request, _("The small-group plan was made."))
                return redirect("meeting-plan", pk=meeting.pk)
        elif "repair" in request.POST and group_plan:
            try:
                _new, changed = services.plan_repair(actor=request.user, group_plan=group_plan)
            except ValidationError as exc:
                _errors_to_messages(request, exc)
            else:
                messages.success(
                    request, _("The plan was repaired; %(n)s assignments changed.") % {"n": changed}
                )
            return redirect("meeting-plan", pk=meeting.pk)
        elif "move" in request.POST and group_plan:
            move = MoveForm(request.POST)
            if move.is_valid():
                data = move.cleaned_data
                block = get_object_or_404(AgendaBlock, pk=data["block"], meeting=meeting)
                registration = get_object_or_404(
                    Registration, pk=data["registration"], meeting=meeting
                )
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
                pending_move = {
                    **data,
                    "person": registration.user.email,
                    "block_title": block.title,
                }
    group_plan = planning.current_plan(meeting)
    return render(
        request,
        "meetings/plan.html",
        {
            "meeting": meeting,
            "form": form,
            "group_plan": group_plan,
            "rounds": selectors.plan_rounds(group_plan) if group_plan else [],
            "violations": violations,
            "pending_move": pending_move,
            "blocks": planning.small_group_blocks(meeting),
            "confirmed": selectors.counts(meeting)[RegistrationStatus.CONFIRMED],
        },
    )


@managed
def plan_export(request: HttpRequest, meeting: Meeting, kind: str) -> HttpResponse:
    group_plan = planning.current_plan(meeting)
    if group_plan is None or kind not in ("zoom", "bbb", "csv", "print"):
        raise Http404
    problem, _blocks, stored = planning.plan_problem(group_plan)
    runde = request.GET.get("runde", "1")
    round_index = int(runde) - 1 if runde.isdigit() else -1
    if kind in ("zoom", "bbb") and not 0 <= round_index < len(stored.rounds):
        raise Http404
    if kind == "zoom":
        body, ctype, ext = exports.zoom_csv(problem, stored, round_index), "text/csv", "csv"
    elif kind == "bbb":
        body, ctype, ext = (
            exports.bbb_groups_json(problem, stored, round_index),
            "application/json",
            "json",
        )
    elif kind == "csv":
        body, ctype, ext = exports.plain_csv(problem, stored), "text/csv", "csv"
    else:
        return render(
            request,
            "meetings/plan_print.html",
            {"meeting": meeting, "rounds": selectors.plan_rounds(group_plan)},
        )
    response = HttpResponse(body, content_type=f"{ctype}; charset=utf-8")
    suffix = f"-runde{round_index + 1}" if kind in ("zoom", "bbb") else ""
    response["Content-Disposition"] = (
        f'attachment; filename="kleingruppen-{meeting.pk}-{kind}{suffix}.{ext}"'
    )
    return response


@require(can_view_meetings)
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(pk)
    manage = can_manage_meeting(request.user, meeting)
    if request.method == "POST" and "code" in request.POST:
        form = CheckinForm(request.POST)
        if form.is_valid() and run_service(
            form,
            lambda: services.checkin_with_code(
                actor=request.user, meeting=meeting, code=form.cleaned_data["code"]
            ),
        ):
            messages.success(request, _("You are checked in."))
            return redirect("meeting-detail", pk=pk)
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("meeting-detail", pk=pk)
    if not manage:
        raise PermissionDenied
    if request.method == "POST":
        present = [int(x) for x in request.POST.getlist("present") if x.isdigit()]
        try:
            services.attendance_set(actor=request.user, meeting=meeting, present_ids=present)
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, _("The attendance list was saved."))
        return redirect("meeting-checkin", pk=pk)
    return render(
        request,
        "meetings/checkin.html",
        {
            "meeting": meeting,
            "registrations": selectors.registrations(meeting).filter(
                status=RegistrationStatus.CONFIRMED
            ),
        },
    )


@managed
def minutes(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    minutes_form = MinutesForm(
        request.POST if "minutes_save" in request.POST else None,
        initial={"minutes": meeting.minutes},
    )
    decision_form = DecisionForm(request.POST if "decision_add" in request.POST else None)
    follow_up_form = FollowUpForm(request.POST if "follow_up_add" in request.POST else None)
    if request.method == "POST":
        done = None
        if "minutes_save" in request.POST and minutes_form.is_valid():
            done = run_service(
                minutes_form,
                lambda: services.minutes_save(
                    actor=request.user,
                    meeting=meeting,
                    minutes=minutes_form.cleaned_data["minutes"],
                ),
            )
        elif "decision_add" in request.POST and decision_form.is_valid():
            done = run_service(
                decision_form,
                lambda: services.decision_add(
                    actor=request.user, meeting=meeting, **decision_form.cleaned_data
                ),
            )
        elif "follow_up_add" in request.POST and follow_up_form.is_valid():
            done = run_service(
                follow_up_form,
                lambda: services.follow_up_add(
                    actor=request.user, meeting=meeting, **follow_up_form.cleaned_data
                ),
            )
        elif "close" in request.POST:
            try:
                done = services.meeting_close(actor=request.user, meeting=meeting)
            except ValidationError as exc:
                _errors_to_messages(request, exc)
        if done:
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
        },
    )


@require(can_view_meetings)
@require_POST
def follow_up_status(request: HttpRequest, pk: int, follow_up_id: int) -> HttpResponse:
    meeting = selectors.meeting_get(pk)
    follow_up = get_object_or_404(FollowUp, pk=follow_up_id, meeting=meeting)
    from hafennetz.members.permissions import roles_of

    if not (
        can_manage_meeting(request.user, meeting)
        or roles_of(request.user).member_id == follow_up.owner_id
    ):
        raise PermissionDenied
    form = FollowUpStatusForm(request.POST)
    if form.is_valid():
        services.follow_up_set_status(
            actor=request.user, follow_up=follow_up, status=form.cleaned_data["status"]
        )
        messages.success(request, _("The task status was saved."))
    return redirect("meeting-detail", pk=pk)


@require(can_view_meetings)
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(pk)
    response = HttpResponse(
        meeting_calendar([meeting]), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="treffen-{meeting.pk}.ics"'
    return response


@require(can_view_meetings)
def calendar_info(request: HttpRequest) -> HttpResponse:
    feed = services.calendar_feed_for(actor=request.user)
    return render(
        request,
        "meetings/calendar.html",
        {"feed": feed, "meetings": selectors.meetings_of_user(request.user)},
    )


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The personal feed: no login (calendar apps cannot), the secret token identifies."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None:
        raise Http404
    body = meeting_calendar(selectors.meetings_of_user(feed.user), name=_("hafennetz – meetings"))
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
