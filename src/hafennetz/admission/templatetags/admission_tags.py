"""Admission figures on other apps' pages. The member registry must not import the admission
app (it is the base of every app), so its member page loads this tag instead."""

from __future__ import annotations

from typing import Any

from django import template

from hafennetz.admission import access, selectors
from hafennetz.members.models import Member

register = template.Library()


@register.inclusion_tag("admission/_pledged_places.html", takes_context=True)
def pledged_places(context: template.Context, member: Member) -> dict[str, Any]:
    """The persons a member pledged for today (public, an aggregate of its own offer), and a
    link to its pledges for those who may see them."""
    request = context.get("request")
    user = getattr(request, "user", None)
    places = selectors.pledged_places(member)
    return {
        "member": member,
        "places": places,
        "can_view_pledges": user is not None and access.can_view_pledges(user, member),
    }
