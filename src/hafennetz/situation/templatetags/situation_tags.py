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
    """Readable text colour on a strain background: white or black, whichever contrasts more
    (WCAG relative luminance). One of the two always reaches 4.58:1, so every cell meets WCAG AA
    for normal text (issue 16: the orange-red cells failed with white)."""
    if mean is None:
        return "#000"
    background = _luminance(strain_colour(mean))
    on_white = 1.05 / (background + 0.05)
    on_black = (background + 0.05) / 0.05
    return "#fff" if on_white >= on_black else "#000"


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
