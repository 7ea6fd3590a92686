"""Members as OParl Bodies: public profiles for everyone; internal contacts for the member's
own staff and the office; the own member's profile written by its staff."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from hafennetz.api.auth import read_scope, require_scope, token_of
from hafennetz.api.endpoints.common import Ags, Input, url
from hafennetz.api.paging import Links, Pagination, SinceParams, filter_since, paginate
from hafennetz.members import access, selectors, services
from hafennetz.members.access import roles_of
from hafennetz.members.models import Member

router = Router(tags=["members"])


class StateOut(Schema):
    ags: str
    name: str


class ContactOut(Schema):
    id: int
    name: str
    function: str
    email: str
    phone: str
    public: bool


class SignatureOut(Schema):
    declaration: str
    signed_on: dt.date


class MemberOut(Schema):
    id: str = Field(description="Canonical URL of this member in the API.")
    type: Literal["Body"] = "Body"
    ags: str
    name: str
    kind: Literal["municipality", "district"]
    state: StateOut
    status: Literal["alliance", "resolution_only", "former"]
    joined_on: dt.date | None
    left_on: dt.date | None
    safe_harbour_resolution_on: dt.date | None
    website: str
    description: str
    population: int
    size_class: int
    latitude: float
    longitude: float
    signatures: list[SignatureOut]
    contacts: list[ContactOut]
    web: str = Field(description="The member's page on the platform.")
    created: dt.datetime
    modified: dt.datetime
    demo: bool


class MemberPage(Schema):
    data: list[MemberOut]
    pagination: Pagination
    links: Links


def _contact(contact: Any) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "name": contact.name,
        "function": contact.function,
        "email": contact.email,
        "phone": contact.phone,
        "public": contact.is_public,
    }


def member_out(
    request: HttpRequest, member: Member, *, internal: bool = False, listed: bool = False
) -> dict[str, Any]:
    lat, lon = member.coordinates
    if listed:
        contacts = [c for c in member.contacts.all() if c.is_public]
        signatures = list(member.signatures.all())
    else:
        contacts = list(selectors.member_contacts(member, internal=internal))
        signatures = list(selectors.member_signatures(member))
    return {
        "id": url(request, "api-v1:member_detail", member.ags),
        "type": "Body",
        "ags": member.ags,
        "name": member.name,
        "kind": "district" if member.is_district else "municipality",
        "state": {"ags": member.state.ags, "name": member.state.name},
        "status": str(member.status),
        "joined_on": member.joined_on,
        "left_on": member.left_on,
        "safe_harbour_resolution_on": member.safe_harbour_resolution_on,
        "website": member.website,
        "description": member.description,
        "population": member.population,
        "size_class": int(member.size_class),
        "latitude": lat,
        "longitude": lon,
        "signatures": [
            {"declaration": s.declaration.version, "signed_on": s.signed_on} for s in signatures
        ],
        "contacts": [_contact(c) for c in contacts],
        "web": url(request, "member-detail", member.ags),
        "created": member.created_at,
        "modified": member.updated_at,
        "demo": member.is_demo,
    }


class MemberFilter(SinceParams):
    state: str | None = Field(None, pattern=r"^[0-9]{2}$", description="State key, e.g. 12.")
    status: Literal["alliance", "resolution_only", "former"] | None = None
    q: str | None = Field(None, max_length=100, description="Search in names and keys.")


@router.get("/members", response=MemberPage, url_name="member_list", summary="List members")
def member_list(request: HttpRequest, filters: Query[MemberFilter]) -> dict[str, Any]:
    """Every member's public profile (OParl Body), ordered by name. Public: no token needed."""
    rows = selectors.member_directory(
        state=filters.state, status=filters.status, query=filters.q
    ).prefetch_related("contacts")
    rows = filter_since(rows, filters)
    return paginate(request, rows, filters.page, lambda m: member_out(request, m, listed=True))


@router.get("/members/{ags}", response=MemberOut, url_name="member_detail", summary="One member")
def member_detail(request: HttpRequest, ags: Ags) -> dict[str, Any]:
    """The public profile; with a `members:read` token of the member's own staff (or the
    office) also its internal contacts."""
    member = access.access_member(request.user, ags, purpose="view")
    internal = (
        token_of(request) is not None
        and token_of(request).allows("members:read")  # type: ignore[union-attr]
        and access.can_see_internal_contacts(request.user, member)
    )
    return member_out(request, member, internal=internal)


class TokenInfo(Schema):
    name: str
    prefix: str
    scopes: list[str]
    expires_at: dt.datetime


class RolesOut(Schema):
    coordination_office: bool
    state_coordination: list[str]
    member_staff: bool


class MeOut(Schema):
    token: TokenInfo
    user: str
    member: str | None
    roles: RolesOut


@router.get("/me", response=MeOut, url_name="me", summary="The token and its account")
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the token belongs to, its scopes and expiry, and the account's member and roles."""
    token = token_of(request)
    if token is None:
        require_scope(request, "members:read")  # answers 401
    assert token is not None
    roles = roles_of(request.user)
    return {
        "token": {
            "name": token.name,
            "prefix": f"hn_{token.prefix}",
            "scopes": token.scopes,
            "expires_at": token.expires_at,
        },
        "user": request.user.get_username(),
        "member": url(request, "api-v1:member_detail", _ags(roles.member_id))
        if roles.member_id
        else None,
        "roles": {
            "coordination_office": roles.is_coordination_office,
            "state_coordination": sorted(roles.coordinated_states),
            "member_staff": roles.is_member_staff,
        },
    }


def _ags(member_id: int | None) -> str:
    member = Member.objects.filter(pk=member_id).first()
    return member.ags if member else ""


class MemberPatch(Input):
    name: str | None = Field(None, min_length=1, max_length=150)
    website: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    safe_harbour_resolution_on: dt.date | None = None


@router.patch(
    "/members/{ags}", response=MemberOut, url_name="member_update", summary="Edit a profile"
)
def member_update(request: HttpRequest, ags: Ags, payload: MemberPatch) -> dict[str, Any]:
    """The member's own staff (and the office) change its profile; scope `members:write`."""
    require_scope(request, "members:write")
    member = access.access_member(request.user, ags, purpose="edit")
    data = payload.model_dump(exclude_unset=True)
    if "name" in data and data["name"] is None:
        del data["name"]
    for text in ("website", "description"):
        if text in data and data[text] is None:
            data[text] = ""
    services.member_update(actor=request.user, member=member, data=data)
    read_scope(request, "members")
    member = access.access_member(request.user, ags, purpose="view")
    return member_out(
        request, member, internal=access.can_see_internal_contacts(request.user, member)
    )
