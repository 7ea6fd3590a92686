"""`validate(instance)`: everything that makes an instance unusable, as structured issues.

Codes and params are stable (the web layer translates by code); `field` names the input
column; the CSV layer adds file and line (`Issue.at`). `allocate` assumes a valid instance.
"""

from __future__ import annotations

import math
from collections import Counter

from ..issues import Issue, ParamValue
from .model import AGE_BANDS, DistributionKey, Instance

MESSAGES: dict[str, str] = {
    "duplicate_case_id": "case number {case_id} appears more than once",
    "duplicate_ags": "municipality {ags} appears more than once",
    "bad_ags": "municipality key {ags!r} is not a string of digits",
    "negative_age_band": "household {case_id}: negative number of members aged {band}",
    "empty_household": "household {case_id} has no members",
    "negative_need": "household {case_id}: negative need for {resource}",
    "negative_capacity": "municipality {ags}: negative capacity for {resource}",
    "negative_population": "municipality {ags}: negative population",
    "bad_target_share": "municipality {ags}: target share {share} is not a number >= 0",
    "link_unknown": "household {case_id} is linked to unknown case number {other}",
    "link_self": "household {case_id} is linked to itself",
    "preference_unknown": "household {case_id} prefers unknown municipality {ags}",
    "outcome_unknown": "household {case_id} has outcomes for unknown municipality {ags}",
    "outcome_out_of_range": (
        "household {case_id}: outcome probability {value} at {ags} is not in [0, 1]"
    ),
    "outcome_too_many": (
        "household {case_id}: {count} outcome probabilities at {ags} for {size} members"
    ),
    "need_exceeds_every_capacity": (
        "household {case_id} needs {need} {resource} places, more than any municipality "
        "pledged ({capacity})"
    ),
    "explicit_key_without_shares": (
        "the distribution key 'explicit' needs a target share for at least one municipality"
    ),
    "bad_weight": "score weight {weight} = {value} is not a finite number",
    "negative_weight": "score weight {weight} = {value} must not be negative",
}


def make_issue(code: str, *, field: str | None = None, **params: ParamValue) -> Issue:
    return Issue(
        code=code,
        params=tuple(sorted(params.items())),
        message=MESSAGES[code].format(**params),
        field=field,
    )


def validate(instance: Instance) -> list[Issue]:
    """All issues of `instance` (empty list: valid)."""
    issues: list[Issue] = []
    add = issues.append
    munis = instance.municipalities
    known = {m.ags for m in munis}
    for ags, n in sorted(Counter(m.ags for m in munis).items()):
        if n > 1:
            add(make_issue("duplicate_ags", field="ags", ags=ags))
    max_cap: dict[str, int] = {}
    for m in munis:
        if not (m.ags and m.ags.isdigit()):
            add(make_issue("bad_ags", field="ags", ags=m.ags))
        if m.population < 0:
            add(make_issue("negative_population", field="population", ags=m.ags))
        for r, v in sorted(m.capacities.items()):
            if v < 0:
                add(make_issue("negative_capacity", field=f"cap_{r}", ags=m.ags, resource=r))
            max_cap[r] = max(max_cap.get(r, 0), v)
        if m.target_share is not None and not (
            math.isfinite(m.target_share) and m.target_share >= 0
        ):
            add(
                make_issue(
                    "bad_target_share", field="target_share", ags=m.ags, share=m.target_share
                )
            )
    if instance.key is DistributionKey.EXPLICIT and all(m.target_share is None for m in munis):
        add(make_issue("explicit_key_without_shares", field="target_share"))
    w = instance.weights
    for name in (
        "need_fit",
        "preference",
        "outcome",
        "same_district_link",
        "unplaced_per_person",
        "key_deviation_per_person",
    ):
        value = float(getattr(w, name))
        if not math.isfinite(value):
            add(make_issue("bad_weight", weight=name, value=str(value)))
        elif value < 0:
            add(make_issue("negative_weight", weight=name, value=value))
    ids = Counter(h.case_id for h in instance.households)
    for case_id, n in sorted(ids.items()):
        if n > 1:
            add(make_issue("duplicate_case_id", field="case_id", case_id=case_id))
    for h in instance.households:
        cid = h.case_id
        for band, v in zip(AGE_BANDS, h.age_bands, strict=True):
            if v < 0:
                add(make_issue("negative_age_band", field="age_" + band, case_id=cid, band=band))
        if h.size <= 0:
            add(make_issue("empty_household", field="size", case_id=cid))
        for r, v in sorted(h.needs.items()):
            if v < 0:
                add(make_issue("negative_need", field=f"need_{r}", case_id=cid, resource=r))
        for link in h.links:
            if link.other == cid:
                add(make_issue("link_self", field="links", case_id=cid))
            elif link.other not in ids:
                add(make_issue("link_unknown", field="links", case_id=cid, other=link.other))
        for ags in h.preferences:
            if ags not in known:
                add(make_issue("preference_unknown", field="preferences", case_id=cid, ags=ags))
        for ags, probs in sorted(h.outcomes.items()):
            if ags not in known:
                add(make_issue("outcome_unknown", field="outcomes", case_id=cid, ags=ags))
            if len(probs) > max(h.size, 0):
                add(
                    make_issue(
                        "outcome_too_many",
                        field="probabilities",
                        case_id=cid,
                        ags=ags,
                        count=len(probs),
                        size=h.size,
                    )
                )
            for p in probs:
                if not (math.isfinite(p) and 0.0 <= p <= 1.0):
                    add(
                        make_issue(
                            "outcome_out_of_range",
                            field="probabilities",
                            case_id=cid,
                            ags=ags,
                            value=p,
                        )
                    )
        if h.size > 0:
            for r, v in sorted(h.resource_needs().items()):
                if v > max_cap.get(r, 0):
                    add(
                        make_issue(
                            "need_exceeds_every_capacity",
                            field=_need_field(r),
                            case_id=cid,
                            resource=r,
                            need=v,
                            capacity=max_cap.get(r, 0),
                        )
                    )
    return issues


def _need_field(resource: str) -> str:
    """The households.csv column a user changes when a derived need is too large."""
    return {
        "housing": "size",
        "childcare": "age_0_2",
        "school": "age_6_17",
        "language_course": "age_18_64",
        "barrier_free_housing": "flags",
        "medical_care": "flags",
    }.get(resource, f"need_{resource}")
