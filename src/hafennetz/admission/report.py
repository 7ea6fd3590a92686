"""The PDF decision report of a contingent and a member's extract, rendered by WeasyPrint from
HTML (as the Lagebild PDF): what was decided, how (method, key, parameters, seed, work budget,
engine version, input fingerprint, overrides) and the result beside the status quo."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from hafennetz.admission.comparison import Extract, household_rows, results
from hafennetz.admission.models import AllocationRun, Contingent


def overrides_count(run: AllocationRun) -> int | None:
    """Manual overrides (pins, exclusions) the run was computed with."""
    overrides = getattr(run, "overrides", None)
    if not isinstance(overrides, list):
        return None
    return len(overrides)


def _bar(value: float | None, scale: float) -> str:
    """A bar's width in mm (as CSS text: never localised with a decimal comma)."""
    width = 0.0 if value is None or scale <= 0 else 40 * max(value, 0) / scale
    return f"{width:.1f}"


def contingent_pdf(
    contingent: Contingent, runs: Sequence[AllocationRun], *, draft: bool, generated_by: str
) -> bytes:
    from weasyprint import HTML

    sections: list[dict[str, Any]] = []
    for run in runs:
        found = results(run)
        if found is None:
            continue
        widest = max([r.run.persons for r in found.states] + [1])
        sections.append(
            {
                "run": run,
                "results": found,
                "overrides": overrides_count(run),
                "households": household_rows(run, names=found.names),
                "needs": [
                    {
                        "row": row,
                        "run_bar": _bar(row.run.share, 1.0),
                        "quota_bar": _bar(row.quota.share, 1.0),
                    }
                    for row in found.needs
                ],
                "states": [
                    {
                        "row": row,
                        "run_bar": _bar(row.run.persons, widest),
                        "quota_bar": _bar(row.quota.persons if row.quota else None, widest),
                        "target_bar": _bar(row.run.target, widest),
                    }
                    for row in found.states
                ],
            }
        )
    html = render_to_string(
        "admission/report_pdf.html",
        {
            "contingent": contingent,
            "sections": sections,
            "draft": draft,
            "generated_at": timezone.localtime(),
            "generated_by": generated_by,
        },
    )
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def extract_pdf(extract: Extract, *, generated_by: str) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "admission/report_extract_pdf.html",
        {
            "extract": extract,
            "run": extract.run,
            "overrides": overrides_count(extract.run),
            "generated_at": timezone.localtime(),
            "generated_by": generated_by,
        },
    )
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
