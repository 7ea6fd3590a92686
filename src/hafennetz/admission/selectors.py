"""Reads of the admission module. No rights are checked here: admission.access does that."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet, Sum
from django.utils import timezone

from hafennetz.admission.models import Pledge, PledgeStatus, Resource
from hafennetz.core.models import AuditEntry
from hafennetz.members.models import Member

ACTIVE = (PledgeStatus.OFFERED, PledgeStatus.ACCEPTED)


def pledges_of(member: Member) -> QuerySet[Pledge]:
    return Pledge.objects.filter(member=member).select_related("contact")


def pledge_history(pledge: Pledge) -> QuerySet[AuditEntry]:
    """The pledge's changes as the audit log holds them (who, when, before → after)."""
    return AuditEntry.objects.filter(object_type="admission.pledge", object_id=str(pledge.pk))


def current_pledges(day: dt.date | None = None) -> QuerySet[Pledge]:
    day = day or timezone.localdate()
    return Pledge.objects.filter(status__in=ACTIVE, valid_from__lte=day, valid_until__gte=day)


@dataclass(frozen=True)
class PledgedPlaces:
    """What a member (or the alliance) offers today, summed over its current pledges."""

    places: dict[str, int]
    pledges: int

    @property
    def persons(self) -> int:
        return self.places.get(Resource.HOUSING.value, 0)


def pledged_places(member: Member | None = None, day: dt.date | None = None) -> PledgedPlaces:
    pledges = current_pledges(day)
    if member is not None:
        pledges = pledges.filter(member=member)
    sums = pledges.aggregate(
        **{r.value: Sum(f"places_{r.value}") for r in Resource},
    )
    return PledgedPlaces(places={k: int(v or 0) for k, v in sums.items()}, pledges=pledges.count())


def pledged_persons_by_member(day: dt.date | None = None) -> dict[int, int]:
    """Persons pledged today per member id (the public map shows them: a member's own offer)."""
    rows = (
        current_pledges(day).values("member_id").annotate(persons=Sum("places_housing")).order_by()
    )
    return {r["member_id"]: int(r["persons"] or 0) for r in rows}


def pledge_overview(day: dt.date | None = None) -> QuerySet[Member]:
    """Members with their persons pledged today, for the office's overview."""
    day = day or timezone.localdate()
    return (
        Member.objects.filter(
            pledges__status__in=ACTIVE,
            pledges__valid_from__lte=day,
            pledges__valid_until__gte=day,
        )
        .annotate(pledged_persons=Sum("pledges__places_housing"))
        .select_related("state")
        .order_by("state_id", "name")
    )
