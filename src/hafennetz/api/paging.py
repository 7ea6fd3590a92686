"""OParl-style paging: the server decides the page size; every list answers with

    {"data": [...],
     "pagination": {"totalElements": 123, "elementsPerPage": 25, "currentPage": 2,
                    "totalPages": 5},
     "links": {"first": "...", "prev": "...", "self": "...", "next": "...", "last": "..."}}

`page` starts at 1; a page beyond the last (other than page 1 of an empty list) is 404. The
`created_since` / `created_until` / `modified_since` / `modified_until` filters take ISO 8601
dates or date-times (a date means midnight in Berlin; a time without offset is Berlin time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from hafennetz.api.problems import Problem

PAGE_SIZE = 25
MAX_PAGE = 1_000_000

T = TypeVar("T")


class Pagination(Schema):
    totalElements: int
    elementsPerPage: int
    currentPage: int
    totalPages: int


class Links(Schema):
    first: str
    prev: str | None = None
    self: str
    next: str | None = None
    last: str


class PageParams(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")


class SinceParams(PageParams):
    created_since: dt.datetime | None = Field(None, description="Created at or after (ISO 8601).")
    created_until: dt.datetime | None = Field(None, description="Created at or before.")
    modified_since: dt.datetime | None = Field(None, description="Modified at or after.")
    modified_until: dt.datetime | None = Field(None, description="Modified at or before.")


def _aware(value: dt.datetime) -> dt.datetime:
    """In UTC, as the database stores it (OverflowError at the ends of the calendar)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value.astimezone(dt.UTC)


def filter_since(
    rows: QuerySet[Any],
    params: SinceParams,
    created: str = "created_at",
    modified: str = "updated_at",
) -> QuerySet[Any]:
    try:
        if params.created_since:
            rows = rows.filter(**{f"{created}__gte": _aware(params.created_since)})
        if params.created_until:
            rows = rows.filter(**{f"{created}__lte": _aware(params.created_until)})
        if params.modified_since:
            rows = rows.filter(**{f"{modified}__gte": _aware(params.modified_since)})
        if params.modified_until:
            rows = rows.filter(**{f"{modified}__lte": _aware(params.modified_until)})
    except (OverflowError, ValueError) as exc:
        raise Problem(
            "validation",
            _("A date is out of range."),
            errors=[{"field": "created_since", "message": _("A date is out of range.")}],
        ) from exc
    return rows


def _url(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(request.path) + "?" + urlencode(sorted(query.items()))


def paginate(
    request: HttpRequest,
    rows: QuerySet[Any] | Sequence[Any],
    page: int,
    serialize: Callable[[Any], Any],
    size: int = PAGE_SIZE,
) -> dict[str, Any]:
    total = rows.count() if isinstance(rows, QuerySet) else len(rows)
    pages = max(1, -(-total // size))
    if page > pages:
        raise Problem(
            "not-found",
            _("There is no page %(page)s; the last page is %(last)s.")
            % {"page": page, "last": pages},
            errors=[{"field": "page", "message": _("Beyond the last page.")}],
        )
    chunk = rows[(page - 1) * size : page * size]
    return {
        "data": [serialize(row) for row in chunk],
        "pagination": {
            "totalElements": total,
            "elementsPerPage": size,
            "currentPage": page,
            "totalPages": pages,
        },
        "links": {
            "first": _url(request, 1),
            "prev": _url(request, page - 1) if page > 1 else None,
            "self": _url(request, page),
            "next": _url(request, page + 1) if page < pages else None,
            "last": _url(request, pages),
        },
    }
