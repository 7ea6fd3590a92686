"""Background work of the admission module (django-tasks, database backend: `hafennetz
db_worker`). A task gets its objects from the database by id and writes through the same
models as the services; its result is stored in one transaction, so a failed or cancelled run
leaves nothing half-written. The engine is called only through its public API."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from hafennetz.admission.engine_input import is_synthetic
from hafennetz.admission.models import AllocationRun, Resource, RunStatus
from hafennetz.core.audit import log_action
from hafennetz.engines.allocation import (
    Budget,
    Household,
    Instance,
    Method,
    Progress,
    allocate,
    allocate_dynamic,
    fingerprint,
    instance_from_dict,
)

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 1.0  # seconds between progress writes
CANCEL_EVERY = 0.5  # seconds between looks at the cancel flag


def _clean_flags(flags: list[str]) -> list[str]:
    return [f for f in flags if not is_synthetic(f)]


def _merge_overrides(result: dict[str, Any], run: AllocationRun) -> dict[str, Any]:
    """Put the pinned households (not part of the engine's problem) into the stored result:
    the assignment, an explanation saying who pinned them and why, and the members' usage.
    Synthetic override flags are never shown as needs."""
    assignment = [list(pair) for pair in result.get("assignment", [])]
    households: list[dict[str, Any]] = []
    for h in result.get("households", []):
        h = dict(h)
        h["flags_met"] = _clean_flags(h.get("flags_met", []))
        h["flags_unmet"] = _clean_flags(h.get("flags_unmet", []))
        households.append(h)
    usage = {m["ags"]: m for m in result.get("municipalities", [])}
    for entry in run.overrides:
        if entry.get("kind") != "pin" or "household" not in entry:
            continue
        data = entry["household"]
        ags = entry["ags"]
        assignment.append([entry["case_id"], ags])
        households.append(
            {
                "case_id": entry["case_id"],
                "ags": ags,
                "flags_met": [],
                "flags_unmet": [],
                "score_parts": {},
                "alternatives": [],
                "reasons": [
                    {
                        "code": "pinned",
                        "params": {"reason": entry.get("reason", "")},
                        "message": "pinned by the coordination office",
                    }
                ],
                "pinned": True,
            }
        )
        needs = Household(
            case_id=entry["case_id"],
            age_bands=tuple(int(v) for v in data["age_bands"]),  # type: ignore[arg-type]
            flags=frozenset(data.get("flags", [])),
        ).resource_needs()
        member = usage.setdefault(
            ags, {"ags": ags, "households": 0, "persons": 0, "target_persons": None, "usage": []}
        )
        member["households"] = int(member["households"]) + 1
        member["persons"] = int(member["persons"]) + sum(int(v) for v in data["age_bands"])
        rows = {r: [r, u, c] for r, u, c in member["usage"]}
        for resource, amount in needs.items():
            if amount:
                r, u, c = rows.get(resource, [resource, 0, 0])
                rows[resource] = [r, int(u) + amount, int(c) + amount]
        member["usage"] = list(rows.values())
    result["assignment"] = assignment
    result["households"] = households
    result["municipalities"] = list(usage.values())
    result["overrides"] = len(run.overrides)
    return result


def _dynamic_result(
    instance: Instance,
    run: AllocationRun,
    budget: Budget,
    progress: Callable[[Progress], None],
    should_stop: Callable[[], bool],
) -> dict[str, Any]:
    """A batch run: the engine's dynamic `reoptimize` policy places this batch against the
    remaining capacity, looking ahead at the households still expected in the period (the
    stored forecast). The stored result has the same shape as a single run's. Progress and
    cancellation as for a single run; a cancelled batch run places nobody (the engine keeps a
    batch whole or not at all)."""
    snapshot = {k: v for k, v in run.input_snapshot.items() if k != "forecast"}
    forecast = instance_from_dict(
        snapshot | {"households": run.input_snapshot.get("forecast", []), "municipalities": []}
    ).households
    cases = [h.case_id for h in instance.households]
    dynamic = allocate_dynamic(
        instance,
        [cases, []],  # this batch, then the rest of the period (the forecast)
        forecast=forecast,
        policy="reoptimize",
        seed=run.seed,
        batch_budget=budget,
        hindsight=False,
        learn=False,
        # the engine counts this batch and "the rest of the period": the page shows the
        # contingent's batch number instead of "batch 1/2"
        progress=lambda p: progress(
            replace(p, phase=f"batch {run.batch}") if p.phase.startswith("batch ") else p
        ),
        should_stop=should_stop,
    )
    by_ags = {m.ags: m for m in instance.municipalities}
    used: dict[str, dict[str, int]] = {}
    counts: dict[str, list[int]] = {}
    households: list[dict[str, Any]] = []
    for h in instance.households:
        ags = dynamic.assignment.get(h.case_id)
        if ags:
            for resource, amount in h.resource_needs().items():
                used.setdefault(ags, {})[resource] = used.get(ags, {}).get(resource, 0) + amount
            c = counts.setdefault(ags, [0, 0])
            c[0] += 1
            c[1] += h.size
        offers = by_ags[ags].offers if ags else frozenset()
        households.append(
            {
                "case_id": h.case_id,
                "ags": ags,
                "flags_met": sorted(f for f in h.flags if f in offers),
                "flags_unmet": sorted(f for f in h.flags if ags and f not in offers),
                "score_parts": {},
                "alternatives": [],
                "reasons": []
                if ags or dynamic.stopped_by
                else [
                    {
                        "code": "not_placed_in_batch",
                        "params": {},
                        "message": "no free capacity that fits in this batch",
                    }
                ],
            }
        )
    score = dynamic.score
    # The key's target as the engine's explanations state it: the normalised share of the
    # persons placed.
    raw = {m.ags: m.target_share for m in instance.municipalities if m.target_share is not None}
    share_sum = sum(raw.values())
    placed_persons = sum(c[1] for c in counts.values())
    targets = {a: v / share_sum * placed_persons for a, v in raw.items()} if share_sum else {}
    return {
        "engine_version": dynamic.engine_version,
        "method": run.method,
        "policy": dynamic.policy,
        "seed": run.seed,
        "budget": budget.to_dict(),
        "status": "feasible",
        "stopped_by": dynamic.stopped_by,
        "reproducible": dynamic.reproducible,
        "score": {
            "need_fit": score.need_fit,
            "preference": score.preference,
            "outcome": score.outcome,
            "link": score.link,
            "unplaced_penalty": score.unplaced_penalty,
            "key_penalty": score.key_penalty,
            "total": score.total,
        },
        "assignment": [[h.case_id, dynamic.assignment.get(h.case_id)] for h in instance.households],
        "notes": [f"batch {run.batch}: dynamic policy {dynamic.policy}"],
        "time_limited": dynamic.time_limited,
        "fallbacks": dynamic.fallbacks,
        "households": households,
        "municipalities": [
            {
                "ags": m.ags,
                "households": counts.get(m.ags, [0, 0])[0],
                "persons": counts.get(m.ags, [0, 0])[1],
                "target_persons": targets.get(m.ags),
                "usage": [
                    [r, used.get(m.ags, {}).get(r, 0), m.capacities.get(r, 0)]
                    for r in Resource.values
                    if m.capacities.get(r, 0) or used.get(m.ags, {}).get(r, 0)
                ],
            }
            for m in instance.municipalities
        ],
    }


def _compare(run: AllocationRun, result: dict[str, Any]) -> dict[str, Any]:
    """A re-run: is the assignment identical to the original's (and the engine the same)?"""
    original = run.rerun_of
    assert original is not None
    mine = {c: a for c, a in result.get("assignment", [])}
    theirs = {c: a for c, a in original.result.get("assignment", [])}
    differing = sorted(c for c in set(mine) | set(theirs) if mine.get(c) != theirs.get(c))
    return {
        "identical": not differing,
        "differing": len(differing),
        "examples": differing[:10],
        "same_engine": result.get("engine_version") == original.result.get("engine_version"),
        "original_engine": original.result.get("engine_version", ""),
    }


@task()
def execute_allocation_run(run_id: int) -> str:
    run = AllocationRun.objects.filter(pk=run_id).select_related("rerun_of").first()
    if run is None or run.status != RunStatus.QUEUED:
        return "skipped"
    now = timezone.now()
    started = AllocationRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now, progress_at=now, phase="start"
    )
    if not started:  # cancelled in the meantime
        return "skipped"
    last_progress = 0.0
    last_cancel_look = 0.0
    cancelled = False

    def progress(p: Progress) -> None:
        nonlocal last_progress
        if time.monotonic() - last_progress < PROGRESS_EVERY:
            return
        last_progress = time.monotonic()
        AllocationRun.objects.filter(pk=run_id).update(
            phase=p.phase[:40],
            fraction=max(0.0, min(1.0, p.fraction)),
            best=p.best,
            bound=p.bound,
            progress_at=timezone.now(),
        )

    def should_stop() -> bool:
        nonlocal last_cancel_look, cancelled
        if cancelled:
            return True
        if time.monotonic() - last_cancel_look < CANCEL_EVERY:
            return False
        last_cancel_look = time.monotonic()
        cancelled = AllocationRun.objects.filter(pk=run_id, cancel_requested=True).exists()
        return cancelled

    budget = Budget(work=run.work, time_cap=max(60.0, run.work * 20))
    try:
        snapshot = {k: v for k, v in run.input_snapshot.items() if k != "forecast"}
        instance = instance_from_dict(snapshot)
        if run.batch is not None:
            data = _dynamic_result(instance, run, budget, progress, should_stop)
            # the platform's fingerprint is the instance's (approval compares it with the
            # contingent's input now), not the engine's of the whole dynamic input
            data["input_fingerprint"] = fingerprint(instance)
            stopped = data["stopped_by"] == "cancelled"
        else:
            result = allocate(
                instance,
                method=Method(run.method),
                seed=run.seed,
                budget=budget,
                progress=progress,
                should_stop=should_stop,
            )
            data = result.to_dict()
            stopped = result.stopped_by == "cancelled"
    except Exception as exc:  # the run is shown as failed with its reason; the worker goes on
        logger.exception("allocation run %s failed", run_id)
        with transaction.atomic():
            AllocationRun.objects.filter(pk=run_id).update(
                status=RunStatus.FAILED,
                error=f"{type(exc).__name__}: {exc}"[:2000],
                finished_at=timezone.now(),
            )
            log_action(actor=None, action="run.fail", obj=run, after={"error": type(exc).__name__})
        return "failed"
    status = RunStatus.CANCELLED if stopped else RunStatus.SUCCEEDED
    data = _merge_overrides(data, run)
    if run.rerun_of is not None and status == RunStatus.SUCCEEDED:
        data["rerun"] = _compare(run, data)
    with transaction.atomic():
        AllocationRun.objects.filter(pk=run_id).update(
            status=status,
            result=data,
            engine_version=data.get("engine_version", ""),
            input_fingerprint=data.get("input_fingerprint", ""),
            fraction=1.0,
            phase="done",
            finished_at=timezone.now(),
        )
        log_action(
            actor=None,
            action=f"run.{status}",
            obj=run,
            after={
                "engine_version": data.get("engine_version", ""),
                "fingerprint": data.get("input_fingerprint", ""),
                **({"identical": data["rerun"]["identical"]} if "rerun" in data else {}),
            },
        )
    return str(status)
