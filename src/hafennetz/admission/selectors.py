"""Reads of the admission module. No rights are checked here: admission.access does that."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from hafennetz.admission.keys import KeyMember, targets, whole_persons
from hafennetz.admission.models import (
    HARD_NEEDS,
    AllocationRun,
    Contingent,
    Household,
    KeyKind,
    KeyTable,
    Override,
    OverrideReason,
    Placement,
    PlacementStatus,
    Pledge,
    PledgeStatus,
    Resource,
    RunMethod,
    RunStatus,
)
from hafennetz.core.disclosure import ALL, Contribution, Contributors, protect, table_keys
from hafennetz.core.models import AuditEntry
from hafennetz.members.models import Member, SizeClass

ACTIVE = (PledgeStatus.OFFERED, PledgeStatus.ACCEPTED)


def pledges_of(member: Member) -> QuerySet[Pledge]:
    return Pledge.objects.filter(member=member).select_related("contact")


def pledge_history(pledge: Pledge) -> QuerySet[AuditEntry]:
    """The pledge's changes as the audit log holds them (who, when, before → after)."""
    return AuditEntry.objects.filter(object_type="admission.pledge", object_id=str(pledge.pk))


def current_pledges(day: dt.date | None = None) -> QuerySet[Pledge]:
    day = day or timezone.localdate()
    return Pledge.objects.filter(status__in=ACTIVE, valid_from__lte=day, valid_until__gte=day)


@dataclass(frozen=True)
class PledgedPlaces:
    """What a member (or the alliance) offers today, summed over its current pledges."""

    places: dict[str, int]
    pledges: int

    @property
    def persons(self) -> int:
        return self.places.get(Resource.HOUSING.value, 0)


def pledged_places(member: Member | None = None, day: dt.date | None = None) -> PledgedPlaces:
    pledges = current_pledges(day)
    if member is not None:
        pledges = pledges.filter(member=member)
    sums = pledges.aggregate(
        **{r.value: Sum(f"places_{r.value}") for r in Resource},
    )
    return PledgedPlaces(places={k: int(v or 0) for k, v in sums.items()}, pledges=pledges.count())


def pledged_persons_by_member(day: dt.date | None = None) -> dict[int, int]:
    """Persons pledged today per member id (the public map shows them: a member's own offer)."""
    rows = (
        current_pledges(day).values("member_id").annotate(persons=Sum("places_housing")).order_by()
    )
    return {r["member_id"]: int(r["persons"] or 0) for r in rows}


def pledged_places_by_ags(day: dt.date | None = None) -> dict[str, dict[str, int]]:
    """Places pledged today per member AGS and resource (public: the map and its table show a
    member's own offer as aggregates, never household data)."""
    rows = (
        current_pledges(day)
        .values("member__municipality_id", "member__district_id")
        .annotate(**{r.value: Sum(f"places_{r.value}") for r in Resource})
        .order_by()
    )
    return {
        str(row["member__municipality_id"] or row["member__district_id"]): {
            r.value: int(row[r.value] or 0) for r in Resource
        }
        for row in rows
    }


def pledge_overview(day: dt.date | None = None) -> QuerySet[Member]:
    """Members with their persons pledged today, for the office's overview."""
    day = day or timezone.localdate()
    return (
        Member.objects.filter(
            pledges__status__in=ACTIVE,
            pledges__valid_from__lte=day,
            pledges__valid_until__gte=day,
        )
        .annotate(pledged_persons=Sum("pledges__places_housing"))
        .select_related("state")
        .order_by("state_id", "name")
    )


# --- contingents -------------------------------------------------------------------------------


def contingents() -> QuerySet[Contingent]:
    return Contingent.objects.select_related("key_table").annotate(n_eligible=Count("eligible"))


def key_tables() -> QuerySet[KeyTable]:
    return KeyTable.objects.all()


def contingent_members(contingent: Contingent) -> list[Member]:
    """The members a contingent is distributed among: those named, or else every member with a
    current pledge overlapping the contingent's period."""
    members = Member.objects.select_related("state", "municipality", "district")
    named = members.filter(contingents=contingent)
    if named.exists():
        return list(named.order_by("state_id", "name"))
    return list(
        members.filter(pk__in=_pledges_in_period(contingent).values("member_id")).order_by(
            "state_id", "name"
        )
    )


