"""Admission: the own member's pledges (read, record, change), the households allocated to it
after an approved run (read, confirm the reception), and the office's work (import households
into a contingent, start a run, follow it, read its results)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from hafennetz.admission import access, selectors, services
from hafennetz.admission.models import (
    AGE_BANDS,
    MAX_PER_BAND,
    AllocationRun,
    LinkKind,
    Offer,
    Placement,
    Pledge,
    RunMethod,
)
from hafennetz.api.auth import require_scope
from hafennetz.api.endpoints.common import Ags, Id, Input, Ok, url
from hafennetz.api.paging import Links, PageParams, Pagination, paginate
from hafennetz.core.validators import MAX_PLACES

router = Router(tags=["admission"])

OfferCode = Literal[tuple(Offer.values)]  # type: ignore[valid-type]


class PledgeOut(Schema):
    id: int
    member: str
    valid_from: dt.date
    valid_until: dt.date
    places: dict[str, int]
    offers: list[str]
    council_decision_on: dt.date | None
    council_decision_reference: str
    status: str
    accepted_on: dt.date | None
    accepted_by: str
    accepted_reference: str
    notes: str
    created: dt.datetime
    modified: dt.datetime


class PledgePage(Schema):
    data: list[PledgeOut]
    pagination: Pagination
    links: Links


def pledge_out(pledge: Pledge) -> dict[str, Any]:
    return {
        "id": pledge.pk,
        "member": pledge.member.ags,
        "valid_from": pledge.valid_from,
        "valid_until": pledge.valid_until,
        "places": pledge.places(),
        "offers": list(pledge.offers),
        "council_decision_on": pledge.council_decision_on,
        "council_decision_reference": pledge.council_decision_reference,
        "status": pledge.status,
        "accepted_on": pledge.accepted_on,
        "accepted_by": pledge.accepted_by,
        "accepted_reference": pledge.accepted_reference,
        "notes": pledge.notes,
        "created": pledge.created_at,
        "modified": pledge.updated_at,
    }


@router.get(
    "/admission/members/{ags}/pledges",
    response=PledgePage,
    url_name="pledges",
    summary="A member's pledges",
)
def pledges(request: HttpRequest, ags: Ags, params: Query[PageParams]) -> dict[str, Any]:
    """For the member's staff, its state coordination and the office (`admission:read`)."""
    require_scope(request, "admission:read")
    member = access.access_member_pledges(request.user, ags, purpose="view")
    rows = selectors.pledges_of(member).select_related("member")
    return paginate(request, rows, params.page, pledge_out)


Places = Field(0, ge=0, le=MAX_PLACES)


class PledgeBody(Input):
    valid_from: dt.date
    valid_until: dt.date
    places_housing: int = Places
    places_barrier_free_housing: int = Places
    places_childcare: int = Places
    places_school: int = Places
    places_language_course: int = Places
    places_medical_care: int = Places
    offers: list[OfferCode] = Field(default_factory=list, max_length=20)
    council_decision_on: dt.date | None = None
    council_decision_reference: str = Field("", max_length=120)
    notes: str = Field("", max_length=4000)


def _pledge_data(payload: PledgeBody) -> dict[str, Any]:
    data = payload.model_dump()
    data["offers"] = sorted(set(data["offers"]))
    return data


@router.post(
    "/admission/members/{ags}/pledges",
    response={201: PledgeOut},
    url_name="pledge_create",
    summary="Record a pledge",
)
def pledge_create(request: HttpRequest, ags: Ags, payload: PledgeBody) -> Status[dict[str, Any]]:
    """The member's staff (and the office) record a pledge (`admission:write`)."""
    require_scope(request, "admission:write")
    member = access.access_member_pledges(request.user, ags, purpose="edit")
    pledge = services.pledge_create(actor=request.user, member=member, data=_pledge_data(payload))
    return Status(201, pledge_out(pledge))


