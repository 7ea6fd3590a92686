"""Results of an allocation run, side by side (reads; admission.access checks the rights).

Everything here is computed from what a run stores — its input snapshot and the engine's result
(assignment, per-household explanations, per-member use) — so the figures are those of the
run as it was computed, not of today's pledges:

* the needs-based run beside the `quota` status quo on the *same households*: a stored quota
  run with the same input fingerprint if there is one, else the engine's quota method on the
  run's input snapshot with the run's seed (deterministic, cached per run);
* needs met (every need, hard needs, medical and barrier-free needs), deviation from the key,
  per state and per member;
* the key comparison: per member and state the persons each key would give, beside the run;
* one page of households with why this member (needs met, score parts, runner-up members);
* the state coordination's aggregates of approved placements under disclosure control.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.cache import cache
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hafennetz.admission.keys import KeyMember
from hafennetz.admission.models import (
    HARD_NEEDS,
    AllocationRun,
    Contingent,
    KeyKind,
    Offer,
    OverrideReason,
    Placement,
    Resource,
    RunMethod,
    RunStatus,
)
from hafennetz.admission.selectors import targets_by_key
from hafennetz.core.disclosure import ALL, Contribution, Contributors, protect
from hafennetz.core.models import State
from hafennetz.members.models import Member

logger = logging.getLogger(__name__)
MEDICAL_NEEDS = frozenset({Offer.DIALYSIS.value, Offer.TRAUMA_THERAPY.value})
BARRIER_FREE_NEEDS = frozenset({Offer.BARRIER_FREE.value})
HOUSEHOLDS_PER_PAGE = 50
MAX_PAGE = 10_000
QUOTA_CACHE_SECONDS = 24 * 3600


def need_categories() -> list[tuple[str, str, frozenset[str] | None]]:
    """(key, label, flags) of the need tallies; None: every need of a household."""
    return [
        ("all", _("All needs"), None),
        ("hard", _("Hard needs (barrier-free, dialysis, trauma therapy)"), frozenset(HARD_NEEDS)),
        ("medical", _("Medical needs (dialysis, trauma therapy)"), MEDICAL_NEEDS),
        ("barrier_free", _("Barrier-free housing"), BARRIER_FREE_NEEDS),
    ]


@lru_cache(maxsize=16)
def _labels(kind: str, language: str | None) -> dict[str, str]:
    """Translated labels of a choices class, once per language (pages label thousands)."""
    choices = {"offer": Offer.choices, "resource": Resource.choices}[kind]
    return {value: str(label) for value, label in choices}


def flag_label(flag: str) -> str:
    return _labels("offer", get_language()).get(flag, flag)


def resource_label(resource: str) -> str:
    return _labels("resource", get_language()).get(resource, resource)


def score_part_label(part: str) -> str:
    labels = {
        "need_fit": _("Need fit"),
        "preference": _("Preference"),
        "outcome": _("Expected outcome"),
    }
    return labels.get(part, part)


def _names(text: str, names: Mapping[str, str]) -> str:
    return ", ".join(names.get(a, a) for a in text.split(",") if a)


def reason_text(reason: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """A reason of the engine in the user's language (the engine's own text is English)."""
    code = str(reason.get("code", ""))
    p: Mapping[str, Any] = reason.get("params") or {}
    member = names.get(str(p.get("ags", "")), str(p.get("ags", "")))
    flags = ", ".join(flag_label(f) for f in str(p.get("flags", "")).split(",") if f)
    resource = resource_label(str(p.get("resource", "")))
    if code == "needs_met":
        if flags:
            return _("%(member)s offers %(flags)s") % {"member": member, "flags": flags}
        return _("%(member)s has free places") % {"member": member}
    if code == "hard_need_unmet":
        return _("%(member)s does not offer %(flag)s (the status-quo method ignores needs)") % {
            "member": member,
            "flag": flag_label(str(p.get("flag", ""))),
        }
    if code == "capacity_taken":
        return _("%(member)s has too few free places left (%(resource)s)") % {
            "member": member,
            "resource": resource,
        }
    if code == "overall_better":
        return _(
            "%(member)s would score %(difference).2f more for this household, but the overall "
            "allocation (other households, distribution key) is better"
        ) % {"member": member, "difference": float(p.get("difference", 0.0))}
    if code == "lower_score":
        return _("%(member)s scores %(difference).2f less") % {
            "member": member,
            "difference": float(p.get("difference", 0.0)),
        }
    if code == "linked_households":
        return _("must be placed together with %(others)s; their needs count jointly") % {
            "others": str(p.get("with", ""))
        }
    if code == "no_offer":
        return _("no member offers %(flags)s") % {"flags": flags}
    if code == "exceeds_every_capacity":
        return _("needs %(need)s places (%(resource)s), more than any member pledged") % {
            "need": p.get("need", ""),
            "resource": resource,
        }
    if code == "no_free_capacity":
        if flags:
            return _("no member offering %(flags)s has free places left (%(resource)s)") % {
                "flags": flags,
                "resource": resource,
            }
        return _("no member has enough free places left (%(resource)s)") % {"resource": resource}
    if code == "not_chosen":
        return _(
            "%(n)s members still have room, but placing it would lower the total score "
            "(distribution key) or the search ended first"
        ) % {"n": p.get("candidates", "")}
    if code == "method":
        return _("not placed by the status-quo method")
    if code == "pinned":
        return _("pinned by the coordination office (%(reason)s)") % {
            "reason": dict(OverrideReason.choices).get(
                str(p.get("reason", "")), p.get("reason", "")
            )
        }
    if code == "not_placed_in_batch":
        return _("no free places that fit in this batch")
    return str(reason.get("message") or code)


# --- one method's outcome on a snapshot --------------------------------------------------------


@dataclass
class Tally:
    met: int = 0
    total: int = 0

    @property
    def share(self) -> float | None:
        return self.met / self.total if self.total else None


@dataclass
class GroupOutcome:
    """Persons, households and need tallies of one member or state."""

    persons: int = 0
    households: int = 0
    target: float = 0.0
    needs: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))

    @property
    def deviation(self) -> float:
        return abs(self.persons - self.target)


@dataclass
class Outcome:
    placed_households: int
    placed_persons: int
    unplaced_households: int
    unplaced_persons: int
    needs: dict[str, Tally]
    members: dict[str, GroupOutcome]
    states: dict[str, GroupOutcome]

    @property
    def key_deviation(self) -> float:
        """Persons away from the key: half the sum of |placed - target| over members."""
        return sum(m.deviation for m in self.members.values()) / 2

    @property
    def state_key_deviation(self) -> float:
        return sum(s.deviation for s in self.states.values()) / 2


NEEDS = frozenset(Offer.values)


def run_households(run: AllocationRun) -> list[dict[str, Any]]:
    """The households of a run in the engine's form: those of its input snapshot and those the
    office pinned (they are not part of the engine's problem but of the run's overrides)."""
    return [*run.input_snapshot.get("households", []), *(e["household"] for e in _pins(run))]


def _pins(run: AllocationRun) -> list[dict[str, Any]]:
    overrides = run.overrides if isinstance(run.overrides, list) else []
    return [
        e
        for e in overrides
        if isinstance(e, dict) and e.get("kind") == "pin" and "household" in e and e.get("ags")
    ]


def outcome(
    snapshot: Mapping[str, Any],
    assignment: Mapping[str, str | None],
    shares: Mapping[str, float],
    households: Sequence[Mapping[str, Any]] | None = None,
) -> Outcome:
    """Tallies of an assignment of the households (default: the snapshot's). A need counts as
    met when the household is placed with a member that offers it; an unplaced household's
    needs are unmet. Only needs count (not the flags the platform adds for overrides).
    Targets: each member's share of the key times the persons this assignment placed."""
    munis = {m["ags"]: m for m in snapshot.get("municipalities", [])}
    offers = {ags: set(m.get("offers", [])) for ags, m in munis.items()}
    categories = need_categories()
    needs: dict[str, Tally] = defaultdict(Tally)
    members: dict[str, GroupOutcome] = {ags: GroupOutcome() for ags in munis}
    states: dict[str, GroupOutcome] = {}
    for m in munis.values():
        states.setdefault(str(m.get("state", "")), GroupOutcome())
    placed_h = placed_p = unplaced_h = unplaced_p = 0
    if households is None:
        households = snapshot.get("households", [])
    for h in households:
        size = sum(int(v) for v in h.get("age_bands", []))
        ags = assignment.get(h["case_id"])
        flags = set(h.get("flags", [])) & NEEDS
        group = members.get(ags) if ags else None
        state = states.get(str(munis[ags].get("state", ""))) if ags in munis else None
        if group is None:
            unplaced_h += 1
            unplaced_p += size
        else:
            placed_h += 1
            placed_p += size
            group.persons += size
            group.households += 1
            if state is not None:
                state.persons += size
                state.households += 1
        for key, _label, subset in categories:
            wanted = flags if subset is None else flags & subset
            if not wanted:
                continue
            met = len(wanted & offers.get(ags or "", set())) if group is not None else 0
            needs[key].met += met
            needs[key].total += len(wanted)
            for g in (group, state):
                if g is not None:
                    g.needs[key].met += met
                    g.needs[key].total += len(wanted)
    total_share = sum(v for v in shares.values() if v > 0)
    for ags, g in members.items():
        share = max(shares.get(ags, 0.0), 0.0) / total_share if total_share else 0.0
        g.target = share * placed_p
        state_id = str(munis[ags].get("state", ""))
        states[state_id].target += g.target
    return Outcome(placed_h, placed_p, unplaced_h, unplaced_p, needs, members, states)


def _assignment(result: Mapping[str, Any]) -> dict[str, str | None]:
    return {str(c): (None if a is None else str(a)) for c, a in result.get("assignment", [])}


def _quota_assignment(
    run: AllocationRun,
) -> tuple[dict[str, str | None], str, int | None] | None:
    """The status quo on the run's households: (assignment, source text, stored run id), or
    None if the run's stored input cannot be read."""
    stored = (
        AllocationRun.objects.filter(
            contingent_id=run.contingent_id,
            method=RunMethod.QUOTA,
            status=RunStatus.SUCCEEDED,
            input_fingerprint=run.input_fingerprint,
        )
        .exclude(pk=run.pk)
        .exclude(input_fingerprint="")
        .order_by("-pk")
        .only("pk", "result")
        .first()
    )
    if stored is not None:
        return _assignment(stored.result), "stored", stored.pk
    from hafennetz.engines.allocation.engine import allocate
    from hafennetz.engines.allocation.model import Method
    from hafennetz.engines.allocation.serialize import instance_from_dict

    key = f"admission:quota:{run.pk}:{run.updated_at.isoformat()}"
    cached = cache.get(key)
    if cached is None:
        try:
            instance = instance_from_dict(run.input_snapshot)
        except (KeyError, TypeError, ValueError):
            # An input stored in another form (an older platform version): no status quo.
            logger.warning("run %s: input snapshot unreadable, no quota comparison", run.pk)
            return None
        result = allocate(instance, method=Method.QUOTA, seed=run.seed, explanations=False)
        cached = {"assignment": dict(result.assignment), "engine": result.engine_version}
        cache.set(key, cached, QUOTA_CACHE_SECONDS)
    return dict(cached["assignment"]), str(cached["engine"]), None


@dataclass(frozen=True)
class RunKeys:
    """Persons per member AGS by every key that could be computed for the run's members (those
    of its input: the members and pledges as they were when it ran)."""

    kinds: list[tuple[str, str]]  # (key, label)
    targets: dict[str, dict[str, int]]  # key -> AGS -> persons
    pledged: dict[str, int]  # AGS -> persons pledged (housing capacity in the input)
    not_computed: list[str]


def run_keys(run: AllocationRun, members: Mapping[str, Member]) -> RunKeys:
    contingent = run.contingent
    munis = run.input_snapshot.get("municipalities", [])
    pledged = {m["ags"]: int(m.get("capacities", {}).get(Resource.HOUSING.value, 0)) for m in munis}
    key_members = [
        KeyMember(
            ags=m["ags"],
            state=str(m.get("state", "")),
            population=int(m.get("population") or 0),
            area_km2=(float(members[m["ags"]].territory.area_km2) if m["ags"] in members else 0.0),
            pledged_persons=pledged[m["ags"]],
        )
        for m in munis
    ]
    kinds, per_kind, not_computed = targets_by_key(contingent, key_members)
    return RunKeys(kinds, per_kind, pledged, not_computed)


def run_shares(run: AllocationRun, keys: RunKeys) -> tuple[dict[str, float], str]:
    """The key shares the comparison measures against: the shares the run was steered by (its
    snapshot), else the contingent's key, else population. Returns (shares, key label)."""
    munis = run.input_snapshot.get("municipalities", [])
    steered = {m["ags"]: float(m["target_share"]) for m in munis if m.get("target_share")}
    key_label = str(KeyKind(run.contingent.key).label)
    if steered:
        return steered, key_label
    by_key = keys.targets.get(run.contingent.key, {})
    if any(by_key.values()):
        return {ags: float(v) for ags, v in by_key.items()}, key_label
    return {m["ags"]: float(m.get("population") or 0) for m in munis}, str(KeyKind.POPULATION.label)


# --- the results page -----------------------------------------------------------------------


@dataclass(frozen=True)
class NeedRow:
    label: str
    run: Tally
    quota: Tally


@dataclass(frozen=True)
class GroupRow:
    key: str  # AGS or state key
    name: str
    run: GroupOutcome
    quota: GroupOutcome | None
    pledged: int = 0
    usage: list[tuple[str, int, int]] = field(default_factory=list)  # (label, used, pledged)


@dataclass(frozen=True)
class KeyRow:
    name: str
    state: str
    pledged: int
    targets: list[int]
    run: int
    quota: int | None


@dataclass(frozen=True)
class Results:
    run: AllocationRun
    run_outcome: Outcome
    quota_outcome: Outcome | None
    quota_source: str  # "stored", or the engine version that computed it now
    quota_run_id: int | None
    key_label: str
    needs: list[NeedRow]
    states: list[GroupRow]
    members: list[GroupRow]
    resources: list[str]  # labels of the usage columns
    key_kinds: list[str]  # labels of the key comparison's columns
    key_rows: list[KeyRow]
    key_states: list[KeyRow]
    keys_not_computed: list[str]
    unplaced: list[dict[str, Any]]  # case_id, persons, reasons
    anonymised: int
    names: dict[str, str]
    chart: dict[str, Any]
    map_points: list[dict[str, Any]]
    score: dict[str, float]

    @property
    def is_quota(self) -> bool:
        return self.run.method == RunMethod.QUOTA


def member_names(run: AllocationRun) -> dict[str, str]:
    """AGS -> name of the members in the run's input."""
    return {
        m["ags"]: str(m.get("name") or m["ags"])
        for m in run.input_snapshot.get("municipalities", [])
    }


def results_version(run: AllocationRun) -> str:
    """What the cached results of a run depend on besides the run itself: the newest quota run
    of its contingent (a stored status quo is preferred to one computed on the fly)."""
    newest = (
        AllocationRun.objects.filter(contingent_id=run.contingent_id, method=RunMethod.QUOTA)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return str(newest or 0)


def members_by_ags(ags: Iterable[str]) -> dict[str, Member]:
    codes = list(set(ags))
    found = Member.objects.filter(
        Q(municipality_id__in=codes) | Q(district_id__in=codes)
    ).select_related("state", "municipality", "district")
    return {m.ags: m for m in found}


def _pct(t: Tally) -> float | None:
    return None if t.share is None else round(100 * t.share, 1)


def results(run: AllocationRun) -> Results | None:
    """Everything the results page shows except the page of households; None before the run
    has a result."""
    if not run.result:
        return None
    snapshot = run.input_snapshot
    result = run.result
    munis = snapshot.get("municipalities", [])
    names = {m["ags"]: str(m.get("name") or m["ags"]) for m in munis}
    found = members_by_ags(names)
    keys = run_keys(run, found)
    shares, key_label = run_shares(run, keys)
    households = run_households(run)
    run_out = outcome(snapshot, _assignment(result), shares, households)
    quota_out: Outcome | None = None
    source, quota_id = "", None
    quota = _quota_assignment(run) if run.method != RunMethod.QUOTA and households else None
    if quota is not None:
        quota_assignment, source, quota_id = quota
        # Pinned households stay where the office pinned them in the status quo as well.
        quota_assignment |= {e["case_id"]: e["ags"] for e in _pins(run)}
        quota_out = outcome(snapshot, quota_assignment, shares, households)
    need_rows = [
        NeedRow(
            label,
            run_out.needs.get(key, Tally()),
            quota_out.needs.get(key, Tally()) if quota_out else Tally(),
        )
        for key, label, _flags in need_categories()
    ]
    state_names = dict(State.objects.values_list("ags", "name"))
    state_rows = [
        GroupRow(
            key=sid,
            name=state_names.get(sid, sid),
            run=g,
            quota=quota_out.states.get(sid) if quota_out else None,
        )
        for sid, g in sorted(run_out.states.items(), key=lambda kv: state_names.get(kv[0], kv[0]))
    ]
    usage = {m["ags"]: m.get("usage", []) for m in result.get("municipalities", [])}
    resources = [r for r in Resource.values if any(r == u[0] for us in usage.values() for u in us)]
    member_rows = []
    for m in munis:
        ags = m["ags"]
        by_resource = {u[0]: (int(u[1]), int(u[2])) for u in usage.get(ags, [])}
        capacities = m.get("capacities", {})
        member_rows.append(
            GroupRow(
                key=ags,
                name=names[ags],
                run=run_out.members[ags],
                quota=quota_out.members.get(ags) if quota_out else None,
                pledged=int(capacities.get(Resource.HOUSING.value, 0)),
                usage=[
                    (
                        resource_label(r),
                        by_resource.get(r, (0, 0))[0],
                        by_resource.get(r, (0, int(capacities.get(r, 0))))[1],
                    )
                    for r in resources
                ],
            )
        )
    member_rows.sort(key=lambda r: (-r.run.persons, r.name))
    state_of = {m["ags"]: state_names.get(str(m.get("state", "")), "") for m in munis}
    key_rows = [
        KeyRow(
            name=names[ags],
            state=state_of[ags],
            pledged=keys.pledged.get(ags, 0),
            targets=[keys.targets[k].get(ags, 0) for k, _label in keys.kinds],
            run=run_out.members[ags].persons,
            quota=quota_out.members[ags].persons if quota_out else None,
        )
        for ags in sorted(names, key=lambda a: (state_of[a], names[a]))
    ]
    key_states = []
    for row in state_rows:
        in_state = [r for r in key_rows if r.state == row.name]
        key_states.append(
            KeyRow(
                name=row.name,
                state=row.name,
                pledged=sum(r.pledged for r in in_state),
                targets=[sum(r.targets[i] for r in in_state) for i in range(len(keys.kinds))],
                run=row.run.persons,
                quota=row.quota.persons if row.quota else None,
            )
        )
    sizes = {h["case_id"]: sum(int(v) for v in h.get("age_bands", [])) for h in households}
    unplaced = [
        {
            "case_id": h["case_id"],
            "persons": sizes.get(h["case_id"], 0),
            "reasons": [reason_text(r, names) for r in h.get("reasons", [])],
        }
        for h in result.get("households", [])
        if not h.get("ags")
    ]
    chart = {
        "labels": {
            "run": _("This run (%(method)s)") % {"method": RunMethod(run.method).label},
            "quota": _("Quota (status quo)"),
            "target": _("Target by the key (%(key)s)") % {"key": key_label},
            "needs": _("Needs met (%)"),
            "persons": _("Persons"),
        },
        "needs": {
            "labels": [r.label for r in need_rows],
            "run": [_pct(r.run) for r in need_rows],
            "quota": [_pct(r.quota) for r in need_rows] if quota_out else [],
        },
        "states": {
            "labels": [r.name for r in state_rows],
            "run": [r.run.persons for r in state_rows],
            "quota": [r.quota.persons if r.quota else 0 for r in state_rows] if quota_out else [],
            "target": [round(r.run.target, 1) for r in state_rows],
        },
    }
    map_points = []
    for row in member_rows:
        member = found.get(row.key)
        if member is None or (row.run.persons == 0 and not (row.quota and row.quota.persons)):
            continue
        lat, lon = member.coordinates
        map_points.append(
            {
                "name": row.name,
                "lat": round(float(lat), 4),
                "lon": round(float(lon), 4),
                "persons": row.run.persons,
                "households": row.run.households,
                "quota": row.quota.persons if row.quota else None,
            }
        )
    return Results(
        run=run,
        run_outcome=run_out,
        quota_outcome=quota_out,
        quota_source=source,
        quota_run_id=quota_id,
        key_label=key_label,
        needs=need_rows,
        states=state_rows,
        members=member_rows,
        resources=[resource_label(r) for r in resources],
        key_kinds=[label for _k, label in keys.kinds],
        key_rows=key_rows,
        key_states=key_states,
        keys_not_computed=keys.not_computed,
        unplaced=unplaced,
        anonymised=int(result.get("anonymised", {}).get("households", 0)),
        names=names,
        chart=chart,
        map_points=map_points,
        score={k: float(v) for k, v in result.get("score", {}).items()},
    )


# --- households: why this member ---------------------------------------------------------------


@dataclass(frozen=True)
class Alternative:
    name: str
    score: float
    note: str


@dataclass(frozen=True)
class HouseholdRow:
    case_id: str
    persons: int
    age_bands: list[int]
    member: str | None  # name of the receiving member; None: not placed
    ags: str | None
    needs: list[str]
    needs_met: list[str]
    needs_unmet: list[str]
    score_parts: list[tuple[str, float]]
    score: float
    alternatives: list[Alternative]
    reasons: list[str]
    quota_member: str | None = None


@dataclass(frozen=True)
class HouseholdPage:
    rows: list[HouseholdRow]
    number: int
    pages: int
    total: int
    show: str  # all, placed, unplaced


def household_rows(
    run: AllocationRun,
    *,
    members: Sequence[str] | None = None,
    show: str = "all",
    query: str = "",
    names: Mapping[str, str] | None = None,
) -> list[HouseholdRow]:
    """The run's households with the engine's explanation, filtered: only those placed with
    one of `members` (AGS), only placed/unplaced, case numbers containing `query`."""
    return explain(run, _explanations(run, members=members, show=show, query=query), names)


def _explanations(
    run: AllocationRun,
    *,
    members: Sequence[str] | None = None,
    show: str = "all",
    query: str = "",
) -> list[Mapping[str, Any]]:
    wanted = set(members) if members is not None else None
    query = query.strip().casefold()
    found = []
    for e in run.result.get("households", []):
        ags = e.get("ags")
        if wanted is not None and ags not in wanted:
            continue
        if (show == "placed" and not ags) or (show == "unplaced" and ags):
            continue
        if query and query not in str(e["case_id"]).casefold():
            continue
        found.append(e)
    return found


def explain(
    run: AllocationRun,
    explanations: Iterable[Mapping[str, Any]],
    names: Mapping[str, str] | None = None,
) -> list[HouseholdRow]:
    """Rows for the engine's explanations of some of the run's households."""
    snapshot = run.input_snapshot
    names = names or {m["ags"]: str(m.get("name") or m["ags"]) for m in snapshot["municipalities"]}
    by_case = {h["case_id"]: h for h in run_households(run)}
    rows = []
    for e in explanations:
        ags = e.get("ags")
        case = str(e["case_id"])
        h = by_case.get(case, {})
        values = {k: float(v) for k, v in e.get("score_parts", {}).items()}
        parts = [(score_part_label(k), v) for k, v in values.items() if v]
        rows.append(
            HouseholdRow(
                case_id=case,
                persons=sum(int(v) for v in h.get("age_bands", [])),
                age_bands=[int(v) for v in h.get("age_bands", [])],
                member=names.get(ags, ags) if ags else None,
                ags=ags,
                needs=[flag_label(f) for f in h.get("flags", []) if f in NEEDS],
                needs_met=[flag_label(f) for f in e.get("flags_met", []) if f in NEEDS],
                needs_unmet=[flag_label(f) for f in e.get("flags_unmet", []) if f in NEEDS],
                score_parts=parts,
                score=sum(values.values()),
                alternatives=[
                    Alternative(
                        names.get(a["ags"], a["ags"]),
                        float(a.get("score", 0.0)),
                        reason_text(a.get("note", {}), names),
                    )
                    for a in e.get("alternatives", [])
                ],
                reasons=[reason_text(r, names) for r in e.get("reasons", [])],
            )
        )
    return rows


def household_page(
    run: AllocationRun,
    *,
    page: int = 1,
    show: str = "all",
    query: str = "",
    member: str = "",
    names: Mapping[str, str] | None = None,
) -> HouseholdPage:
    found = _explanations(run, show=show, query=query[:40], members=[member] if member else None)
    pages = max(1, math.ceil(len(found) / HOUSEHOLDS_PER_PAGE))
    number = min(max(page, 1), pages)
    start = (number - 1) * HOUSEHOLDS_PER_PAGE
    return HouseholdPage(
        rows=explain(run, found[start : start + HOUSEHOLDS_PER_PAGE], names),
        number=number,
        pages=pages,
        total=len(found),
        show=show,
    )


# --- a member's extract (its own households, after approval) -----------------------------------


@dataclass(frozen=True)
class Extract:
    run: AllocationRun
    member: Member
    rows: list[HouseholdRow]
    persons: int
    usage: list[tuple[str, int, int]]


def member_extract(run: AllocationRun, member: Member) -> Extract:
    """The member's own households of an approved run, with why they were placed there; the
    placements of the run decide (the engine's result only explains)."""
    placed = set(
        Placement.objects.filter(run=run, member=member).values_list(
            "household__case_id", flat=True
        )
    )
    rows = [r for r in household_rows(run, members=[member.ags]) if r.case_id in placed]
    usage: list[Any] = []
    for m in run.result.get("municipalities", []):
        if m["ags"] == member.ags:
            usage = list(m.get("usage", []))
    return Extract(
        run=run,
        member=member,
        rows=rows,
        persons=sum(r.persons for r in rows),
        usage=[(resource_label(str(r)), int(u), int(c)) for r, u, c in usage],
    )


# --- the state coordination's aggregates ---------------------------------------------------------


@dataclass(frozen=True)
class StateMemberRow:
    name: str
    persons: int | None  # None: hidden by disclosure control
    households: int | None


@dataclass(frozen=True)
class StateContingent:
    contingent: Contingent
    rows: list[StateMemberRow]
    persons: int | None
    households: int | None
    needs: list[tuple[str, int | None, int]]  # (label, met or None if hidden, total)
    hidden: int


def state_aggregates(state: str) -> list[StateContingent]:
    """Per contingent with approved runs: persons and households placed with each member of
    the state, under the disclosure control of the transparency page (households are the
    contributors; a receiving member knows its own row), and needs met as state totals (hidden
    below 3 needs)."""
    placements = list(
        Placement.objects.filter(run__approved_at__isnull=False, member__state_id=state)
        .select_related("member__municipality", "member__district", "household")
        .annotate(contingent_id=F("run__contingent_id"))
        .order_by("run__contingent_id", "member_id")
    )
    by_contingent: dict[int, list[Any]] = defaultdict(list)
    for p in placements:
        by_contingent[p.contingent_id].append(p)
    contingents = {c.pk: c for c in Contingent.objects.filter(pk__in=list(by_contingent))}
    runs = AllocationRun.objects.filter(
        contingent_id__in=list(by_contingent), approved_at__isnull=False
    ).only("pk", "contingent_id", "input_snapshot", "overrides")
    flags: dict[tuple[int, str], list[str]] = {}
    offers: dict[tuple[int, str], set[str]] = {}
    for run in runs:
        for h in run_households(run):
            flags[(run.pk, h["case_id"])] = list(h.get("flags", []))
        for m in run.input_snapshot.get("municipalities", []):
            offers[(run.pk, m["ags"])] = set(m.get("offers", []))
    out = []
    for contingent_id, items in by_contingent.items():
        contingent = contingents[contingent_id]
        member_ids = sorted({p.member_id for p in items})
        members = {p.member_id: p.member for p in items}
        cells = {
            (mid, "persons"): Contribution(
                everyone=Contributors.of(p.persons for p in items if p.member_id == mid),
                private=Contributors.of(p.persons for p in items if p.member_id == mid),
            )
            for mid in member_ids
        }
        hidden = protect(cells, member_ids, ["persons"], rows_known_to_insiders=True)

        def shown(mid: int | str, hidden: frozenset[Any] = hidden) -> bool:
            return (mid, "persons") not in hidden and (mid, ALL) not in hidden

        rows = [
            StateMemberRow(
                name=members[mid].name,
                persons=sum(p.persons for p in items if p.member_id == mid) if shown(mid) else None,
                households=sum(1 for p in items if p.member_id == mid) if shown(mid) else None,
            )
            for mid in member_ids
        ]
        tallies: dict[str, Tally] = defaultdict(Tally)
        for p in items:
            wanted_all = set(flags.get((p.run_id, p.household.case_id), [])) & NEEDS
            offered = offers.get((p.run_id, p.member.ags), set())
            for key, _label, subset in need_categories():
                wanted = wanted_all if subset is None else wanted_all & subset
                tallies[key].met += len(wanted & offered)
                tallies[key].total += len(wanted)
        needs = [
            (label, tallies[key].met if tallies[key].total >= 3 else None, tallies[key].total)
            for key, label, _subset in need_categories()
        ]
        total_shown = shown(ALL)
        out.append(
            StateContingent(
                contingent=contingent,
                rows=sorted(rows, key=lambda r: r.name),
                persons=sum(p.persons for p in items) if total_shown else None,
                households=len(items) if total_shown else None,
                needs=needs,
                hidden=sum(1 for r in rows if r.persons is None),
            )
        )
    return sorted(out, key=lambda s: (-s.contingent.period_start.toordinal(), s.contingent.name))
