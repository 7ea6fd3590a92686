"""Independent feasibility checker: recomputes everything from the instance and an assignment.

It shares no code with the solvers (only the dataclasses and `Household.resource_needs`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .model import Instance, LinkKind, Reason


@dataclass(frozen=True)
class CheckReport:
    violations: tuple[Reason, ...]  # capacity, link, unknown ids, split households
    unmet_hard_flags: tuple[Reason, ...]  # households placed where a hard need is not offered

    @property
    def feasible(self) -> bool:
        """Capacities, links and ids respected and every hard need met."""
        return not self.violations and not self.unmet_hard_flags


def check(
    instance: Instance,
    assignment: Mapping[str, str | None],
    rows: Iterable[tuple[str, str | None]] | None = None,
) -> CheckReport:
    """Check an assignment. `rows` (case_id, ags) pairs, if given, are checked for splits."""
    violations: list[Reason] = []
    unmet: list[Reason] = []
    by_ags = {m.ags: m for m in instance.municipalities}
    case_ids = {h.case_id for h in instance.households}
    if rows is not None:
        seen: dict[str, int] = defaultdict(int)
        for case_id, _ags in rows:
            seen[case_id] += 1
        for case_id, n in sorted(seen.items()):
            if n > 1:
                violations.append(
                    Reason(
                        "household_split",
                        {"case_id": case_id, "rows": n},
                        f"household {case_id} appears {n} times",
                    )
                )
    for case_id in sorted(set(assignment) - case_ids):
        violations.append(
            Reason("unknown_household", {"case_id": case_id}, f"unknown household {case_id}")
        )
    # required links hold both ways: both unplaced, or both at the same municipality
    for h in instance.households:
        for link in h.links:
            if link.kind is LinkKind.SAME_MUNICIPALITY and assignment.get(
                h.case_id
            ) != assignment.get(link.other):
                violations.append(
                    Reason(
                        "required_link_broken",
                        {"case_id": h.case_id, "other": link.other},
                        f"household {h.case_id} must be placed with {link.other}",
                    )
                )
    used: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for h in instance.households:
        ags = assignment.get(h.case_id)
        if ags is None:
            continue
        m = by_ags.get(ags)
        if m is None:
            violations.append(
                Reason(
                    "unknown_municipality",
                    {"case_id": h.case_id, "ags": ags},
                    f"household {h.case_id} assigned to unknown municipality {ags}",
                )
            )
            continue
        for resource, amount in h.resource_needs().items():
            used[ags][resource] += amount
        for flag in sorted((h.flags & instance.hard_flags) - m.offers):
            unmet.append(
                Reason(
                    "hard_need_unmet",
                    {"case_id": h.case_id, "ags": ags, "flag": flag},
                    f"household {h.case_id} needs {flag} but {ags} does not offer it",
                )
            )
    for ags in sorted(used):
        m = by_ags[ags]
        for resource, amount in sorted(used[ags].items()):
            if amount > m.capacity(resource):
                violations.append(
                    Reason(
                        "capacity_exceeded",
                        {
                            "ags": ags,
                            "resource": resource,
                            "used": amount,
                            "capacity": m.capacity(resource),
                        },
                        f"{ags}: {resource} {amount} used, capacity {m.capacity(resource)}",
                    )
                )
    return CheckReport(tuple(violations), tuple(unmet))