@router.put(
    "/admission/pledges/{id}",
    response=PledgeOut,
    url_name="pledge_update",
    summary="Change a pledge",
)
def pledge_update(
    request: HttpRequest,
    id: Id,
    payload: PledgeBody,
) -> dict[str, Any]:
    """Replace the places, offers and period of a pledge that is offered or accepted."""
    require_scope(request, "admission:write")
    pledge = access.access_pledge(request.user, id, purpose="edit")
    pledge = services.pledge_update(actor=request.user, pledge=pledge, data=_pledge_data(payload))
    return pledge_out(pledge)


# --- placements ------------------------------------------------------------------------------


class PlacementOut(Schema):
    id: int
    run: int
    contingent: int
    case_id: str
    persons: int
    age_bands: dict[str, int]
    needs: list[str]
    status: str
    confirmed_at: dt.datetime | None
    created: dt.datetime


class PlacementPage(Schema):
    data: list[PlacementOut]
    pagination: Pagination
    links: Links


def placement_out(placement: Placement) -> dict[str, Any]:
    household = placement.household
    return {
        "id": placement.pk,
        "run": placement.run_id,
        "contingent": placement.run.contingent_id,
        "case_id": household.case_id,
        "persons": placement.persons,
        "age_bands": {band: int(getattr(household, band)) for band in AGE_BANDS},
        "needs": list(household.needs),
        "status": placement.status,
        "confirmed_at": placement.confirmed_at,
        "created": placement.created_at,
    }


@router.get(
    "/admission/members/{ags}/placements",
    response=PlacementPage,
    url_name="placements",
    summary="Households allocated to a member",
)
def placements(request: HttpRequest, ags: Ags, params: Query[PageParams]) -> dict[str, Any]:
    """After an approved run: the member's staff and the office (`admission:read`). Every read
    is logged, as on the web page."""
    require_scope(request, "admission:read")
    member = access.access_member_placements(request.user, ags)
    rows = selectors.placements_of(member).select_related("household", "run")
    page = paginate(request, rows, params.page, placement_out)
    first = rows.first()
    if first is not None:
        services.log_household_view(
            actor=request.user,
            contingent=first.run.contingent,
            what=f"households allocated to {member.ags} (API)",
        )
    return page


@router.post(
    "/admission/placements/{id}/confirm",
    response=PlacementOut,
    url_name="placement_confirm",
    summary="Confirm the reception of a household",
)
def placement_confirm(request: HttpRequest, id: Id) -> dict[str, Any]:
    require_scope(request, "admission:write")
    placement = access.access_placement(request.user, id)
    services.placement_confirm(actor=request.user, placement=placement)
    placement = access.access_placement(request.user, id)
    return placement_out(placement)


# --- the office: households, runs ------------------------------------------------------------


class LinkBody(Input):
    case: str = Field(max_length=40)
    kind: Literal[tuple(LinkKind.values)]  # type: ignore[valid-type]


Band = Field(0, ge=0, le=MAX_PER_BAND)


