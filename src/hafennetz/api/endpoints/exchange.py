"""Practices (Praxisbeispiele) of the exchange app: read what the caller may see (public ones
without a token), and the own member's practices written by its staff."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from hafennetz.api.auth import read_scope, require_scope
from hafennetz.api.endpoints.common import Ags, Id, Input, url
from hafennetz.api.paging import Links, PageParams, Pagination, paginate
from hafennetz.api.problems import Problem
from hafennetz.exchange import access, selectors, services
from hafennetz.exchange.models import Practice

router = Router(tags=["practices"])


class PracticeOut(Schema):
    id: str
    number: int
    member: str = Field(description="AGS of the member.")
    member_name: str
    title: str
    summary: str
    problem: str
    what_was_done: str
    results: str
    topics: list[str]
    target_groups: str
    resources_staff: str
    resources_money: str
    resources_partners: str
    since: dt.date | None
    links: list[str]
    visibility: str
    status: str
    published_at: dt.datetime | None
    web: str
    created: dt.datetime
    modified: dt.datetime


class PracticePage(Schema):
    data: list[PracticeOut]
    pagination: Pagination
    links: Links


def practice_out(request: HttpRequest, practice: Practice) -> dict[str, Any]:
    return {
        "id": url(request, "api-v1:practice_detail", practice.pk),
        "number": practice.pk,
        "member": practice.member.ags,
        "member_name": practice.member.name,
        "title": practice.title,
        "summary": practice.summary,
        "problem": practice.problem,
        "what_was_done": practice.what_was_done,
        "results": practice.results,
        "topics": sorted(t.code for t in practice.topics.all()),
        "target_groups": practice.target_groups,
        "resources_staff": practice.resources_staff,
        "resources_money": practice.resources_money,
        "resources_partners": practice.resources_partners,
        "since": practice.since,
        "links": [line for line in practice.links.splitlines() if line.strip()],
        "visibility": practice.visibility,
        "status": practice.status,
        "published_at": practice.published_at,
        "web": url(request, "practice-detail", practice.pk),
        "created": practice.created_at,
        "modified": practice.updated_at,
    }


class PracticeFilter(PageParams):
    q: str = Field("", max_length=200, description="Full-text search (German stemming).")
    topic: str = Field("", max_length=40)
    state: str = Field("", pattern=r"^([0-9]{2})?$")
    member: str = Field("", pattern=r"^([0-9]{5}([0-9]{3})?)?$", description="AGS")


@router.get("/practices", response=PracticePage, url_name="practice_list", summary="Practices")
def practice_list(request: HttpRequest, filters: Query[PracticeFilter]) -> dict[str, Any]:
    """The practices the caller may see: public ones for everyone, the alliance's for staff
    (`exchange:read`), the own member's drafts too."""
    read_scope(request, "exchange")
    rows = selectors.practices_search(
        request.user,
        selectors.SearchFilters(
            q=filters.q, topic=filters.topic, state=filters.state, member=filters.member
        ),
    )
    return paginate(request, rows, filters.page, lambda p: practice_out(request, p))


@router.get(
    "/practices/{id}", response=PracticeOut, url_name="practice_detail", summary="A practice"
)
def practice_detail(request: HttpRequest, id: Id) -> dict[str, Any]:
    read_scope(request, "exchange")
    return practice_out(request, access.access_practice(request.user, id, "view"))


class PracticeBody(Input):
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(max_length=2000)
    problem: str = Field(max_length=10_000)
    what_was_done: str = Field(max_length=10_000)
    results: str = Field(max_length=10_000)
    topics: list[str] = Field(min_length=1, max_length=20, description="Topic codes.")
    target_groups: str = Field("", max_length=300)
    resources_staff: str = Field("", max_length=300)
    resources_money: str = Field("", max_length=300)
    resources_partners: str = Field("", max_length=300)
    since: dt.date | None = None
    links: list[str] = Field(default_factory=list, max_length=10)
    visibility: Literal["alliance", "public"] = "alliance"


def _input(payload: PracticeBody) -> services.PracticeInput:
    known = {t.code: t for t in selectors.topics()}
    unknown = [code for code in payload.topics if code not in known]
    if unknown:
        from django.utils.translation import gettext as _

        raise Problem(
            "validation",
            _("Some values are invalid; see errors."),
            errors=[{"field": "topics", "message": _("Unknown topic.")}],
        )
    data = payload.model_dump()
    data["topics"] = [known[code] for code in dict.fromkeys(payload.topics)]
    data["links"] = "\n".join(payload.links)
    return services.PracticeInput(**data)


@router.post(
    "/members/{ags}/practices",
    response={201: PracticeOut},
    url_name="practice_create",
    summary="Write a practice of the own member",
)
def practice_create(request: HttpRequest, ags: Ags, payload: PracticeBody) -> Any:
    """A new draft practice of the member (its staff, the office); `exchange:write`. Publishing
    stays on the web page."""
    from ninja import Status

    require_scope(request, "exchange:write")
    member = access.access_member_for_practice(request.user, ags)
    practice = services.practice_save(actor=request.user, member=member, data=_input(payload))
    return Status(201, practice_out(request, practice))


@router.put(
    "/practices/{id}", response=PracticeOut, url_name="practice_update", summary="Change a practice"
)
def practice_update(
    request: HttpRequest,
    id: Id,
    payload: PracticeBody,
) -> dict[str, Any]:
    require_scope(request, "exchange:write")
    practice = access.access_practice(request.user, id, "edit")
    practice = services.practice_save(
        actor=request.user, member=practice.member, data=_input(payload), practice=practice
    )
    return practice_out(request, practice)
