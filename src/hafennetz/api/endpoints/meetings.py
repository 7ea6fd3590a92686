"""Meetings: the list (staff of members), one meeting, the own registration (register,
cancel) and the own small groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from hafennetz.api.auth import read_scope, require_scope
from hafennetz.api.endpoints.common import Id, Input, Ok, url
from hafennetz.api.paging import Links, Pagination, SinceParams, filter_since, paginate
from hafennetz.meetings import access, selectors, services
from hafennetz.meetings.models import GroupPlan, Meeting, Registration

router = Router(tags=["meetings"])


class MeetingOut(Schema):
    id: str
    title: str
    level: str
    state: str | None
    format: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    description: str
    registration_opens_at: dt.datetime
    registration_closes_at: dt.datetime
    questions: list[str]
    cancelled: bool
    closed: bool
    web: str
    created: dt.datetime
    modified: dt.datetime


class MeetingPage(Schema):
    data: list[MeetingOut]
    pagination: Pagination
    links: Links


def meeting_out(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    return {
        "id": url(request, "api-v1:meeting_detail", meeting.pk),
        "title": meeting.title,
        "level": meeting.level,
        "state": meeting.state_id,
        "format": meeting.format,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "place": meeting.place,
        "description": meeting.description,
        "registration_opens_at": meeting.registration_opens_at,
        "registration_closes_at": meeting.registration_closes_at,
        "questions": meeting.question_list,
        "cancelled": meeting.is_cancelled,
        "closed": meeting.is_closed,
        "web": url(request, "meeting-detail", meeting.pk),
        "created": meeting.created_at,
        "modified": meeting.updated_at,
    }


@router.get("/meetings", response=MeetingPage, url_name="meeting_list", summary="Meetings")
def meeting_list(request: HttpRequest, filters: Query[SinceParams]) -> dict[str, Any]:
    """Every meeting, newest first; for staff of members (`meetings:read`)."""
    read_scope(request, "meetings")
    access.check_view_meetings(request.user)
    rows = filter_since(selectors.meetings_list().order_by("-starts_at", "-pk"), filters)
    return paginate(request, rows, filters.page, lambda m: meeting_out(request, m))


@router.get("/meetings/{id}", response=MeetingOut, url_name="meeting_detail", summary="One meeting")
def meeting_detail(request: HttpRequest, id: Id) -> dict[str, Any]:
    read_scope(request, "meetings")
    return meeting_out(request, access.access_meeting(request.user, id))


class RegistrationOut(Schema):
    id: int
    meeting: str
    status: str
    role: str
    answers: list[str]
    checked_in: bool
    created: dt.datetime
    modified: dt.datetime


def registration_out(request: HttpRequest, registration: Registration) -> dict[str, Any]:
    return {
        "id": registration.pk,
        "meeting": url(request, "api-v1:meeting_detail", registration.meeting_id),
        "status": registration.status,
        "role": registration.role,
        "answers": [str(a) for a in registration.answers],
        "checked_in": registration.checked_in_at is not None,
        "created": registration.created_at,
        "modified": registration.updated_at,
    }


@router.get(
    "/meetings/{id}/registration",
    response=RegistrationOut,
    url_name="meeting_registration",
    summary="Your registration",
)
def registration_detail(request: HttpRequest, id: Id) -> dict[str, Any]:
    """The token owner's active registration (404 if none)."""
    require_scope(request, "meetings:read")
    return registration_out(request, access.access_own_registration(request.user, id))


class RegisterBody(Input):
    answers: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Answers to the meeting's questions, in order.",
    )


@router.post(
    "/meetings/{id}/registration",
    response={201: RegistrationOut},
    url_name="meeting_register",
    summary="Register",
)
def register(
    request: HttpRequest,
    id: Id,
    payload: RegisterBody,
) -> Status[dict[str, Any]]:
    """Register the token owner (confirmed while places are free, else waiting list); scope
    `meetings:write`."""
    require_scope(request, "meetings:write")
    meeting = access.access_meeting(request.user, id, "register")
    answers = [a[:2000] for a in payload.answers]
    registration = services.registration_create(
        actor=request.user,  # type: ignore[arg-type]  # a token always has a user
        meeting=meeting,
        answers=answers,
    )
    return Status(201, registration_out(request, registration))


@router.delete(
    "/meetings/{id}/registration",
    response=Ok,
    url_name="meeting_cancel",
    summary="Cancel your registration",
)
def cancel(request: HttpRequest, id: Id) -> dict[str, Any]:
    require_scope(request, "meetings:write")
    registration = access.access_own_registration(request.user, id)
    services.registration_cancel(actor=request.user, registration=registration)
    return {"detail": "cancelled"}


class GroupOut(Schema):
    round: str
    group: int
    topic: str
    others: list[str] = Field(description="Names of the other members of the group (members).")


@router.get(
    "/meetings/{id}/groups",
    response=list[GroupOut],
    url_name="meeting_groups",
    summary="Your small groups",
)
def groups(request: HttpRequest, id: Id) -> list[dict[str, Any]]:
    """Per round of small groups your group and who else is in it (the member's name), as on
    the meeting page."""
    require_scope(request, "meetings:read")
    meeting = access.access_meeting(request.user, id)
    registration = selectors.registration_of(meeting, request.user)
    plan = GroupPlan.objects.filter(meeting=meeting, is_current=True).first()
    return [
        {
            "round": g["round"],
            "group": g["group"],
            "topic": g["topic"],
            "others": [r.member.name for r in g["others"]],
        }
        for g in selectors.my_groups(plan, registration)
    ]
