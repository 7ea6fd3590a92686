"""Joint positions: read what the caller may see (published ones without a token), and the own
member's endorsement (give, change, withdraw) during the endorsement phase."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from hafennetz.api.auth import read_scope, require_scope
from hafennetz.api.endpoints.common import Id, Input, Ok, url
from hafennetz.api.paging import Links, PageParams, Pagination, paginate
from hafennetz.members.access import access_own_member
from hafennetz.positions import access, selectors, services
from hafennetz.positions.models import Endorsement, Position

router = Router(tags=["positions"])


class SectionOut(Schema):
    key: str
    heading: str
    text: str


class PositionOut(Schema):
    id: str
    number: int
    title: str
    summary: str
    status: str
    published_on: dt.date | None
    endorsements: int
    web: str
    created: dt.datetime
    modified: dt.datetime


class PositionDetail(PositionOut):
    version: int | None
    sections: list[SectionOut]
    endorsing_members: list[str] = Field(
        description="AGS of the endorsing members (published positions)."
    )


class PositionPage(Schema):
    data: list[PositionOut]
    pagination: Pagination
    links: Links


def position_out(request: HttpRequest, position: Position) -> dict[str, Any]:
    return {
        "id": url(request, "api-v1:position_detail", position.pk),
        "number": position.pk,
        "title": position.title,
        "summary": position.summary,
        "status": position.status,
        "published_on": position.published_on,
        "endorsements": position.endorsements.count(),
        "web": url(request, "position-detail", position.pk),
        "created": position.created_at,
        "modified": position.updated_at,
    }


@router.get("/positions", response=PositionPage, url_name="position_list", summary="Positions")
def position_list(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    """Published positions for everyone; those in their comment or endorsement phase for the
    alliance (`positions:read`)."""
    read_scope(request, "positions")
    rows = selectors.visible_positions(request.user)
    return paginate(request, rows, params.page, lambda p: position_out(request, p))


@router.get(
    "/positions/{id}", response=PositionDetail, url_name="position_detail", summary="A position"
)
def position_detail(request: HttpRequest, id: Id) -> dict[str, Any]:
    read_scope(request, "positions")
    position = access.access_position(request.user, id, purpose="view")
    version = selectors.current_version(position)
    endorsing: list[str] = []
    if position.is_public:
        endorsing = sorted(e.member.ags for e in position.endorsements.select_related("member"))
    return position_out(request, position) | {
        "version": version.number if version else None,
        "sections": [
            {"key": s.get("key", ""), "heading": s.get("heading", ""), "text": s.get("text", "")}
            for s in (version.sections if version else [])
        ],
        "endorsing_members": endorsing,
    }


class EndorsementBody(Input):
    signatory_name: str = Field(min_length=1, max_length=150)
    signatory_function: str = Field(min_length=1, max_length=150)
    council_decision_on: dt.date | None = None
    council_decision_reference: str = Field("", max_length=150)
    authorised: bool = Field(
        False, description="You confirm you are authorised to endorse for your municipality."
    )


class EndorsementOut(Schema):
    position: str
    member: str
    signatory_name: str
    signatory_function: str
    council_decision_on: dt.date | None
    council_decision_reference: str
    endorsed_on: dt.date


def endorsement_out(request: HttpRequest, endorsement: Endorsement) -> dict[str, Any]:
    return {
        "position": url(request, "api-v1:position_detail", endorsement.position_id),
        "member": endorsement.member.ags,
        "signatory_name": endorsement.signatory_name,
        "signatory_function": endorsement.signatory_function,
        "council_decision_on": endorsement.council_decision_on,
        "council_decision_reference": endorsement.council_decision_reference,
        "endorsed_on": endorsement.endorsed_on,
    }


def _own_endorsement(request: HttpRequest, position_id: int) -> Endorsement:
    position = access.access_position(request.user, position_id, purpose="endorse")
    member = access_own_member(request.user)
    found = Endorsement.objects.filter(position=position, member=member).first()
    if found is None:
        raise Http404
    return access.access_endorsement(request.user, found.pk)


@router.post(
    "/positions/{id}/endorsement",
    response={201: EndorsementOut},
    url_name="endorsement_create",
    summary="Endorse for the own member",
)
def endorsement_create(
    request: HttpRequest,
    id: Id,
    payload: EndorsementBody,
) -> Status[dict[str, Any]]:
    """The own member endorses the position (`positions:write`); only in its endorsement
    phase, and `authorised` must be true."""
    require_scope(request, "positions:write")
    position = access.access_position(request.user, id, purpose="endorse")
    member = access_own_member(request.user)
    endorsement = services.endorsement_create(
        actor=request.user, position=position, member=member, **payload.model_dump()
    )
    return Status(201, endorsement_out(request, endorsement))


@router.put(
    "/positions/{id}/endorsement",
    response=EndorsementOut,
    url_name="endorsement_update",
    summary="Change the own member's endorsement",
)
def endorsement_update(
    request: HttpRequest,
    id: Id,
    payload: EndorsementBody,
) -> dict[str, Any]:
    require_scope(request, "positions:write")
    endorsement = _own_endorsement(request, id)
    data = payload.model_dump(exclude={"authorised"})
    endorsement = services.endorsement_update(
        actor=request.user, endorsement=endorsement, data=data
    )
    return endorsement_out(request, endorsement)


@router.delete(
    "/positions/{id}/endorsement",
    response=Ok,
    url_name="endorsement_withdraw",
    summary="Withdraw the own member's endorsement",
)
def endorsement_withdraw(request: HttpRequest, id: Id) -> dict[str, Any]:
    require_scope(request, "positions:write")
    endorsement = _own_endorsement(request, id)
    services.endorsement_withdraw(actor=request.user, endorsement=endorsement)
    return {"detail": "withdrawn"}