def _pledges_in_period(contingent: Contingent) -> QuerySet[Pledge]:
    return Pledge.objects.filter(
        status__in=ACTIVE,
        valid_from__lte=contingent.period_end,
        valid_until__gte=contingent.period_start,
    )


@dataclass(frozen=True)
class KeyRow:
    member: Member
    pledged: int
    targets: list[int]  # in the order of KeyComparison.kinds


@dataclass(frozen=True)
class StateRow:
    state: str
    pledged: int
    targets: list[int]  # in the order of KeyComparison.kinds


def targets_by_key(
    contingent: Contingent, key_members: list[KeyMember]
) -> tuple[list[tuple[str, str]], dict[str, dict[str, int]], list[str]]:
    """The whole persons each distribution key gives each of `key_members`: the (key, label)
    pairs that could be computed, key -> AGS -> persons, and the labels of keys without data
    (no key table, no explicit shares)."""
    kinds: list[tuple[str, str]] = []
    not_computed: list[str] = []
    per_kind: dict[str, dict[str, int]] = {}
    for kind in KeyKind:
        state_shares = None
        if kind == KeyKind.KOENIGSTEINER:
            if contingent.key_table is None:
                not_computed.append(str(kind.label))
                continue
            state_shares = {k: float(v) for k, v in contingent.key_table.shares.items()}
        if kind == KeyKind.EXPLICIT and not contingent.explicit_shares:
            not_computed.append(str(kind.label))
            continue
        shares = targets(
            kind,
            key_members,
            contingent.persons,
            state_shares=state_shares,
            explicit=contingent.explicit_shares,
        )
        per_kind[kind.value] = whole_persons(shares, contingent.persons)
        kinds.append((kind.value, str(kind.label)))
    return kinds, per_kind, not_computed


@dataclass(frozen=True)
class KeyComparison:
    kinds: list[tuple[str, str]]  # (key, label) of the keys that could be computed
    rows: list[KeyRow]
    states: list[StateRow]
    not_computed: list[str]  # labels of keys without data (no table, no explicit shares)


def key_comparison(contingent: Contingent) -> KeyComparison:
    """For each member and state: the persons each key would give it, beside its pledges."""
    members = contingent_members(contingent)
    pledged = dict(
        _pledges_in_period(contingent)
        .filter(member__in=members)
        .values("member_id")
        .annotate(persons=Sum("places_housing"))
        .values_list("member_id", "persons")
    )
    key_members = [
        KeyMember(
            ags=m.ags,
            state=m.state_id,
            population=m.population,
            area_km2=float(m.territory.area_km2),
            pledged_persons=int(pledged.get(m.pk) or 0),
        )
        for m in members
    ]
    kinds, per_kind, not_computed = targets_by_key(contingent, key_members)
    rows = [
        KeyRow(
            member=m,
            pledged=km.pledged_persons,
            targets=[per_kind[k].get(m.ags, 0) for k in per_kind],
        )
        for m, km in zip(members, key_members, strict=True)
    ]
    states: dict[str, StateRow] = {}
    for row in rows:
        name = row.member.state.name
        current = states.get(name) or StateRow(name, 0, [0] * len(per_kind))
        states[name] = StateRow(
            name,
            current.pledged + row.pledged,
            [a + b for a, b in zip(current.targets, row.targets, strict=True)],
        )
    return KeyComparison(
        kinds=kinds,
        rows=rows,
        states=sorted(states.values(), key=lambda s: s.state),
        not_computed=not_computed,
    )


def households_of(contingent: Contingent) -> QuerySet[Household]:
    return Household.objects.filter(contingent=contingent, anonymised_at__isnull=True)


# --- allocation runs -------------------------------------------------------------------------


def runs_of(contingent: Contingent) -> QuerySet[AllocationRun]:
    return AllocationRun.objects.filter(contingent=contingent).defer("input_snapshot", "result")


