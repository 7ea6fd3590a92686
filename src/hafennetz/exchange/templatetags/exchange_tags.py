"""`{% load exchange_tags %}{% exchange_references block=b %}` (or `follow_up=f`): the practices an
agenda item or follow-up task of a meeting references, with a form to add one for the
meeting's organisers. Included by the meetings templates."""

from __future__ import annotations

from typing import Any

from django import template

from hafennetz.exchange import access, selectors

register = template.Library()


@register.inclusion_tag("exchange/_references.html", takes_context=True)
def exchange_references(
    context: dict[str, Any], block: Any = None, follow_up: Any = None
) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    target = block or follow_up
    references = selectors.references_of(block=block, follow_up=follow_up) if target else []
    positions = selectors.visible_position_ids(
        user, [r.position_id for r in references if r.position_id]
    )
    visible = [
        r
        for r in references
        if (r.practice is not None and access.can_view_practice(user, r.practice))
        or (r.position_id is not None and r.position_id in positions)
    ]
    can_add = bool(target) and access.can_reference_from(user, target.meeting)
    return {
        "references": visible,
        "can_add": can_add,
        "kind": "block" if block is not None else "task",
        "target": target,
        "practices": selectors.practices_for_reference_qs(user) if can_add else [],
        "positions": selectors.positions_for_reference_qs(user) if can_add else [],
        "csrf_token": context.get("csrf_token"),
    }
