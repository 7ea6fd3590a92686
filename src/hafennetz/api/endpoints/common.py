"""Types and helpers shared by the resources."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Path, Schema
from pydantic import ConfigDict

DB_INT_MAX = 2_147_483_647

Id = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="Numeric identifier.")]
Number = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="Number of the survey round.")]
Ags = Annotated[
    str,
    Path(
        pattern=r"^[0-9]{5}([0-9]{3})?$",
        description="AGS of a municipality (8 digits) or key of a district (5 digits).",
        examples=["12054000"],
    ),
]


class Input(Schema):
    """Request bodies refuse unknown fields."""

    model_config = ConfigDict(extra="forbid")


def url(request: HttpRequest, name: str, *args: Any) -> str:
    """Absolute URL of a named route (the canonical id of an object)."""
    return request.build_absolute_uri(reverse(name, args=args))


class Ok(Schema):
    detail: str