def runs_awaiting_approval() -> QuerySet[AllocationRun]:
    """Finished runs of contingents without an approved run: the office decides on them."""
    return (
        AllocationRun.objects.filter(status=RunStatus.SUCCEEDED, approved_at__isnull=True)
        .exclude(contingent__runs__approved_at__isnull=False)
        .select_related("contingent")
        .defer("input_snapshot", "result")
        .order_by("-finished_at", "-pk")
    )


def placements_to_confirm(member: Member) -> QuerySet[Placement]:
    """Households allocated to the member whose reception it has not confirmed yet."""
    return placements_of(member).filter(status=PlacementStatus.ALLOCATED)


def run_progress(run: AllocationRun) -> dict[str, object]:
    """What the run page polls while the worker computes."""
    return {
        "status": run.status,
        "status_label": str(RunStatus(run.status).label),
        "phase": run.phase,
        "fraction": round(run.fraction, 3),
        "best": run.best,
        "bound": run.bound,
        "finished": run.is_finished,
        "error": run.error,
    }


@dataclass(frozen=True)
class MemberUse:
    ags: str
    name: str
    persons: int
    households: int
    target: float | None
    usage: list[tuple[str, int, int]]  # (resource label, used, pledged)


@dataclass(frozen=True)
class UnplacedHousehold:
    case_id: str
    persons: int
    reasons: list[str]


@dataclass(frozen=True)
class RunSummary:
    placed_households: int
    placed_persons: int
    unplaced: list[UnplacedHousehold]
    members: list[MemberUse]
    hard_needs_met: int
    hard_needs_total: int
    score: dict[str, float]
    reproducible: bool

    @property
    def receiving_members(self) -> int:
        """Members that get at least one household (``members`` lists every eligible one)."""
        return sum(1 for m in self.members if m.households)


def run_summary(run: AllocationRun) -> RunSummary | None:
    """Placed and unplaced households with reasons, and per member the persons placed and the
    use of every resource against its pledge."""
    if not run.result:
        return None
    # Pinned households are not in the engine's input but in the run's overrides.
    households = [
        *run.input_snapshot.get("households", []),
        *(e["household"] for e in run.overrides if e.get("kind") == "pin" and "household" in e),
    ]
    sizes = {h["case_id"]: sum(int(v) for v in h["age_bands"]) for h in households}
    hard = {h["case_id"]: set(h.get("flags", [])) & HARD_NEEDS for h in households}
    names = {m["ags"]: m["name"] for m in run.input_snapshot.get("municipalities", [])}
    labels = dict(Resource.choices)
    assignment = dict(run.result.get("assignment", []))
    unplaced = [
        UnplacedHousehold(
            case_id=h["case_id"],
            persons=sizes.get(h["case_id"], 0),
            reasons=[str(r.get("message") or r.get("code", "")) for r in h.get("reasons", [])],
        )
        for h in run.result.get("households", [])
        if not h.get("ags")
    ]
    members = [
        MemberUse(
            ags=m["ags"],
            name=names.get(m["ags"], m["ags"]),
            persons=int(m["persons"]),
            households=int(m["households"]),
            target=m.get("target_persons"),
            usage=[(str(labels.get(r, r)), int(u), int(c)) for r, u, c in m["usage"]],
        )
        for m in run.result.get("municipalities", [])
    ]
    met = sum(len(flags) for case, flags in hard.items() if assignment.get(case))
    # Households anonymised after reception keep only their counts (services.anonymise_...).
    kept = run.result.get("anonymised", {})
    return RunSummary(
        placed_households=sum(1 for a in assignment.values() if a),
        placed_persons=sum(sizes.get(c, 0) for c, a in assignment.items() if a),
        unplaced=unplaced,
        members=sorted(members, key=lambda m: (-m.persons, m.name)),
        hard_needs_met=met + int(kept.get("hard_needs_met", 0)),
        hard_needs_total=sum(len(f) for f in hard.values()) + int(kept.get("hard_needs_total", 0)),
        score={k: float(v) for k, v in run.result.get("score", {}).items()},
        reproducible=bool(run.result.get("reproducible")),
    )


