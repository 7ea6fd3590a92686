from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from hafennetz.admission import selectors as admission_selectors
from hafennetz.core.public_cache import cached_for_visitors
from hafennetz.members import selectors
from hafennetz.members.access import access_own_member


@require_safe
@cached_for_visitors
def home(request: HttpRequest) -> HttpResponse:
    per_state = selectors.members_per_state()
    points = selectors.member_points()
    # Pledged places (a member's own public offer), aggregated per member: no household data.
    pledged = admission_selectors.pledged_places_by_ags()
    for point in points:
        point["pledged"] = pledged.get(point["ags"], {}).get("housing", 0)
    pledges = sorted(
        (p for p in points if p["pledged"]), key=lambda p: (-int(p["pledged"]), p["name"])
    )
    return render(
        request,
        "web/home.html",
        {
            "points": points,
            "per_state": per_state,
            "per_state_max": max((n for _s, n in per_state), default=0),
            "growth": selectors.membership_growth(),
            "counts": selectors.status_counts(),
            "office": selectors.current_coordination_office(),
            # Demo members are on the map, marked; the notice says so (no extra query).
            "has_demo": any(p["demo"] for p in points),
            "pledges": pledges,
            "pledged_total": sum(int(p["pledged"]) for p in pledges),
            "labels": {
                "members": _("Members"),
                "demo": _("Demo"),
                "member_layer": _("Alliance members"),
                "pledge_layer": _("Places pledged beyond the quota"),
                "places": _("places pledged"),
            },
        },
    )


@require_safe
@cache_control(max_age=3600, public=True)
def state_boundaries(request: HttpRequest) -> JsonResponse:
    return JsonResponse(selectors.state_boundaries_geojson())


@require_safe
def my_admission(request: HttpRequest) -> HttpResponse:
    """Member staff's way into the admission module: their own member's pledges."""
    member = access_own_member(request.user)
    return redirect("pledges-of-member", ags=member.ags)
