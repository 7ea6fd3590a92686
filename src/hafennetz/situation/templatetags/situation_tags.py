from __future__ import annotations

from django import template
from django.utils.formats import number_format

from hafennetz.situation.exports import strain_colour

register = template.Library()


@register.filter
def strain_bg(mean: float | None) -> str:
    """Background colour of a heatmap cell for a mean strain level."""
    return strain_colour(mean)


@register.filter
def mean1(value: float | None) -> str:
    return "–" if value is None else number_format(value, 1)


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{number_format(100 * value, 0)} %"


@register.filter
def text_on(mean: float | None) -> str:
    """Readable text colour on a strain background."""
    return "#fff" if mean is not None and (mean < 1.6 or mean > 2.9) else "#1d2630"
