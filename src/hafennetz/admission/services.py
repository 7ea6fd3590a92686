"""Writes of the admission module: typed, keyword-only, atomic, audited; each refuses what the
actor may not write (admission.access)."""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hafennetz.admission.access import (
    TRANSITIONS,
    actor_may_answer_placement,
    actor_may_edit_pledges,
    actor_may_manage_contingents,
)
from hafennetz.admission.engine_input import (
    build_input,
    capacities,
    open_households,
    resource_needs,
)
from hafennetz.admission.models import (
    AGE_BANDS,
    HARD_NEEDS,
    AllocationRun,
    Contingent,
    Household,
    KeyKind,
    KeyTable,
    LinkKind,
    Offer,
    Override,
    OverrideKind,
    OverrideReason,
    OverrideRule,
    Placement,
    PlacementStatus,
    Pledge,
    PledgeStatus,
    Resource,
    RunMethod,
    RunStatus,
)
from hafennetz.admission.selectors import committed_persons, contingent_members, households_of
from hafennetz.core import events
from hafennetz.core.access import AccessDenied, Actor
from hafennetz.core.audit import create_audited, log_action, snapshot, update_audited
from hafennetz.core.models import AuditEntry
from hafennetz.core.validators import plausible_date
from hafennetz.engines.allocation import fingerprint, instance_to_dict
from hafennetz.engines.allocation import validate as validate_instance
from hafennetz.members.models import Member

# What a pledge form writes; status and acceptance go through `pledge_set_status`.
PLEDGE_FIELDS = frozenset(
    {
        "valid_from",
        "valid_until",
        *(f"places_{r.value}" for r in Resource),
        "offers",
        "council_decision_on",
        "council_decision_reference",
        "contact",
        "notes",
    }
)


def _refuse_unless_allowed(actor: Actor, member: Member) -> None:
    if not actor_may_edit_pledges(actor, member):
        raise AccessDenied(
            _("Only the staff of %(member)s and the coordination office may record its pledges.")
            % {"member": member.name}
        )


