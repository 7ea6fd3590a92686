"""Reads from the member registry."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hafennetz.core.models import District, Municipality, State
from hafennetz.members.models import (
    FOUNDING_DATE,
    STATUS_CONDITIONS,
    Contact,
    CoordinationOfficeTerm,
    Criterion,
    Declaration,
    Invitation,
    Member,
    MemberQuerySet,
    Signature,
    StateCoordination,
)


def _members() -> MemberQuerySet:
    return Member.objects.select_related(
        "state", "municipality", "district", "municipality__district"
    )


# Orders of the directory by the `sort` parameter ("-" first: descending); joined dates that are
# unknown come last either way.
DIRECTORY_SORTS = {
    "name": (F("name").asc(),),
    "-name": (F("name").desc(),),
    "state": (F("state__name").asc(), F("name").asc()),
    "-state": (F("state__name").desc(), F("name").asc()),
    "joined": (F("joined_on").asc(nulls_last=True), F("name").asc()),
    "-joined": (F("joined_on").desc(nulls_last=True), F("name").asc()),
}


def member_directory(
    *,
    state: str | None = None,
    status: str | None = None,
    query: str | None = None,
    sort: str = "name",
) -> QuerySet[Member]:
    members = _members().prefetch_related(
        Prefetch("signatures", queryset=Signature.objects.select_related("declaration"))
    )
    if state:
        members = members.filter(state_id=state)
    if status:
        members = members.with_status(status)
    if query:
        query = query.strip()
        members = members.filter(
            Q(name__icontains=query)
            | Q(municipality__name__icontains=query)
            | Q(district__name__icontains=query)
            | Q(municipality_id=query)
            | Q(district_id=query)
        )
    return members.order_by(*DIRECTORY_SORTS.get(sort, DIRECTORY_SORTS["name"]), "pk")


def member_by_ags(ags: str) -> Member:
    """The member with this AGS (municipality) or district key, or Http404. No rights checked:
    `members.access.access_member` checks them."""
    member = _members().filter(Q(municipality_id=ags) | Q(district_id=ags)).first()
    if member is None:
        raise Http404
    return member


@dataclass(frozen=True)
class CriterionRow:
    code: str
    label: str
    decided: bool
    fulfilled: bool


def member_criteria(member: Member) -> list[CriterionRow]:
    """All eight criteria in their fixed order; unrecorded ones count as neither."""
    recorded = {c.criterion: c for c in member.criteria.all()}
    return [
        CriterionRow(
            code=code,
            label=str(label),
            decided=bool(recorded.get(code) and recorded[code].decided),
            fulfilled=bool(recorded.get(code) and recorded[code].fulfilled),
        )
        for code, label in Criterion.choices
    ]


def member_contacts(member: Member, *, internal: bool) -> QuerySet[Contact]:
    """The member's public contacts, or all of them (`internal`: see
    `access.can_see_internal_contacts`)."""
    contacts = member.contacts.all()
    return contacts if internal else contacts.filter(is_public=True)


def member_signatures(member: Member) -> QuerySet[Signature]:
    return member.signatures.select_related("declaration")


def declaration_signatures(declaration: Declaration) -> QuerySet[Signature]:
    """The signatures of a version of the Potsdamer Erklärung, by member name (the positions
    app shows them as the Erklärung's endorsements, ADR 0061)."""
    return (
        Signature.objects.filter(declaration=declaration)
        .select_related("member", "member__state", "member__municipality", "member__district")
        .order_by("member__name")
    )


def member_coordinations(member: Member) -> QuerySet[StateCoordination]:
    return member.coordinations.select_related("state").order_by("-starts_on")


def current_coordination_office() -> CoordinationOfficeTerm | None:
    return CoordinationOfficeTerm.objects.current().select_related("member").first()


def coordination_office_history() -> QuerySet[CoordinationOfficeTerm]:
    return CoordinationOfficeTerm.objects.select_related("member").order_by("-starts_on")


def token_hash(token: str) -> str:
    """Invitations store only this hash: a database leak must not hand out working links."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_invitation(token: str) -> Invitation | None:
    """The open (not accepted, not expired) invitation of this link, if any."""
    invitation = (
        Invitation.objects.select_related("member").filter(token_hash=token_hash(token)).first()
    )
    return invitation if invitation and invitation.is_open else None


def recent_invitations(limit: int = 200) -> QuerySet[Invitation]:
    return Invitation.objects.select_related("member", "invited_by")[:limit]


def member_label(member: Member) -> str:
    """A member's name told apart from namesakes: kind and state (\"Bamberg (Landkreis, Bayern)\").
    Needs `state` loaded with the member (select_related) to stay one query."""
    kind = _("district") if member.district_id else _("town")
    return f"{member.name} ({kind}, {member.state.name})"


def open_invitations() -> QuerySet[Invitation]:
    """Invitations not accepted yet and still valid, oldest first."""
    return (
        Invitation.objects.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("member")
        .order_by("created_at")
    )


def state_coordinations() -> QuerySet[StateCoordination]:
    return StateCoordination.objects.select_related("state", "member").order_by(
        "state_id", "-starts_on"
    )


def member_points() -> list[dict[str, Any]]:
    """One point per current alliance member for the public map."""
    return [
        {
            "name": m.name,
            "ags": m.ags,
            "state": m.state.name,
            "lat": round(m.coordinates[0], 4),
            "lon": round(m.coordinates[1], 4),
            "demo": m.is_demo,
            "url": reverse("member-detail", args=[m.ags]),
            "joined": m.joined_on.isoformat() if m.joined_on else "",
        }
        for m in _members().alliance()
    ]


def members_per_state() -> list[tuple[State, int]]:
    counts = dict(
        Member.objects.alliance()
        .values("state_id")
        .annotate(n=Count("id"))
        .values_list("state_id", "n")
    )
    return [(state, counts.get(state.pk, 0)) for state in State.objects.only("ags", "name")]


def membership_growth(today: dt.date | None = None) -> list[tuple[str, int]]:
    """Members of the alliance at the end of each month since June 2019 (YYYY-MM, count)."""
    today = today or timezone.localdate()
    joined: Counter[tuple[int, int]] = Counter()
    left: Counter[tuple[int, int]] = Counter()
    for joined_on, left_on in Member.objects.filter(joined_on__isnull=False).values_list(
        "joined_on", "left_on"
    ):
        if joined_on is None:
            continue
        joined[(joined_on.year, joined_on.month)] += 1
        if left_on:
            left[(left_on.year, left_on.month)] += 1
    series: list[tuple[str, int]] = []
    total = 0
    year, month = FOUNDING_DATE.year, FOUNDING_DATE.month
    while (year, month) <= (today.year, today.month):
        total += joined[(year, month)] - left[(year, month)]
        series.append((f"{year}-{month:02d}", total))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return series


def status_counts() -> dict[str, int]:
    """Members per status, in one query."""
    return Member.objects.aggregate(
        **{status.value: Count("id", filter=q) for status, q in STATUS_CONDITIONS.items()}
    )


@dataclass(frozen=True)
class TerritoryHit:
    ags: str
    name: str
    kind: str  # "municipality" | "district"
    detail: str
    population: int


def territory_search(query: str, limit: int = 20) -> list[TerritoryHit]:
    """Municipalities and districts not yet registered, by AGS prefix or name."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    if query.isdigit():
        municipalities = Municipality.objects.filter(ags__startswith=query)
        districts = District.objects.filter(ags__startswith=query)
    else:
        municipalities = Municipality.objects.filter(name__icontains=query)
        districts = District.objects.filter(name__icontains=query)
    municipalities = municipalities.filter(member__isnull=True).select_related("district", "state")
    districts = districts.filter(member__isnull=True).select_related("state")
    hits = [
        TerritoryHit(d.ags, d.name, "district", d.state.name, d.population)
        for d in districts.order_by("-population")[:limit]
    ] + [
        TerritoryHit(
            m.ags, m.name, "municipality", f"{m.district.short_name}, {m.state.name}", m.population
        )
        for m in municipalities.order_by("-population")[:limit]
    ]
    hits.sort(key=lambda h: (not h.name.lower().startswith(query.lower()), -h.population))
    return hits[:limit]


def states() -> QuerySet[State]:
    return State.objects.only("ags", "name")


def state_boundaries_geojson() -> dict[str, Any]:
    import json

    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"ags": s.ags, "name": s.name},
                "geometry": json.loads(s.boundary),
            }
            for s in State.objects.exclude(boundary="")
        ],
    }
