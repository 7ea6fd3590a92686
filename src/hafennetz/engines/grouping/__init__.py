"""Breakout planner: participants -> small groups over rounds (issue 4).

Pure Python, no Django. See docs/grouping/algorithm.md for the API and docs/grouping/
csv-formats.md for the CLI (`hafennetz plan-groups`).
"""

from .exports import bbb_groups_json, plain_csv, printable, zoom_csv
from .model import (
    DropOut,
    Group,
    Issue,
    LateJoin,
    Participant,
    Pin,
    Plan,
    PlanningError,
    Problem,
    QualityReport,
    Role,
    Round,
    RoundPlan,
    Rules,
    Weights,
)
from .planner import plan
from .repair import apply_changes, changed_assignments, repair
from .scoring import check, quality

__all__ = [
    "DropOut",
    "Group",
    "Issue",
    "LateJoin",
    "Participant",
    "Pin",
    "Plan",
    "PlanningError",
    "Problem",
    "QualityReport",
    "Role",
    "Round",
    "RoundPlan",
    "Rules",
    "Weights",
    "apply_changes",
    "bbb_groups_json",
    "changed_assignments",
    "check",
    "plain_csv",
    "plan",
    "printable",
    "quality",
    "repair",
    "zoom_csv",
]