def _check_pledge_data(member: Member, data: Mapping[str, Any]) -> None:
    unknown = set(data) - PLEDGE_FIELDS
    if unknown:
        raise AccessDenied(
            _("These fields cannot be set here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    errors: dict[str, list[str]] = {}
    offers = data.get("offers", [])
    if any(o not in Offer.values for o in offers):
        errors.setdefault("offers", []).append(_("Unknown offer."))
    contact = data.get("contact")
    if contact is not None and contact.member_id != member.pk:
        errors.setdefault("contact", []).append(_("The contact must belong to this member."))
    for name in ("valid_from", "valid_until"):
        try:
            plausible_date(data.get(name))
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    start, end = data.get("valid_from"), data.get("valid_until")
    if start and end and end < start:
        errors.setdefault("valid_until", []).append(
            _("The end of the period must not be before its start.")
        )
    try:
        plausible_date(data.get("council_decision_on"), past_only=True)
    except ValidationError as exc:
        errors.setdefault("council_decision_on", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def pledge_create(*, actor: Actor, member: Member, data: Mapping[str, Any]) -> Pledge:
    _refuse_unless_allowed(actor, member)
    _check_pledge_data(member, data)
    pledge = Pledge(member=member, is_demo=False, **data)
    create_audited(actor=actor, obj=pledge, action="pledge.create")
    return pledge


@transaction.atomic
def pledge_update(*, actor: Actor, pledge: Pledge, data: Mapping[str, Any]) -> Pledge:
    pledge = Pledge.objects.select_for_update().select_related("member").get(pk=pledge.pk)
    _refuse_unless_allowed(actor, pledge.member)
    if not pledge.is_active:
        raise AccessDenied(_("A pledge that was withdrawn or used up can no longer be changed."))
    _check_pledge_data(pledge.member, data)
    update_audited(actor=actor, obj=pledge, action="pledge.update", **data)
    return pledge


@transaction.atomic
def pledge_set_status(
    *,
    actor: Actor,
    pledge: Pledge,
    status: str,
    accepted_on: dt.date | None = None,
    accepted_by: str = "",
    accepted_reference: str = "",
) -> Pledge:
    """Move a pledge along offered → accepted → used up, or withdraw it. Acceptance by the Bund
    or a Land needs its date and who accepted it."""
    pledge = Pledge.objects.select_for_update().select_related("member").get(pk=pledge.pk)
    _refuse_unless_allowed(actor, pledge.member)
    if status not in TRANSITIONS[pledge.status]:
        raise ValidationError(
            {
                "status": _("A pledge that is %(old)s cannot become %(new)s.")
                % {
                    "old": PledgeStatus(pledge.status).label,
                    "new": PledgeStatus(status).label if status in PledgeStatus.values else status,
                }
            }
        )
    changes: dict[str, Any] = {"status": status}
    if status == PledgeStatus.ACCEPTED:
        errors: dict[str, list[str]] = {}
        if accepted_on is None:
            errors["accepted_on"] = [_("Please enter the date of the acceptance.")]
        else:
            try:
                plausible_date(accepted_on, past_only=True)
            except ValidationError as exc:
                errors["accepted_on"] = list(exc.messages)
        if not accepted_by.strip():
            errors["accepted_by"] = [_("Please say who accepted the pledge (Bund or Land).")]
        if errors:
            raise ValidationError(errors)
        changes |= {
            "accepted_on": accepted_on,
            "accepted_by": accepted_by.strip(),
            "accepted_reference": accepted_reference.strip(),
        }
    update_audited(actor=actor, obj=pledge, action=f"pledge.{status}", **changes)
    return pledge


# --- contingents and key tables ------------------------------------------------------------------

STATE_KEYS = tuple(f"{n:02d}" for n in range(1, 17))
CONTINGENT_FIELDS = frozenset(
    {
        "name",
        "programme",
        "persons",
        "period_start",
        "period_end",
        "key",
        "key_table",
        "explicit_shares",
        "notes",
    }
)


def _refuse_unless_office(actor: Actor) -> None:
    if not actor_may_manage_contingents(actor):
        raise AccessDenied(
            _("Only the coordination office manages contingents and distribution keys.")
        )


def _check_contingent(data: Mapping[str, Any]) -> None:
    unknown = set(data) - CONTINGENT_FIELDS
    if unknown:
        raise AccessDenied(
            _("These fields cannot be set here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    errors: dict[str, list[str]] = {}
    for name in ("period_start", "period_end"):
        try:
            plausible_date(data.get(name))
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    start, end = data.get("period_start"), data.get("period_end")
    if start and end and end < start:
        errors.setdefault("period_end", []).append(
            _("The end of the period must not be before its start.")
        )
    if data.get("key") == KeyKind.KOENIGSTEINER and data.get("key_table") is None:
        errors.setdefault("key_table", []).append(
            _("Please choose the table of the Königsteiner Schlüssel.")
        )
    if data.get("key") == KeyKind.EXPLICIT and not data.get("explicit_shares"):
        errors.setdefault("explicit_shares", []).append(
            _("Please enter a share for at least one member.")
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contingent_save(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    eligible: Iterable[Member],
    contingent: Contingent | None = None,
) -> Contingent:
    _refuse_unless_office(actor)
    _check_contingent(data)
    if contingent is None:
        contingent = Contingent(**data)
        create_audited(actor=actor, obj=contingent, action="contingent.create")
    else:
        contingent = Contingent.objects.select_for_update().get(pk=contingent.pk)
        update_audited(actor=actor, obj=contingent, action="contingent.update", **data)
    before = sorted(contingent.eligible.values_list("pk", flat=True))
    members = sorted({m.pk for m in eligible})
    if members != before:
        contingent.eligible.set(members)
        log_action(
            actor=actor,
            action="contingent.eligible",
            obj=contingent,
            before={"eligible": before},
            after={"eligible": members},
        )
    return contingent


def parse_shares(text: str) -> dict[str, float]:
    """`"01: 3.4, 02: 2.5"` or one `key share` pair per line -> {key: share}. ValueError with a
    German message on anything else."""
    shares: dict[str, float] = {}
    for part in text.replace(";", "\n").replace(",", "\n").splitlines():
        part = part.strip()
        if not part:
            continue
        key, _sep, value = part.replace(":", " ").replace("=", " ").partition(" ")
        try:
            number = float(value.strip().replace(" ", ""))
        except ValueError:
            raise ValueError(_("“%(part)s” is not a key and a share.") % {"part": part}) from None
        if not key.isdigit() or not math.isfinite(number) or number < 0:
            raise ValueError(_("“%(part)s” is not a key and a share.") % {"part": part})
        shares[key] = number
    return shares


@transaction.atomic
def key_table_create(
    *, actor: Actor, name: str, year: int, source: str, shares: Mapping[str, float]
) -> KeyTable:
    """A new version of the Königsteiner Schlüssel: a share for each of the 16 states,
    adding up to 100 %."""
    _refuse_unless_office(actor)
    errors: dict[str, list[str]] = {}
    missing = [s for s in STATE_KEYS if s not in shares]
    extra = [s for s in shares if s not in STATE_KEYS]
    if missing or extra:
        errors["shares"] = [_("Please enter exactly one share for each of the 16 states (01–16).")]
    elif abs(sum(shares.values()) - 100) > 0.01:
        errors["shares"] = [
            _("The shares add up to %(sum)s %% instead of 100 %%.")
            % {"sum": f"{sum(shares.values()):.5f}"}
        ]
    if KeyTable.objects.filter(name=name, year=year).exists():
        errors["year"] = [_("A table with this name and year exists already.")]
    if errors:
        raise ValidationError(errors)
    table = KeyTable(name=name, year=year, source=source, shares=dict(shares))
    create_audited(actor=actor, obj=table, action="key_table.create")
    return table


# --- households ----------------------------------------------------------------------------------

HOUSEHOLD_FIELDS = frozenset({"case_id", *AGE_BANDS, "needs", "links", "preferences", "batch"})


def _check_household(
    contingent: Contingent, data: Mapping[str, Any], household: Household | None
) -> None:
    unknown = set(data) - HOUSEHOLD_FIELDS
    if unknown:
        raise AccessDenied(
            _("These fields cannot be set here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    errors: dict[str, list[str]] = {}
    if sum(int(data.get(band) or 0) for band in AGE_BANDS) < 1:
        errors["age_18_64"] = [_("A household has at least one member.")]
    if any(n not in Offer.values for n in data.get("needs", [])):
        errors["needs"] = [_("Unknown need.")]
    others = Household.objects.filter(contingent=contingent)
    if household is not None:
        others = others.exclude(pk=household.pk)
    case_id = data.get("case_id", "")
    if others.filter(case_id=case_id).exists():
        errors["case_id"] = [_("This case number exists already in the contingent.")]
    known = set(others.values_list("case_id", flat=True))
    for link in data.get("links", []):
        if link.get("case") == case_id:
            errors.setdefault("links", []).append(_("A household cannot be linked to itself."))
        elif link.get("case") not in known:
            errors.setdefault("links", []).append(
                _("Unknown case number %(case)s.") % {"case": link.get("case")}
            )
        if link.get("kind") not in LinkKind.values:
            errors.setdefault("links", []).append(_("Unknown kind of link."))
        elif link.get("kind") == LinkKind.SAME_MUNICIPALITY and link.get("case") in known:
            other_batch = others.filter(case_id=link.get("case")).values_list("batch", flat=True)
            if other_batch and other_batch[0] != data.get("batch"):
                errors.setdefault("batch", []).append(
                    _(
                        "%(case)s must be placed together with %(other)s, but they are in "
                        "different batches."
                    )
                    % {"case": case_id or "–", "other": link.get("case")}
                )
    preferences = list(data.get("preferences", []))
    if len(set(preferences)) != len(preferences):
        errors["preferences"] = [_("A member is listed twice.")]
    eligible = {m.ags for m in contingent_members(contingent)}
    unknown_ags = [ags for ags in preferences if ags not in eligible]
    if unknown_ags:
        errors.setdefault("preferences", []).append(
            _("Not a member eligible for this contingent: %(ags)s")
            % {"ags": ", ".join(unknown_ags)}
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def household_save(
    *,
    actor: Actor,
    contingent: Contingent,
    data: Mapping[str, Any],
    household: Household | None = None,
) -> Household:
    """Add or change a household. Audit entries hold the case number, age bands and need flags,
    which are pseudonymous; there is no free text to leak."""
    _refuse_unless_office(actor)
    _check_household(contingent, data, household)
    if household is None:
        household = Household(contingent=contingent, **data)
        create_audited(actor=actor, obj=household, action="household.create")
    else:
        household = Household.objects.select_for_update().get(pk=household.pk)
        update_audited(actor=actor, obj=household, action="household.update", **data)
    return household


@transaction.atomic
def household_delete(*, actor: Actor, household: Household) -> None:
    _refuse_unless_office(actor)
    linked = any(
        link.get("case") == household.case_id
        for links in Household.objects.filter(contingent=household.contingent)
        .exclude(pk=household.pk)
        .values_list("links", flat=True)
        for link in links
    )
    if linked:
        raise ValidationError(
            _("Other households are linked to %(case)s: remove those links first.")
            % {"case": household.case_id}
        )
    log_action(actor=actor, action="household.delete", obj=household, before=snapshot(household))
    household.delete()


def log_household_view(*, actor: Actor, contingent: Contingent, what: str) -> None:
    """Each view of household-level data is logged: who, when, which contingent or run."""
    log_action(
        actor=actor,
        action="household.view",
        obj=contingent,
        after={"viewed": what},
    )


# --- allocation runs -----------------------------------------------------------------------------


# A running run without a sign of life for longer than its safety cap (and at least this) has
# lost its worker (restarted or killed): nothing will finish it.
STALE_AFTER = dt.timedelta(minutes=5)


def _worker_lost(run: AllocationRun, now: dt.datetime) -> bool:
    last = run.progress_at or run.started_at
    if run.status != RunStatus.RUNNING or last is None:
        return False
    cap = dt.timedelta(seconds=max(60.0, run.work * 20))  # tasks.py: the run's time cap
    return now - last > max(STALE_AFTER, cap)


UNPLACEABLE_IS_FINE = frozenset({"need_exceeds_every_capacity"})


@transaction.atomic
def run_start(
    *,
    actor: Actor,
    contingent: Contingent,
    method: str,
    use_key: bool = True,
    key_weight: float = 1.0,
    seed: int = 0,
    work: float = 10.0,
    batch: int | None = None,
) -> AllocationRun:
    """Snapshot the contingent's input (its households not yet placed, or those of one batch,
    with the office's overrides), check it, store the run and hand it to the background worker
    once the transaction has committed. A batch run uses the engine's dynamic `reoptimize`
    policy with the capacity the approved runs of the period have left."""
    _refuse_unless_office(actor)
    if method not in RunMethod.values:
        raise ValidationError({"method": _("Unknown method.")})
    if not households_of(contingent).exists():
        raise ValidationError(_("The contingent has no households to distribute yet."))
    if batch is not None and method == RunMethod.QUOTA:
        raise ValidationError(
            {"batch": _("A batch is placed needs-based; the quota method has no batches.")}
        )
    if not open_households(contingent, batch):
        if batch is not None:
            raise ValidationError(
                {"batch": _("Batch %(batch)s has no households left to place.") % {"batch": batch}}
            )
        raise ValidationError(_("Every household of the contingent has been placed already."))
    engine_input = build_input(contingent, use_key=use_key, key_weight=key_weight, batch=batch)
    instance = engine_input.instance
    if not instance.municipalities:
        raise ValidationError(
            _("No member is eligible: name members or let them record pledges for the period.")
        )
    # A household no member can take is not a reason to refuse the run: it stays unplaced and
    # the result says why. Every other issue is a contradiction in the input.
    issues = [i for i in validate_instance(instance) if i.code not in UNPLACEABLE_IS_FINE]
    if issues:
        raise ValidationError(
            [
                _("The input cannot be allocated: %(issue)s")
                % {"issue": getattr(i, "message", str(i))}
                for i in issues[:10]
            ]
        )
    run = AllocationRun(
        contingent=contingent,
        method=method,
        use_key=use_key,
        key_weight=key_weight,
        seed=seed,
        work=work,
        batch=batch,
        overrides=engine_input.overrides,
        started_by=actor if isinstance(actor, User) else None,
        input_snapshot=instance_to_dict(instance)
        | ({"forecast": _forecast_dicts(engine_input.forecast)} if batch is not None else {}),
        input_fingerprint=fingerprint(instance),
    )
    create_audited(actor=actor, obj=run, action="run.start")
    run_id = run.pk
    transaction.on_commit(lambda: _enqueue(run_id))
    return run


def _forecast_dicts(forecast: Iterable[Any]) -> list[Any]:
    from hafennetz.engines.allocation import Instance

    return list(
        instance_to_dict(Instance(households=tuple(forecast), municipalities=()))["households"]
    )


def _override_key(entries: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((e.get("id"), e.get("case_id"), e.get("kind"), e.get("ags")) for e in entries)


@transaction.atomic
def run_rerun(*, actor: Actor, run: AllocationRun) -> AllocationRun:
    """Re-run a finished run from its stored input snapshot, seed, work budget and method (not
    from today's data): the new run shows whether its assignment is identical."""
    _refuse_unless_office(actor)
    run = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if run.rerun_of_id is not None:
        raise ValidationError(_("A re-run cannot be re-run; re-run the original run."))
    if run.status != RunStatus.SUCCEEDED or not run.result.get("reproducible"):
        raise ValidationError(_("Only a run that finished its whole budget can be re-run."))
    if run.result.get(ANONYMISED):
        raise ValidationError(
            _("Households of this run have been anonymised: its input is gone by design.")
        )
    again = AllocationRun(
        contingent=run.contingent,
        method=run.method,
        use_key=run.use_key,
        key_weight=run.key_weight,
        seed=run.seed,
        work=run.work,
        batch=run.batch,
        overrides=run.overrides,
        rerun_of=run,
        started_by=actor if isinstance(actor, User) else None,
        input_snapshot=run.input_snapshot,
        input_fingerprint=run.input_fingerprint,
    )
    create_audited(actor=actor, obj=again, action="run.rerun")
    run_id = again.pk
    transaction.on_commit(lambda: _enqueue(run_id))
    return again


def _enqueue(run_id: int) -> None:
    from hafennetz.admission.tasks import execute_allocation_run

    result = execute_allocation_run.enqueue(run_id)
    AllocationRun.objects.filter(pk=run_id).update(task_id=str(result.id))


@transaction.atomic
def run_cancel(*, actor: Actor, run: AllocationRun) -> AllocationRun:
    """Ask a run to stop; a run still waiting for the worker is cancelled at once."""
    _refuse_unless_office(actor)
    run = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if run.is_finished:
        raise ValidationError(_("The run has already ended."))
    if run.cancel_requested and not _worker_lost(run, timezone.now()):
        raise ValidationError(_("The run is being cancelled already."))
    changes: dict[str, Any] = {"cancel_requested": True}
    now = timezone.now()
    if run.status == RunStatus.QUEUED:
        changes |= {"status": RunStatus.CANCELLED, "finished_at": now}
    elif _worker_lost(run, now):
        # The worker that ran it stopped (restarted, killed): nothing will ever finish it.
        changes |= {
            "status": RunStatus.CANCELLED,
            "finished_at": now,
            "error": _("The background worker stopped without finishing the run."),
        }
    update_audited(actor=actor, obj=run, action="run.cancel", **changes)
    return run


@transaction.atomic
def run_approve(*, actor: Actor, run: AllocationRun, confirmed: bool) -> list[Placement]:
    """Approve a finished run: each placed household is allocated to its member, and the
    placements count against the members' pledges. The pledges of every receiving member are
    locked first, so two approvals at the same time can never over-commit a pledge."""
    _refuse_unless_office(actor)
    if not confirmed:
        raise ValidationError({"confirm": _("Please confirm that you approve this allocation.")})
    run = AllocationRun.objects.select_for_update().select_related("contingent").get(pk=run.pk)
    contingent = run.contingent
    if run.approved_at is not None:
        raise ValidationError(_("This run has been approved already."))
    if run.rerun_of_id is not None:
        raise ValidationError(_("A re-run only checks reproducibility; approve the original run."))
    if run.status != RunStatus.SUCCEEDED or not run.result.get("reproducible"):
        raise ValidationError(_("Only a run that finished its whole budget can be approved."))
    current = build_input(
        contingent, use_key=run.use_key, key_weight=run.key_weight, batch=run.batch
    )
    if _override_key(current.overrides) != _override_key(run.overrides):
        raise ValidationError(_("Overrides have changed since this run: please start a new run."))
    if fingerprint(current.instance) != run.input_fingerprint:
        raise ValidationError(
            _("Households or pledges have changed since this run: please start a new run.")
        )
    members = {m.ags: m for m in contingent_members(contingent)}
    # Lock the pledges (row locks on PostgreSQL; SQLite's IMMEDIATE transactions serialise
    # writers anyway), then count what is committed already.
    pledged: dict[int, int] = defaultdict(int)
    for pledge in Pledge.objects.select_for_update().filter(
        member__in=list(members.values()),
        status__in=(PledgeStatus.OFFERED, PledgeStatus.ACCEPTED),
        valid_from__lte=contingent.period_end,
        valid_until__gte=contingent.period_start,
    ):
        pledged[pledge.member_id] += pledge.places_housing
    committed = committed_persons(members.values(), contingent)
    households = {h.case_id: h for h in households_of(contingent)}
    sizes = {case: h.size for case, h in households.items()}
    new: dict[int, int] = defaultdict(int)
    placements = []
    for case_id, ags in run.result.get("assignment", []):
        if not ags:
            continue
        member = members.get(ags)
        household = households.get(case_id)
        if member is None or household is None:
            raise ValidationError(
                _("Households or pledges have changed since this run: please start a new run.")
            )
        new[member.pk] += sizes[case_id]
        placements.append(
            Placement(
                run=run,
                household=household,
                member=member,
                persons=sizes[case_id],
                is_demo=household.is_demo,
            )
        )
    over = [
        m.name
        for m in members.values()
        if new[m.pk] and committed.get(m.pk, 0) + new[m.pk] > pledged[m.pk]
    ]
    if over:
        raise ValidationError(
            _("This approval would exceed the pledges of: %(members)s. Start a new run.")
            % {"members": ", ".join(sorted(over))}
        )
    if Placement.objects.filter(household__in=[p.household for p in placements]).exists():
        raise ValidationError(_("Some households have been allocated by another run already."))
    Placement.objects.bulk_create(placements)
    update_audited(
        actor=actor,
        obj=run,
        action="run.approve",
        approved_at=timezone.now(),
        approved_by=actor if isinstance(actor, User) else None,
    )
    log_action(
        actor=actor,
        action="run.placements",
        obj=run,
        after={"households": len(placements), "persons": sum(p.persons for p in placements)},
    )
    for member_id, ags in sorted({p.member.pk: p.member.ags for p in placements}.items()):
        events.emit("allocation.approved", run_id=run.pk, member_id=member_id, ags=ags)
    return placements


# --- the receiving member answers --------------------------------------------------------------


def _refuse_unless_receiving(actor: Actor, placement: Placement) -> None:
    if not actor_may_answer_placement(actor, placement):
        raise AccessDenied(
            _("Only the staff of %(member)s answer for the households allocated to it.")
            % {"member": placement.member.name}
        )


@transaction.atomic
def placement_confirm(*, actor: Actor, placement: Placement) -> Placement:
    placement = Placement.objects.select_for_update().select_related("member").get(pk=placement.pk)
    _refuse_unless_receiving(actor, placement)
    if placement.status == PlacementStatus.CONFIRMED:
        raise ValidationError(_("The reception has been confirmed already."))
    update_audited(
        actor=actor,
        obj=placement,
        action="placement.confirm",
        status=PlacementStatus.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    return placement


@transaction.atomic
def placement_report_problem(*, actor: Actor, placement: Placement, problem: str) -> Placement:
    """The member reports a problem (the office sees it). The text is stored with the placement;
    the audit log records only that a problem was reported, not its text."""
    placement = Placement.objects.select_for_update().select_related("member").get(pk=placement.pk)
    _refuse_unless_receiving(actor, placement)
    if not problem.strip():
        raise ValidationError({"problem": _("Please describe the problem briefly.")})
    placement.status = PlacementStatus.PROBLEM
    placement.problem = problem.strip()[:500]
    placement.full_clean()
    placement.save(update_fields=["status", "problem", "updated_at"])
    log_action(actor=actor, action="placement.problem", obj=placement, after={"status": "problem"})
    return placement


# --- retention: anonymise households after reception -------------------------------------------

ANONYMISED = "anonymised"
# Keys of household audit entries whose values describe the person (needs, links, preferences)
# or name the case; after anonymisation the entry keeps only that they were there.
_HOUSEHOLD_AUDIT_KEYS = frozenset({"case_id", "needs", "links", "preferences"})
_CASE_CHARS = r"A-Za-z0-9._/-"


@dataclass(frozen=True)
class AnonymisedCounts:
    households: int
    placements: int
    runs: int
    audit_entries: int


def households_due_for_anonymisation(
    *, now: dt.datetime | None = None, days: int | None = None
) -> QuerySet[Household]:
    """Households whose reception was confirmed more than `days` ago, and households without a
    placement whose contingent ended more than `days` ago (ADMISSION_RETENTION_DAYS)."""
    now = now or timezone.now()
    days = settings.ADMISSION_RETENTION_DAYS if days is None else days
    cutoff = now - dt.timedelta(days=days)
    return Household.objects.filter(anonymised_at__isnull=True).filter(
        Q(placement__status=PlacementStatus.CONFIRMED, placement__confirmed_at__lt=cutoff)
        | Q(placement__isnull=True, contingent__period_end__lt=timezone.localdate(cutoff))
    )


def _pseudonym() -> str:
    return f"anon-{uuid.uuid4().hex[:12]}"


def _scrubber(mapping: Mapping[str, str]) -> Callable[[Any], Any]:
    """Replaces every old case number (as a whole token) by its pseudonym, anywhere in JSON."""
    if not mapping:
        return lambda value: value
    pattern = re.compile(
        rf"(?<![{_CASE_CHARS}])("
        + "|".join(re.escape(c) for c in sorted(mapping, key=len, reverse=True))
        + rf")(?![{_CASE_CHARS}])"
    )

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(lambda m: mapping[m.group(1)], value)
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {scrub(k): scrub(v) for k, v in value.items()}
        return value

    return scrub


def _anonymise_run(run: AllocationRun, mapping: Mapping[str, str]) -> None:
    """The run keeps its numbers (sizes, assignment to members, score parts) under the
    pseudonyms; the anonymised households' needs, links and preferences are removed from its
    input snapshot and result. How many hard needs were met is kept as a count, so the run's
    figures (and the public page) stay as they were."""
    scrub = _scrubber(mapping)
    snapshot_ = dict(run.input_snapshot)
    result = dict(run.result)
    hard = set(snapshot_.get("hard_flags", []))
    assignment = {c: a for c, a in result.get("assignment", [])}
    kept = dict(result.get(ANONYMISED, {}))
    households = []
    for h in snapshot_.get("households", []):
        if h.get("case_id") in mapping:
            needs = set(h.get("flags", [])) & hard
            kept["households"] = kept.get("households", 0) + 1
            kept["hard_needs_total"] = kept.get("hard_needs_total", 0) + len(needs)
            if assignment.get(h["case_id"]):
                kept["hard_needs_met"] = kept.get("hard_needs_met", 0) + len(needs)
            h = {
                "case_id": mapping[h["case_id"]],
                "age_bands": h.get("age_bands", []),
                "flags": [],
                "needs": {},
                "links": [],
                "preferences": [],
                "outcomes": {},
            }
        households.append(h)
    snapshot_["households"] = households
    result["households"] = [
        (
            h | {"case_id": mapping[h["case_id"]], "flags_met": [], "flags_unmet": []}
            if h.get("case_id") in mapping
            else h
        )
        for h in result.get("households", [])
    ]
    if kept:
        result[ANONYMISED] = kept
    run.input_snapshot = scrub(snapshot_)
    run.result = scrub(result)
    run.overrides = scrub(
        [
            {k: v for k, v in entry.items() if k != "household"}
            if entry.get("case_id") in mapping
            else entry
            for entry in run.overrides
        ]
    )
    run.save(update_fields=["input_snapshot", "result", "overrides", "updated_at"])


def _anonymise_audit(households: Iterable[Household], mapping: Mapping[str, str]) -> int:
    """Audit entries keep who did what and when; what they said about an anonymised household
    (its case number, needs, links, preferences) is replaced."""
    scrub = _scrubber(mapping)
    household_ids = {str(h.pk) for h in households}
    changed = 0
    for entry in AuditEntry.objects.filter(object_type__startswith="admission."):
        before, after, label = entry.before, entry.after, entry.object_repr
        if entry.object_type == "admission.household" and entry.object_id in household_ids:
            before = {
                k: (ANONYMISED if k in _HOUSEHOLD_AUDIT_KEYS else v)
                for k, v in (before or {}).items()
            } or entry.before
            after = {
                k: (ANONYMISED if k in _HOUSEHOLD_AUDIT_KEYS else v)
                for k, v in (after or {}).items()
            } or entry.after
        before, after, label = scrub(before), scrub(after), scrub(label)
        if (before, after, label) != (entry.before, entry.after, entry.object_repr):
            entry.before, entry.after, entry.object_repr = before, after, label
            entry.save(update_fields=["before", "after", "object_repr"])
            changed += 1
    return changed


@transaction.atomic
def anonymise_households(
    *, actor: Actor = None, now: dt.datetime | None = None, days: int | None = None
) -> AnonymisedCounts:
    """The retention rule (ADR 0050): households due (see `households_due_for_anonymisation`)
    get a random pseudonym instead of their case number and lose their needs, links and
    preferences; their placements lose the problem text; runs and audit entries that name them
    are rewritten the same way. Other households' links to them are removed (a link to a case
    that no longer exists cannot be honoured). Logged with counts only."""
    _refuse_unless_office(actor)
    now = now or timezone.now()
    # Lock the rows by id: PostgreSQL refuses FOR UPDATE on the outer join of the query.
    ids = list(households_due_for_anonymisation(now=now, days=days).values_list("pk", flat=True))
    due = list(Household.objects.select_for_update().filter(pk__in=ids, anonymised_at__isnull=True))
    if not due:
        return AnonymisedCounts(0, 0, 0, 0)
    mapping = {h.case_id: _pseudonym() for h in due}
    by_contingent: dict[int, set[str]] = defaultdict(set)
    for household in due:
        by_contingent[household.contingent_id].add(household.case_id)
        household.case_id = mapping[household.case_id]
        household.needs, household.links, household.preferences = [], [], []
        household.anonymised_at = now
    Household.objects.bulk_update(
        due, ["case_id", "needs", "links", "preferences", "anonymised_at", "updated_at"]
    )
    for contingent_id, cases in by_contingent.items():
        for other in Household.objects.filter(
            contingent_id=contingent_id, anonymised_at__isnull=True
        ):
            links = [link for link in other.links if link.get("case") not in cases]
            if links != other.links:
                other.links = links
                other.save(update_fields=["links", "updated_at"])
    placements = Placement.objects.filter(household__in=due).update(problem="", updated_at=now)
    Override.objects.filter(household__in=due).update(explanation="", updated_at=now)
    runs = 0
    for run in AllocationRun.objects.filter(contingent_id__in=list(by_contingent)):
        cases = {h.get("case_id") for h in run.input_snapshot.get("households", [])}
        cases |= {e.get("case_id") for e in run.overrides}
        cases |= {c for c, _a in run.result.get("assignment", [])}
        old = {c: p for c, p in mapping.items() if c in cases}
        if old:
            _anonymise_run(run, old)
            runs += 1
    entries = _anonymise_audit(due, mapping)
    counts = AnonymisedCounts(len(due), placements, runs, entries)
    log_action(
        actor=actor,
        action="household.anonymise",
        object_type="admission.household",
        after={
            "households": counts.households,
            "placements": counts.placements,
            "runs": counts.runs,
            "audit_entries": counts.audit_entries,
            "retention_days": settings.ADMISSION_RETENTION_DAYS if days is None else days,
        },
    )
    return counts


# --- household import (all rows or none) --------------------------------------------------------


@transaction.atomic
def households_import(
    *, actor: Actor, contingent: Contingent, rows: list[tuple[int, dict[str, str]]]
) -> int:
    """Write the households of a checked file: all rows or none. The rows are checked again
    here (the contingent may have changed since the preview); audit entries hold case number,
    age bands and need flags only."""
    from hafennetz.admission.imports import check_households
    from hafennetz.core.audit import audit_entry, log_actions

    _refuse_unless_office(actor)
    contingent = Contingent.objects.select_for_update().get(pk=contingent.pk)
    preview = check_households(contingent, rows)
    if not preview.is_valid:
        raise ValidationError(
            _("The file has %(n)s rows with errors: nothing was imported.")
            % {"n": len(preview.error_rows)}
        )
    households = [
        Household(contingent=contingent, is_demo=False, **row.data) for row in preview.rows
    ]
    for household in households:
        household.full_clean(exclude=["contingent"], validate_unique=False)
    created = Household.objects.bulk_create(households)
    log_actions(
        audit_entry(actor=actor, action="household.create", obj=h, after=snapshot(h))
        for h in created
    )
    log_action(
        actor=actor,
        action="household.import",
        obj=contingent,
        after={"households": len(created), "persons": sum(h.size for h in created)},
    )
    return len(created)


# --- overrides (the human in the loop) ----------------------------------------------------------


@dataclass(frozen=True)
class OverrideCheck:
    breaks: list[str]  # OverrideRule values
    messages: list[str]  # German, one per broken rule


def check_override(
    *, contingent: Contingent, household: Household, kind: str, member: Member
) -> OverrideCheck:
    """The hard rules a pin or an exclusion would break. Refuses (ValidationError) what can
    never be done: a member not eligible, a household placed already, a contradiction with
    another override, a pin beyond the member's pledged housing."""
    caps = capacities(contingent)
    if member.pk not in {m.pk for m in caps.members}:
        raise ValidationError({"member": _("This member is not eligible for the contingent.")})
    if Placement.objects.filter(household=household).exists():
        raise ValidationError(
            _("%(case)s has been allocated by an approved run already.")
            % {"case": household.case_id}
        )
    active = Override.objects.filter(household=household, withdrawn_at__isnull=True)
    breaks: list[str] = []
    messages: list[str] = []
    if kind == OverrideKind.PIN:
        if active.filter(kind=OverrideKind.PIN).exists():
            raise ValidationError(_("The household is pinned already: withdraw that pin first."))
        if active.filter(kind=OverrideKind.EXCLUDE, member=member).exists():
            raise ValidationError(
                {"member": _("This member is excluded for the household: withdraw that first.")}
            )
        free = dict(caps.free[member.pk])
        for pin in Override.objects.filter(
            member=member,
            kind=OverrideKind.PIN,
            withdrawn_at__isnull=True,
            contingent__period_start__lte=contingent.period_end,
            contingent__period_end__gte=contingent.period_start,
            household__placement__isnull=True,
        ).select_related("household"):
            for resource, amount in resource_needs(pin.household).items():
                free[resource] = free.get(resource, 0) - amount
        needs = resource_needs(household)
        if needs[Resource.HOUSING.value] > free.get(Resource.HOUSING.value, 0):
            raise ValidationError(
                {
                    "member": _(
                        "%(member)s has %(free)s places of housing left for the period; the "
                        "household has %(n)s persons. A pledge is never exceeded: ask the "
                        "member to raise it first."
                    )
                    % {
                        "member": member.name,
                        "free": max(0, free.get(Resource.HOUSING.value, 0)),
                        "n": needs[Resource.HOUSING.value],
                    }
                }
            )
        labels = dict(Resource.choices)
        short = [str(labels.get(r, r)) for r, amount in needs.items() if amount > free.get(r, 0)]
        if short:
            breaks.append(OverrideRule.CAPACITY)
            messages.append(
                _("%(member)s has too few places free: %(resources)s.")
                % {"member": member.name, "resources": ", ".join(short)}
            )
        missing = sorted(set(household.needs) & HARD_NEEDS - caps.offers[member.pk])
        if missing:
            breaks.append(OverrideRule.HARD_NEEDS)
            labels_o = dict(Offer.choices)
            messages.append(
                _("%(member)s does not offer: %(needs)s.")
                % {
                    "member": member.name,
                    "needs": ", ".join(str(labels_o.get(n, n)) for n in missing),
                }
            )
        separated = []
        for link in household.links:
            if link.get("kind") != LinkKind.SAME_MUNICIPALITY:
                continue
            linked = Household.objects.filter(
                contingent=contingent, case_id=link.get("case")
            ).first()
            if linked is None:
                continue
            elsewhere = (
                Override.objects.filter(household=linked, withdrawn_at__isnull=True)
                .filter(
                    Q(kind=OverrideKind.PIN) & ~Q(member=member)
                    | Q(kind=OverrideKind.EXCLUDE, member=member)
                )
                .exists()
                or Placement.objects.filter(household=linked).exclude(member=member).exists()
            )
            if elsewhere:
                separated.append(linked.case_id)
        if separated:
            breaks.append(OverrideRule.LINKS)
            messages.append(
                _("%(case)s must be placed together with %(others)s, which go elsewhere.")
                % {"case": household.case_id, "others": ", ".join(separated)}
            )
    elif kind == OverrideKind.EXCLUDE:
        if active.filter(kind=OverrideKind.EXCLUDE, member=member).exists():
            raise ValidationError({"member": _("This member is excluded already.")})
        if active.filter(kind=OverrideKind.PIN, member=member).exists():
            raise ValidationError(
                {"member": _("The household is pinned to this member: withdraw the pin first.")}
            )
        excluded = set(
            active.filter(kind=OverrideKind.EXCLUDE).values_list("member_id", flat=True)
        ) | {member.pk}
        hard = set(household.needs) & HARD_NEEDS
        left = [m for m in caps.members if m.pk not in excluded and hard <= caps.offers[m.pk]]
        if not left:
            breaks.append(OverrideRule.NO_MEMBER_LEFT)
            messages.append(
                _("No eligible member that offers its needs is left for %(case)s.")
                % {"case": household.case_id}
            )
    else:
        raise ValidationError({"kind": _("Unknown kind of override.")})
    return OverrideCheck(breaks=breaks, messages=messages)


@transaction.atomic
def override_create(
    *,
    actor: Actor,
    household: Household,
    kind: str,
    member: Member,
    reason: str,
    explanation: str,
    confirm_breaks: bool = False,
    from_run: AllocationRun | None = None,
) -> Override:
    """Pin a household to a member or exclude a member for it, with a reason from the list and
    a short explanation. A broken hard rule needs `confirm_breaks`. The audit entry holds the
    kind, member, reason and rules broken, never the explanation (it could hold health
    details)."""
    _refuse_unless_office(actor)
    household = (
        Household.objects.select_for_update().select_related("contingent").get(pk=household.pk)
    )
    if household.anonymised_at is not None:
        raise ValidationError(_("The household has been anonymised."))
    errors: dict[str, list[str]] = {}
    if reason not in OverrideReason.values:
        errors["reason"] = [_("Please choose a reason from the list.")]
    if not explanation.strip():
        errors["explanation"] = [_("Please explain the override briefly.")]
    if errors:
        raise ValidationError(errors)
    check = check_override(
        contingent=household.contingent, household=household, kind=kind, member=member
    )
    if check.breaks and not confirm_breaks:
        raise ValidationError(
            {
                "confirm_breaks": [
                    _("This override breaks a hard rule: %(rules)s Confirm it to go ahead.")
                    % {"rules": " ".join(check.messages)}
                ]
            }
        )
    override = Override(
        contingent=household.contingent,
        household=household,
        kind=kind,
        member=member,
        reason=reason,
        explanation=explanation.strip()[:500],
        breaks=check.breaks,
        created_by=actor if isinstance(actor, User) else None,
        from_run=from_run,
        is_demo=household.is_demo,
    )
    override.full_clean()
    override.save()
    log_action(
        actor=actor,
        action=f"override.{kind}",
        obj=override,
        after={
            "case_id": household.case_id,
            "member": member.ags,
            "reason": reason,
            "breaks": check.breaks,
        },
    )
    return override


@transaction.atomic
def override_withdraw(*, actor: Actor, override: Override) -> Override:
    _refuse_unless_office(actor)
    override = Override.objects.select_for_update().get(pk=override.pk)
    if override.withdrawn_at is not None:
        raise ValidationError(_("The override has been withdrawn already."))
    override.withdrawn_at = timezone.now()
    override.save(update_fields=["withdrawn_at", "updated_at"])
    log_action(
        actor=actor,
        action="override.withdraw",
        obj=override,
        after={"withdrawn_at": override.withdrawn_at.isoformat()},
    )
    return override
