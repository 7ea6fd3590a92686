"""The PDF of a position with its signatory list (WeasyPrint, as the Lagebild PDF)."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string

from hafennetz.positions.models import Position, PositionVersion
from hafennetz.positions.selectors import Signatory


def render_pdf(
    position: Position,
    version: PositionVersion,
    signatories: list[Signatory],
    *,
    generated_at: dt.datetime,
) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "positions/pdf.html",
        {
            "position": position,
            "version": version,
            "signatories": signatories,
            "generated_at": generated_at,
        },
    )
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
