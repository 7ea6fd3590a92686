"""Domain rules of the registry shared by forms, the import and the services: which territory an
AGS names, which member already stands for the same city, which dates are plausible.

Reads only; no writes and no imports of `services` or `transfer` (both use this module).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from hafennetz.core.models import District, Municipality
from hafennetz.core.validators import plausible_date
from hafennetz.members.models import FOUNDING_DATE, Member

Territory = Municipality | District


def territory_by_ags(ags: str) -> Territory | None:
    """An 8-digit AGS names a municipality, a 5-digit key a district."""
    ags = (ags or "").strip()
    if len(ags) == 8 and ags.isdigit():
        return Municipality.objects.select_related("state").filter(pk=ags).first()
    if len(ags) == 5 and ags.isdigit():
        return District.objects.select_related("state").filter(pk=ags).first()
    return None


def _single_municipality_districts(district_ids: set[str]) -> set[str]:
    """The districts among `district_ids` that consist of one municipality alone."""
    return set(
        District.objects.filter(pk__in=district_ids)
        .annotate(n=Count("municipalities"))
        .filter(n=1)
        .values_list("pk", flat=True)
    )


def same_city_keys(territory: Territory) -> set[str]:
    """Every key under which the same city could be registered.

    A kreisfreie Stadt (Erlangen, Berlin, Hamburg, …) appears in the official register twice:
    as a district (09562) and as its only municipality (09562000). Both name one city and one
    council, so it can be a member only once. A Landkreis and a town in it are two members
    (two councils), as are the Region Hannover and the city of Hannover."""
    keys = {territory.pk}
    if isinstance(territory, Municipality):
        if _single_municipality_districts({territory.district_id}):
            keys.add(territory.district_id)
    elif _single_municipality_districts({territory.pk}):
        keys |= set(territory.municipalities.values_list("pk", flat=True))
    return keys


def city_keys(keys: set[str]) -> dict[str, set[str]]:
    """`same_city_keys` for many known keys at once (the import checks thousands of rows)."""
    municipality_district = dict(
        Municipality.objects.filter(pk__in=keys).values_list("pk", "district_id")
    )
    district_ids = (keys - set(municipality_district)) | set(municipality_district.values())
    single = _single_municipality_districts(district_ids)
    only_town = dict(
        Municipality.objects.filter(district_id__in=single).values_list("district_id", "pk")
    )
    result: dict[str, set[str]] = {}
    for key in keys:
        group = {key}
        if key in municipality_district:
            if municipality_district[key] in single:
                group.add(municipality_district[key])
        elif key in only_town:
            group.add(only_town[key])
        result[key] = group
    return result


def registered_as(keys: set[str]) -> Member | None:
    """The member registered under one of `keys`, if any."""
    return Member.objects.filter(Q(municipality_id__in=keys) | Q(district_id__in=keys)).first()


def already_member_message(territory: Territory, existing: Member) -> str:
    if existing.ags == territory.pk:
        return _("%(name)s is already registered as a member.") % {"name": existing.name}
    return _(
        "%(name)s is already a member under the key %(ags)s: a district-free city "
        "(kreisfreie Stadt) is both a municipality and a district and can be a member only once."
    ) % {"name": existing.name, "ags": existing.ags}


def validate_member_dates(
    *, joined_on: dt.date | None, left_on: dt.date | None, resolution_on: dt.date | None
) -> dict[str, str]:
    """Date rules shared by the forms, the import and the services: {field: message}."""
    errors: dict[str, str] = {}
    for field, value in (
        ("joined_on", joined_on),
        ("left_on", left_on),
        ("safe_harbour_resolution_on", resolution_on),
    ):
        try:
            plausible_date(value, past_only=True)
        except ValidationError as exc:
            errors[field] = exc.messages[0]
    if joined_on and joined_on < FOUNDING_DATE and "joined_on" not in errors:
        errors["joined_on"] = _(
            "The alliance was founded on 14.06.2019; nobody can have joined earlier."
        )
    if left_on and "left_on" not in errors:
        if not joined_on:
            errors["left_on"] = _("Only a member that joined the alliance can leave it.")
        elif left_on < joined_on:
            errors["left_on"] = _("Leaving cannot be before joining (%(date)s).") % {
                "date": joined_on.strftime("%d.%m.%Y")
            }
    return errors