class HouseholdBody(Input):
    case_id: str = Field(max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    age_0_2: int = Band
    age_3_5: int = Band
    age_6_17: int = Band
    age_18_64: int = Band
    age_65_plus: int = Band
    needs: list[OfferCode] = Field(default_factory=list, max_length=20)
    links: list[LinkBody] = Field(default_factory=list, max_length=50)
    preferences: list[str] = Field(default_factory=list, max_length=20)


class HouseholdImport(Input):
    households: list[HouseholdBody] = Field(min_length=1, max_length=2000)


class ImportResult(Schema):
    created: int
    contingent: int


@router.post(
    "/admission/contingents/{id}/households",
    response={201: ImportResult},
    url_name="households_import",
    summary="Import households (office)",
)
def households_import(
    request: HttpRequest,
    id: Id,
    payload: HouseholdImport,
) -> Status[dict[str, Any]]:
    """Adds the households to the contingent, all or none (errors name the household by its
    position: `households.3.case_id`). Coordination office only, `admission:write`."""
    require_scope(request, "admission:write")
    contingent = access.access_contingent(request.user, id)
    from django.core.exceptions import ValidationError

    with transaction.atomic():
        for index, household in enumerate(payload.households):
            data = household.model_dump()
            data["needs"] = sorted(set(data["needs"]))
            try:
                services.household_save(actor=request.user, contingent=contingent, data=data)
            except ValidationError as exc:
                raise ValidationError(
                    {
                        f"households.{index}.{field}": messages
                        for field, messages in exc.message_dict.items()
                    }
                ) from exc
    return Status(201, {"created": len(payload.households), "contingent": contingent.pk})


class RunBody(Input):
    method: Literal[tuple(RunMethod.values)] = "optimal"  # type: ignore[valid-type]
    use_key: bool = True
    key_weight: float = Field(1.0, ge=0.0, le=100.0)
    seed: int = Field(0, ge=0, le=10**9)
    work: float = Field(10.0, ge=0.5, le=600.0)


class RunOut(Schema):
    id: str
    number: int
    contingent: int
    method: str
    status: str
    phase: str
    fraction: float
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    approved_at: dt.datetime | None
    error: str
    web: str


class UnplacedOut(Schema):
    case_id: str
    persons: int
    reasons: list[str]


class MemberUseOut(Schema):
    ags: str
    name: str
    persons: int
    households: int
    target: float | None


class RunResult(Schema):
    placed_households: int
    placed_persons: int
    unplaced: list[UnplacedOut]
    members: list[MemberUseOut]
    hard_needs_met: int
    hard_needs_total: int
    reproducible: bool


class RunDetail(RunOut):
    result: RunResult | None


def run_out(request: HttpRequest, run: AllocationRun) -> dict[str, Any]:
    return {
        "id": url(request, "api-v1:run_detail", run.pk),
        "number": run.pk,
        "contingent": run.contingent_id,
        "method": run.method,
        "status": run.status,
        "phase": run.phase,
        "fraction": float(run.fraction),
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "approved_at": run.approved_at,
        "error": run.error,
        "web": url(request, "run-detail", run.pk),
    }


@router.post(
    "/admission/contingents/{id}/runs",
    response={202: RunOut},
    url_name="run_start",
    summary="Start an allocation run (office)",
)
def run_start(
    request: HttpRequest,
    id: Id,
    payload: RunBody,
) -> Status[dict[str, Any]]:
    """Queues a run for the background worker; follow it at the returned `id`."""
    require_scope(request, "admission:write")
    contingent = access.access_contingent(request.user, id)
    run = services.run_start(actor=request.user, contingent=contingent, **payload.model_dump())
    return Status(202, run_out(request, run))


@router.get(
    "/admission/runs/{id}", response=RunDetail, url_name="run_detail", summary="A run (office)"
)
def run_detail(request: HttpRequest, id: Id) -> dict[str, Any]:
    """Status and progress; once finished, the results (placed and unplaced households with
    reasons, per member the persons placed). Reading results is logged, as on the web."""
    require_scope(request, "admission:read")
    run = access.access_run(request.user, id)
    summary = selectors.run_summary(run)
    if run.status == "succeeded":
        services.log_household_view(
            actor=request.user, contingent=run.contingent, what=f"results of run {run.pk} (API)"
        )
    result = None
    if summary is not None:
        result = {
            "placed_households": summary.placed_households,
            "placed_persons": summary.placed_persons,
            "unplaced": [
                {"case_id": u.case_id, "persons": u.persons, "reasons": u.reasons}
                for u in summary.unplaced
            ],
            "members": [
                {
                    "ags": m.ags,
                    "name": m.name,
                    "persons": m.persons,
                    "households": m.households,
                    "target": m.target,
                }
                for m in summary.members
            ],
            "hard_needs_met": summary.hard_needs_met,
            "hard_needs_total": summary.hard_needs_total,
            "reproducible": summary.reproducible,
        }
    return run_out(request, run) | {"result": result}


__all__ = ["Ok", "router"]
