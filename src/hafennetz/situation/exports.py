"""Exports of a round: CSV/XLSX with one row per member and topic (every key figure of the
questionnaire as its own column, filled in the row of its topic, so no sheets need merging),
and the PDF „Lagebild“ rendered by WeasyPrint from HTML with server-made charts."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hafennetz.core.exports import Shown
from hafennetz.core.models import State
from hafennetz.situation.models import (
    Answer,
    FigureValue,
    ReportStatus,
    SituationReport,
    SizeClass,
    StrainLevel,
    SurveyRound,
)
from hafennetz.situation.selectors import Dashboard, questionnaire_figures

FIXED_COLUMNS = [
    "round",
    "ags",
    "member",
    "state",
    "size_class",
    "report_version",
    "status",
    "submitted_at",
    "late",
    "shared_with_members",
    "review_status",
    "topic_code",
    "topic",
    "strain_level",
    "strain_label",
    "what_is_hard",
    "what_works",
]
# The headers people read (German Excel CSV, XLSX); programs get the names above.
COLUMN_LABELS = {
    "round": _("Round"),
    "ags": _("AGS"),
    "member": _("Member"),
    "state": _("State"),
    "size_class": _("Size class"),
    "report_version": _("Report version"),
    "status": _("Status"),
    "submitted_at": _("Submitted at"),
    "late": _("Late"),
    "shared_with_members": _("Shared with members"),
    "review_status": _("Review status"),
    "topic_code": _("Topic code"),
    "topic": _("Topic"),
    "strain_level": _("Strain level"),
    "strain_label": _("Strain"),
    "what_is_hard": _("What is hard"),
    "what_works": _("What works"),
}


def export_rows(
    survey_round: SurveyRound, states: Sequence[str] | None, *, with_review: bool = False
) -> list[list[Any]]:
    """The current version of every report of the round (drafts included, marked by status).
    The review status is between the office and the member: only with `with_review`."""
    figures = questionnaire_figures(survey_round.questionnaire)
    reports: QuerySet[SituationReport] = SituationReport.objects.filter(
        round=survey_round, is_current=True
    )
    if states is not None:
        reports = reports.filter(state_id__in=states)
    reports = reports.select_related("member", "state")
    answers = (
        Answer.objects.filter(report__in=reports)
        .select_related("topic")
        .order_by("report_id", "topic__order", "topic__code")
    )
    values: dict[tuple[int, int], FigureValue] = {
        (v.report_id, v.figure_id): v for v in FigureValue.objects.filter(report__in=reports)
    }
    by_id = {r.pk: r for r in reports}
    header: list[Any] = [Shown(c, COLUMN_LABELS[c]) for c in FIXED_COLUMNS]
    for figure in figures:
        unit = f" ({figure.unit})" if figure.unit else ""
        header += [Shown(f"{figure.code}{unit}", f"{figure.label}{unit}")]
        header += [
            Shown(f"{figure.code}_confirmed", _("%(figure)s: confirmed") % {"figure": figure.label})
        ]
    rows: list[list[Any]] = [header]
    levels = dict(StrainLevel.choices)
    sizes = dict(SizeClass.choices)
    for answer in answers:
        report = by_id[answer.report_id]
        submitted = (
            Shown(
                timezone.localtime(report.submitted_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(report.submitted_at).strftime("%d.%m.%Y %H:%M"),
            )
            if report.submitted_at
            else ""
        )
        row: list[Any] = [
            survey_round.number,
            report.member.ags,
            report.member.name,
            report.state.name,
            str(sizes[report.size_class]),
            report.version,
            report.get_status_display(),
            submitted,
            report.is_late,
            report.share_with_members,
            report.get_review_status_display() if with_review else "",
            answer.topic.code,
            answer.topic.name,
            answer.strain if answer.strain is not None else "",
            str(levels[answer.strain]) if answer.strain else "",
            answer.what_is_hard,
            answer.what_works,
        ]
        for figure in figures:
            value = (
                values.get((report.pk, figure.pk)) if figure.topic_id == answer.topic_id else None
            )
            row += [
                value.value if value else "",
                True if value and value.confirmed_out_of_bounds else "",
            ]
        rows.append(row)
    return rows


# --- PDF ---------------------------------------------------------------------------------------

STRAIN_COLOURS = ["#2e7d32", "#f9a825", "#ef6c00", "#c62828"]


def strain_colour(mean: float | None) -> str:
    """Green (1) to red (4), interpolated; grey without data."""
    if mean is None:
        return "#e0e4e8"
    stops = [
        (1.0, (46, 125, 50)),
        (2.0, (249, 168, 37)),
        (3.0, (239, 108, 0)),
        (4.0, (198, 40, 40)),
    ]
    mean = min(4.0, max(1.0, mean))
    for (x0, c0), (x1, c1) in itertools.pairwise(stops):
        if mean <= x1:
            t = (mean - x0) / (x1 - x0)
            r, g, b = (round(a + (b_ - a) * t) for a, b_ in zip(c0, c1, strict=True))
            return f"#{r:02x}{g:02x}{b:02x}"
    return "#c62828"


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [polygon[0] for polygon in geometry["coordinates"]]


def svg_map(values: dict[str, float | None], width: int = 360) -> dict[str, Any]:
    """State polygons as SVG paths (equirectangular, x scaled by cos 51°), filled by mean."""
    states = list(State.objects.exclude(boundary="").only("ags", "name", "boundary"))
    lon0, lon1, lat0, lat1 = 5.8, 15.1, 47.2, 55.1
    kx = math.cos(math.radians(51.0))
    height = round(width * (lat1 - lat0) / ((lon1 - lon0) * kx))
    scale = width / ((lon1 - lon0) * kx)
    paths = []
    for state in states:
        geometry = json.loads(state.boundary)
        parts = []
        for ring in _rings(geometry):
            step = max(1, len(ring) // 150)  # thin out: a small map needs few points
            points = ring[::step]
            coords = " L".join(
                f"{(lon - lon0) * kx * scale:.1f},{(lat1 - lat) * scale:.1f}" for lon, lat in points
            )
            parts.append(f"M{coords} Z")
        paths.append(
            {"d": " ".join(parts), "fill": strain_colour(values.get(state.ags)), "name": state.name}
        )
    return {"width": width, "height": height, "paths": paths}


def render_pdf(board: Dashboard, *, generated_by: str) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "situation/pdf.html",
        {
            "board": board,
            "round": board.survey_round,
            "heatmap": [
                {
                    "state": row["state"],
                    "cells": [{"cell": c, "colour": strain_colour(c.mean)} for c in row["cells"]],
                }
                for row in board.heatmap_rows()
            ],
            "topic_rows": board.topic_rows(),
            "map": svg_map(board.choropleth()),
            "legend": [
                {"level": v, "label": label, "colour": STRAIN_COLOURS[v - 1]}
                for v, label in StrainLevel.choices
            ],
            "generated_at": timezone.localtime(),
            "generated_by": generated_by,
            "submitted": ReportStatus.SUBMITTED,
        },
    )
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
