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
    context: template.Context, block: Any = None, follow_up: Any = None
) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    target = block or follow_up
    # A meeting page shows this for every agenda item and task: what is the same for all of them
    # (the meeting's references, the choices of the add form) is read once per page.
    cache = context.render_context.setdefault("exchange_references", {})
    references: list[Any] = []
    can_add = False
    if target is not None:
        meeting = target.meeting
        if ("refs", meeting.pk) not in cache:
            cache[("refs", meeting.pk)] = selectors.references_of_meeting(meeting)
            cache[("can_add", meeting.pk)] = access.can_reference_from(user, meeting)
        by_target = cache[("refs", meeting.pk)]
        references = by_target["block" if block is not None else "task"].get(target.pk, [])
        can_add = cache[("can_add", meeting.pk)]
    positions = selectors.visible_position_ids(
        user, [r.position_id for r in references if r.position_id]
    )
    visible = [
        r
        for r in references
        if (r.practice is not None and access.can_view_practice(user, r.practice))
        or (r.position_id is not None and r.position_id in positions)
    ]
    if can_add and "choices" not in cache:
        cache["choices"] = (
            list(selectors.practices_for_reference_qs(user)),
            list(selectors.positions_for_reference_qs(user)),
        )
    practices, position_choices = cache["choices"] if can_add else ([], [])
    return {
        "references": visible,
        "can_add": can_add,
        "kind": "block" if block is not None else "task",
        "target": target,
        "practices": practices,
        "positions": position_choices,
        "csrf_token": context.get("csrf_token"),
    }
