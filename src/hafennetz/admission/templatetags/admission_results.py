"""Figures of the results pages: a need tally as "met of total (share)"."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def tally(value: Any) -> str:
    """`met of total (percent)` of a comparison.Tally; a dash without any need."""
    if value is None or not getattr(value, "total", 0):
        return "–"
    share = number_format(100 * value.met / value.total, 0)
    return _("%(met)s of %(total)s (%(share)s %%)") % {
        "met": value.met,
        "total": value.total,
        "share": share,
    }


@register.simple_tag
def need_tally(group: Any, key: str) -> str:
    """The tally of one need category of a comparison.GroupOutcome."""
    if group is None:
        return "–"
    return tally(group.needs.get(key))


def _number(value: float) -> str:
    return number_format(value, 2)


@register.simple_tag
def household_rows(rows: Any) -> SafeString:
    """The rows of the results page's household table (comparison.HouseholdRow), built here
    rather than in the template: a page of them is the largest part of the page. Every value is
    escaped."""
    if not rows:
        empty = _("No household matches the filter.")
        return format_html('<tr><td colspan="6">{}</td></tr>', empty)
    not_placed = escape(_("not placed"))
    not_met = escape(_("not met:"))
    out: list[str] = []
    for h in rows:
        placed = escape(h.member) if h.member else f"<em>{not_placed}</em>"
        needs = []
        if h.needs_met:
            needs.append(f'<span class="yes">{escape(", ".join(h.needs_met))}</span>')
        if h.needs_unmet:
            needs.append(f'<span class="unmet">{not_met} {escape(", ".join(h.needs_unmet))}</span>')
        needs_cell = "<br>".join(needs) if needs else ("" if h.needs else "–")
        parts = " · ".join(f"{escape(label)} {_number(value)}" for label, value in h.score_parts)
        parts_cell = f"<small>{parts}</small>" if parts else "–"
        alternatives = "".join(
            f"<li>{escape(a.name)} <small>({_number(a.score)}): {escape(a.note)}</small></li>"
            for a in h.alternatives
        )
        alternatives_cell = f'<ol class="alternatives">{alternatives}</ol>' if alternatives else "–"
        out.append(
            f'<tr><th scope="row">{escape(h.case_id)}</th><td class="num">{int(h.persons)}</td>'
            f"<td>{placed}<br><small>{escape('; '.join(h.reasons))}</small></td>"
            f"<td>{needs_cell}</td><td>{parts_cell}</td><td>{alternatives_cell}</td></tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