def committed_persons(members: Iterable[Member], contingent: Contingent) -> dict[int, int]:
    """Persons already placed with each member by approved runs of contingents whose period
    overlaps this one's: what their pledges for the period have left."""
    rows = (
        Placement.objects.filter(
            member__in=list(members),
            run__contingent__period_start__lte=contingent.period_end,
            run__contingent__period_end__gte=contingent.period_start,
        )
        .values("member_id")
        .annotate(persons=Sum("persons"))
    )
    return {r["member_id"]: int(r["persons"] or 0) for r in rows}


def placements_of(member: Member) -> QuerySet[Placement]:
    return (
        Placement.objects.filter(member=member, household__anonymised_at__isnull=True)
        .select_related("household", "run__contingent")
        .order_by("-run__approved_at", "household__case_id")
    )


def placements_of_run(run: AllocationRun) -> QuerySet[Placement]:
    return Placement.objects.filter(run=run).select_related("member", "household")


# --- the public transparency page ----------------------------------------------------------------


def public_contingents() -> QuerySet[Contingent]:
    """Contingents with at least one approved run: the public may see their figures."""
    return (
        Contingent.objects.filter(runs__approved_at__isnull=False)
        .distinct()
        .order_by("-period_start", "name")
    )


def approved_runs(contingent: Contingent) -> QuerySet[AllocationRun]:
    return AllocationRun.objects.filter(contingent=contingent, approved_at__isnull=False).order_by(
        "approved_at", "pk"
    )


@dataclass(frozen=True)
class PublicCell:
    placed: int | None  # persons placed; None: hidden by disclosure control
    target: int  # persons by the contingent's key


@dataclass(frozen=True)
class PublicRow:
    label: str
    cells: list[PublicCell]  # per size class, then the row total


@dataclass(frozen=True)
class PublicRun:
    run: AllocationRun
    method_label: str
    reproducible: bool


@dataclass(frozen=True)
class Transparency:
    contingent: Contingent
    key_label: str
    key_computed: bool
    size_classes: list[str]
    state_ids: list[str]  # the rows' states, in order (the last row is the total)
    rows: list[PublicRow]  # per state, then the total row
    placed_persons: int | None
    placed_households: int | None
    hard_needs_met: int
    hard_needs_total: int
    runs: list[PublicRun]
    hidden_cells: int
    overrides: PublicOverrides | None = None


def _size_classes() -> list[tuple[int, str]]:
    return [(int(v), str(label)) for v, label in SizeClass.choices]


