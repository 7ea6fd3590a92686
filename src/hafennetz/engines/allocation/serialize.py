"""Plain-data forms of instances and results: stored by the platform, shown later, hashed.

`fingerprint(instance)` is the sha256 of the canonical JSON of the instance (sorted keys, lists
in input order, floats as Python writes them): the same input gives the same fingerprint on
every machine, and any change of a household, municipality, weight or key changes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, cast

from .control import Status
from .model import (
    Aggregation,
    AllocationResult,
    Alternative,
    DistributionKey,
    Household,
    HouseholdExplanation,
    Instance,
    Link,
    LinkKind,
    Method,
    Municipality,
    MunicipalityExplanation,
    Reason,
    ResourceUse,
    ScoreBreakdown,
    ScoreWeights,
)

JsonDict = dict[str, Any]


def instance_to_dict(instance: Instance) -> JsonDict:
    w = instance.weights
    return {
        "households": [
            {
                "case_id": h.case_id,
                "age_bands": list(h.age_bands),
                "flags": sorted(h.flags),
                "needs": {k: h.needs[k] for k in sorted(h.needs)},
                "links": [{"other": lk.other, "kind": lk.kind.value} for lk in h.links],
                "preferences": list(h.preferences),
                "outcomes": {k: list(h.outcomes[k]) for k in sorted(h.outcomes)},
            }
            for h in instance.households
        ],
        "municipalities": [
            {
                "ags": m.ags,
                "name": m.name,
                "state": m.state,
                "district": m.district,
                "population": m.population,
                "capacities": {k: m.capacities[k] for k in sorted(m.capacities)},
                "offers": sorted(m.offers),
                "target_share": m.target_share,
            }
            for m in instance.municipalities
        ],
        "weights": {
            "need_fit": w.need_fit,
            "preference": w.preference,
            "outcome": w.outcome,
            "outcome_aggregation": w.outcome_aggregation.value,
            "same_district_link": w.same_district_link,
            "unplaced_per_person": w.unplaced_per_person,
            "key_deviation_per_person": w.key_deviation_per_person,
        },
        "key": instance.key.value,
        "state_key_shares": {
            k: instance.state_key_shares[k] for k in sorted(instance.state_key_shares)
        },
        "hard_flags": sorted(instance.hard_flags),
    }


def instance_from_dict(data: Mapping[str, Any]) -> Instance:
    w = data["weights"]
    households = tuple(
        Household(
            case_id=str(h["case_id"]),
            age_bands=cast(tuple[int, int, int, int, int], tuple(int(v) for v in h["age_bands"])),
            flags=frozenset(h.get("flags", ())),
            needs={str(k): int(v) for k, v in h.get("needs", {}).items()},
            links=tuple(Link(str(lk["other"]), LinkKind(lk["kind"])) for lk in h.get("links", ())),
            preferences=tuple(h.get("preferences", ())),
            outcomes={str(k): tuple(float(x) for x in v) for k, v in h.get("outcomes", {}).items()},
        )
        for h in data["households"]
    )
    munis = tuple(
        Municipality(
            ags=str(m["ags"]),
            name=str(m.get("name", "")),
            state=str(m.get("state", "")),
            district=str(m.get("district", "")),
            population=int(m.get("population", 0)),
            capacities={str(k): int(v) for k, v in m.get("capacities", {}).items()},
            offers=frozenset(m.get("offers", ())),
            target_share=None if m.get("target_share") is None else float(m["target_share"]),
        )
        for m in data["municipalities"]
    )
    weights = ScoreWeights(
        need_fit=float(w["need_fit"]),
        preference=float(w["preference"]),
        outcome=float(w["outcome"]),
        outcome_aggregation=Aggregation(w["outcome_aggregation"]),
        same_district_link=float(w["same_district_link"]),
        unplaced_per_person=float(w["unplaced_per_person"]),
        key_deviation_per_person=float(w["key_deviation_per_person"]),
    )
    return Instance(
        households=households,
        municipalities=munis,
        weights=weights,
        key=DistributionKey(data["key"]),
        state_key_shares={str(k): float(v) for k, v in data.get("state_key_shares", {}).items()},
        hard_flags=frozenset(data.get("hard_flags", ())),
    )


def canonical_json(data: object) -> str:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def fingerprint(instance: Instance) -> str:
    """sha256 (hex) of the canonical JSON of the instance."""
    return hashlib.sha256(canonical_json(instance_to_dict(instance)).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------- results


def _reason(r: Reason) -> JsonDict:
    return {"code": r.code, "params": dict(r.params), "message": r.message}


def _reason_from(d: Mapping[str, Any]) -> Reason:
    return Reason(str(d["code"]), dict(d.get("params", {})), str(d.get("message", "")))


def score_to_dict(s: ScoreBreakdown) -> JsonDict:
    return {
        "need_fit": s.need_fit,
        "preference": s.preference,
        "outcome": s.outcome,
        "link": s.link,
        "unplaced_penalty": s.unplaced_penalty,
        "key_penalty": s.key_penalty,
        "total": s.total,
    }


def score_from_dict(s: Mapping[str, Any]) -> ScoreBreakdown:
    return ScoreBreakdown(
        need_fit=float(s["need_fit"]),
        preference=float(s["preference"]),
        outcome=float(s["outcome"]),
        link=float(s["link"]),
        unplaced_penalty=float(s["unplaced_penalty"]),
        key_penalty=float(s["key_penalty"]),
    )


def result_to_dict(result: AllocationResult, *, timing: bool = True) -> JsonDict:
    """Plain JSON-ready data; `timing=False` leaves out the run time (byte-identical files)."""
    out: JsonDict = {
        "engine_version": result.engine_version,
        "input_fingerprint": result.input_fingerprint,
        "method": result.method.value,
        "seed": result.seed,
        "budget": dict(result.budget),
        "limits": dict(result.limits),
        "status": result.status.value,
        "stopped_by": result.stopped_by,
        "reproducible": result.reproducible,
        "score": score_to_dict(result.score),
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "assignment": [[c, a] for c, a in result.assignment.items()],
        "notes": list(result.notes),
        "households": [
            {
                "case_id": e.case_id,
                "ags": e.ags,
                "flags_met": list(e.flags_met),
                "flags_unmet": list(e.flags_unmet),
                "score_parts": dict(e.score_parts),
                "alternatives": [
                    {"ags": a.ags, "score": a.score, "note": _reason(a.note)}
                    for a in e.alternatives
                ],
                "reasons": [_reason(r) for r in e.reasons],
            }
            for e in result.households
        ],
        "municipalities": [
            {
                "ags": e.ags,
                "households": e.households,
                "persons": e.persons,
                "target_persons": e.target_persons,
                "usage": [[u.resource, u.used, u.capacity] for u in e.usage],
            }
            for e in result.municipalities
        ],
    }
    if timing:
        out["runtime_s"] = result.runtime_s
        out["used"] = dict(result.used)
    return out


def result_from_dict(data: Mapping[str, Any]) -> AllocationResult:
    return AllocationResult(
        method=Method(data["method"]),
        seed=int(data["seed"]),
        assignment={str(c): (None if a is None else str(a)) for c, a in data["assignment"]},
        score=score_from_dict(data["score"]),
        bound=None if data.get("bound") is None else float(data["bound"]),
        gap=None if data.get("gap") is None else float(data["gap"]),
        status=Status(data["status"]),
        runtime_s=float(data.get("runtime_s", 0.0)),
        objective=None if data.get("objective") is None else float(data["objective"]),
        households=tuple(
            HouseholdExplanation(
                case_id=str(e["case_id"]),
                ags=None if e.get("ags") is None else str(e["ags"]),
                flags_met=tuple(e.get("flags_met", ())),
                flags_unmet=tuple(e.get("flags_unmet", ())),
                score_parts={str(k): float(v) for k, v in e.get("score_parts", {}).items()},
                alternatives=tuple(
                    Alternative(str(a["ags"]), float(a["score"]), _reason_from(a["note"]))
                    for a in e.get("alternatives", ())
                ),
                reasons=tuple(_reason_from(r) for r in e.get("reasons", ())),
            )
            for e in data.get("households", ())
        ),
        municipalities=tuple(
            MunicipalityExplanation(
                ags=str(e["ags"]),
                households=int(e["households"]),
                persons=int(e["persons"]),
                target_persons=None
                if e.get("target_persons") is None
                else float(e["target_persons"]),
                usage=tuple(ResourceUse(str(r), int(u), int(c)) for r, u, c in e.get("usage", ())),
            )
            for e in data.get("municipalities", ())
        ),
        notes=tuple(str(n) for n in data.get("notes", ())),
        engine_version=str(data.get("engine_version", "")),
        input_fingerprint=str(data.get("input_fingerprint", "")),
        budget=dict(data.get("budget", {})),
        limits={str(k): int(v) for k, v in data.get("limits", {}).items()},
        used={str(k): int(v) for k, v in data.get("used", {}).items()},
        stopped_by=data.get("stopped_by"),
    )
