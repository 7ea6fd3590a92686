"""Figures of the results pages: a need tally as "met of total (share)"."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
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