def transparency(contingent: Contingent) -> Transparency:
    """The public figures of a contingent: persons placed by its approved runs per state and
    member size class, against the targets of its distribution key, under the Lagebild's
    disclosure control (ADR 0040): the contributors of a cell are households, a cell of 1 or 2
    households or receiving members (or one dominated by one) is hidden, and so is every cell
    from which a hidden one could be computed; a state coordination, which sees its state's
    placements, and a receiving member, which knows its own households, are attackers. Hard
    needs are shown as counts for the whole contingent only."""
    runs = list(approved_runs(contingent))
    placements = list(
        Placement.objects.filter(run__in=runs).select_related(
            "member__state", "member__municipality", "member__district"
        )
    )
    sizes = _size_classes()
    size_ids = [s for s, _label in sizes]
    comparison = key_comparison(contingent)
    kinds = [k for k, _label in comparison.kinds]
    key_computed = contingent.key in kinds
    targets: dict[tuple[str, int], int] = defaultdict(int)
    names: dict[str, str] = {}
    if key_computed:
        index = kinds.index(contingent.key)
        for key_row in comparison.rows:
            member = key_row.member
            names[member.state_id] = member.state.name
            targets[(member.state_id, int(member.size_class))] += key_row.targets[index]
    values: dict[tuple[str, int], list[tuple[float, bool]]] = defaultdict(list)
    for placement in placements:
        member = placement.member
        names[member.state_id] = member.state.name
        # One contributor per household; never shared with members individually.
        values[(member.state_id, int(SizeClass.of(member.population)))].append(
            (float(placement.persons), False)
        )
    states = sorted(names)
    # Each receiving member knows its own households: as the module's "private" contributors
    # (what a logged-in member does not know by itself) the receiving members count, each with
    # the persons it received in the cell. So a cell needs 3 receiving members as well, and a
    # member alone in a cell is an attacker that knows that cell.
    per_member: dict[tuple[str, int], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for placement in placements:
        key = (placement.member.state_id, int(SizeClass.of(placement.member.population)))
        per_member[key][placement.member_id] += float(placement.persons)
    cells = {
        key: Contribution(
            everyone=Contributors.of(v for v, _shared in pairs),
            private=Contributors.of(per_member[key].values()),
        )
        for key, pairs in values.items()
    }
    hidden = protect(cells, states, size_ids, rows_known_to_insiders=True)

    def placed(state: str, size: int | str) -> int | None:
        if (state, size) in hidden:
            return None
        return int(
            sum(
                persons
                for (s, c), pairs in values.items()
                if state in (ALL, s) and size in (ALL, c)
                for persons, _shared in pairs
            )
        )

    def target(state: str, size: int | str) -> int:
        return sum(v for (s, c), v in targets.items() if state in (ALL, s) and size in (ALL, c))

    columns: list[int | str] = [*size_ids, ALL]
    rows = [
        PublicRow(
            label=names[state] if state != ALL else "",
            cells=[PublicCell(placed(state, size), target(state, size)) for size in columns],
        )
        for state in [*states, ALL]
    ]
    grand = placed(ALL, ALL)
    households = len(placements)
    met = total = 0
    public_runs = []
    for run in runs:
        summary = run_summary(run)
        if summary is not None:
            met += summary.hard_needs_met
            total += summary.hard_needs_total
        public_runs.append(
            PublicRun(
                run=run,
                method_label=str(RunMethod(run.method).label),
                reproducible=bool(run.result.get("reproducible")),
            )
        )
    return Transparency(
        contingent=contingent,
        key_label=str(KeyKind(contingent.key).label),
        key_computed=key_computed,
        size_classes=[label for _s, label in sizes],
        state_ids=states,
        rows=rows,
        placed_persons=grand,
        placed_households=households if grand is not None else None,
        hard_needs_met=met,
        hard_needs_total=total,
        runs=public_runs,
        hidden_cells=len([k for k in hidden if k in set(table_keys(states, size_ids))]),
        overrides=public_overrides(runs),
    )


# --- overrides, batches and re-runs ------------------------------------------------------------


def overrides_of_household(household: Household) -> QuerySet[Override]:
    return Override.objects.filter(household=household).select_related("member", "created_by")


def assigned_in_run(run: AllocationRun, household: Household) -> str | None:
    """The AGS the run assigned the household to (None: unplaced or not in the run)."""
    return dict(run.result.get("assignment", [])).get(household.case_id)


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    label: str
    count: int | None  # None: hidden (fewer than MIN_PUBLIC_COUNT, or computable from those)


@dataclass(frozen=True)
class RunOverrides:
    run: AllocationRun
    pins: int
    exclusions: int


@dataclass(frozen=True)
class OverrideReport:
    overrides: list[Override]  # every override of the contingent, active and withdrawn
    active: int
    withdrawn: int
    by_reason: list[ReasonCount]  # active overrides per reason
    runs: list[RunOverrides]  # per run: the overrides it was computed with


def _reason_counts(counts: dict[str, int], *, protect_small: bool) -> list[ReasonCount]:
    labels = dict(OverrideReason.choices)
    rows = [(r, counts.get(r, 0)) for r in OverrideReason.values if counts.get(r, 0)]
    hidden: set[str] = set()
    if protect_small:
        hidden = {r for r, n in rows if n < MIN_PUBLIC_COUNT}
        # One hidden figure could be computed from the total and the others: hide the next
        # smallest as well.
        shown = sorted((n, r) for r, n in rows if r not in hidden)
        if len(hidden) == 1 and shown:
            hidden.add(shown[0][1])
    return [ReasonCount(r, str(labels[r]), None if r in hidden else n) for r, n in rows]


def override_report(contingent: Contingent) -> OverrideReport:
    overrides = list(
        Override.objects.filter(contingent=contingent)
        .select_related("household", "member", "created_by", "from_run")
        .order_by("-created_at", "-pk")
    )
    active = [o for o in overrides if o.withdrawn_at is None]
    counts: dict[str, int] = defaultdict(int)
    for o in active:
        counts[o.reason] += 1
    runs = [
        RunOverrides(
            run=run,
            pins=sum(1 for e in run.overrides if e.get("kind") == "pin"),
            exclusions=sum(1 for e in run.overrides if e.get("kind") == "exclude"),
        )
        for run in AllocationRun.objects.filter(contingent=contingent)
        .defer("input_snapshot", "result")
        .order_by("-created_at")
    ]
    return OverrideReport(
        overrides=overrides,
        active=len(active),
        withdrawn=len(overrides) - len(active),
        by_reason=_reason_counts(counts, protect_small=False),
        runs=runs,
    )


MIN_PUBLIC_COUNT = 3


@dataclass(frozen=True)
class PublicOverrides:
    total: int
    pins: int
    exclusions: int
    by_reason: list[ReasonCount]


def public_overrides(runs: Iterable[AllocationRun]) -> PublicOverrides:
    """The overrides the approved runs were computed with (each counted once), by reason; a
    reason with fewer than 3 is hidden, and so is the next smallest if only one would be."""
    seen: dict[Any, dict[str, Any]] = {}
    for run in runs:
        for entry in run.overrides:
            seen[entry.get("id")] = entry
    counts: dict[str, int] = defaultdict(int)
    for entry in seen.values():
        counts[str(entry.get("reason"))] += 1
    return PublicOverrides(
        total=len(seen),
        pins=sum(1 for e in seen.values() if e.get("kind") == "pin"),
        exclusions=sum(1 for e in seen.values() if e.get("kind") == "exclude"),
        by_reason=_reason_counts(counts, protect_small=True),
    )


@dataclass(frozen=True)
class BatchRow:
    run: AllocationRun
    batch: int | None
    households: int
    persons: int
    cumulative_persons: int


@dataclass(frozen=True)
class PeriodSoFar:
    rows: list[BatchRow]  # approved runs in order of approval
    placed_persons: int
    persons: int  # the contingent's
    open_households: int
    open_by_batch: list[tuple[int | None, int]]  # (batch, households not yet placed)


def period_so_far(contingent: Contingent) -> PeriodSoFar:
    """The contingent's year so far: what each approved run (batch) placed, cumulated, and the
    households still waiting, per batch."""
    placed = dict(
        Placement.objects.filter(run__contingent=contingent)
        .values("run_id")
        .annotate(n=Count("pk"), persons=Sum("persons"))
        .values_list("run_id", "persons")
    )
    counts = dict(
        Placement.objects.filter(run__contingent=contingent)
        .values("run_id")
        .annotate(n=Count("pk"))
        .values_list("run_id", "n")
    )
    rows = []
    total = 0
    for run in approved_runs(contingent).defer("input_snapshot", "result"):
        persons = int(placed.get(run.pk) or 0)
        total += persons
        rows.append(BatchRow(run, run.batch, int(counts.get(run.pk) or 0), persons, total))
    waiting = (
        Household.objects.filter(
            contingent=contingent, anonymised_at__isnull=True, placement__isnull=True
        )
        .values("batch")
        .annotate(n=Count("pk"))
        .order_by("batch")
    )
    open_by_batch = [(w["batch"], int(w["n"])) for w in waiting]
    return PeriodSoFar(
        rows=rows,
        placed_persons=total,
        persons=contingent.persons,
        open_households=sum(n for _b, n in open_by_batch),
        open_by_batch=open_by_batch,
    )


def household_pks(contingent: Contingent, cases: Iterable[str]) -> dict[str, int]:
    """Case number -> household id, for links from a run's result to its households."""
    return dict(
        Household.objects.filter(
            contingent=contingent, case_id__in=list(cases), anonymised_at__isnull=True
        ).values_list("case_id", "pk")
    )
