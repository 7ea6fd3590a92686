"""Batch runs (the engine's dynamic `reoptimize` policy) report progress and can be cancelled
like single runs: the engine's progress reaches the run's stored phase and fraction, and the
office's cancel request stops the engine, which then places nobody of the batch."""

from __future__ import annotations

from typing import Any

import pytest

from hafennetz.admission import tasks
from hafennetz.admission.demo import demo_contingent, seed_demo_admission
from hafennetz.admission.models import AllocationRun, Contingent, Household, RunStatus
from hafennetz.admission.services import run_start
from hafennetz.engines.allocation import Progress, allocate_dynamic

pytestmark = pytest.mark.django_db


@pytest.fixture
def contingent() -> Contingent:
    seed_demo_admission()
    contingent = demo_contingent()
    households = list(Household.objects.filter(contingent=contingent, links=[]).order_by("case_id"))
    Household.objects.filter(pk__in=[h.pk for h in households[:8]]).update(batch=1)
    # some of the contingent's persons are still expected: the policy looks ahead at them
    arrived = sum(h.size for h in Household.objects.filter(contingent=contingent))
    Contingent.objects.filter(pk=contingent.pk).update(persons=arrived + 40)
    contingent.refresh_from_db()
    return contingent


def _queued_batch_run(office_user, contingent, capture) -> AllocationRun:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        run = run_start(
            actor=office_user, contingent=contingent, method="optimal", seed=2, work=1.0, batch=1
        )
    return run


def _spy(
    monkeypatch: pytest.MonkeyPatch, on_event: Any
) -> list[tuple[Progress, tuple[str, float]]]:
    """Wrap the engine's allocate_dynamic as the task calls it: record each progress event the
    engine sends and the run's stored phase and fraction right after the task handled it."""
    seen: list[tuple[Progress, tuple[str, float]]] = []
    real = allocate_dynamic

    def spy(*args: Any, progress: Any, should_stop: Any, **kwargs: Any) -> Any:
        assert callable(should_stop)

        def record(p: Progress) -> None:
            progress(p)
            run = AllocationRun.objects.order_by("-pk").values_list("phase", "fraction")[0]
            seen.append((p, run))
            on_event(p)

        return real(*args, progress=record, should_stop=should_stop, **kwargs)

    monkeypatch.setattr(tasks, "allocate_dynamic", spy)
    monkeypatch.setattr(tasks, "PROGRESS_EVERY", 0.0)  # store every event
    monkeypatch.setattr(tasks, "CANCEL_EVERY", 0.0)  # look at the cancel flag at every poll
    return seen


def test_a_batch_run_stores_the_engines_progress(  # type: ignore[no-untyped-def]
    office_user, contingent, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    seen = _spy(monkeypatch, lambda _p: None)
    run = _queued_batch_run(office_user, contingent, django_capture_on_commit_callbacks)
    tasks.execute_allocation_run.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.result["stopped_by"] is None and run.result["reproducible"]
    engine_phases = [p.phase for p, _stored in seen]
    assert "batch 1/2" in engine_phases  # this batch and "the rest of the period"
    # the page shows the contingent's batch number, with the engine's fraction
    batch_events = [(p, stored) for p, stored in seen if p.phase == "batch 1/2"]
    assert batch_events
    for p, (phase, fraction) in batch_events:
        assert phase == "batch 1" and fraction == pytest.approx(p.fraction)
    stored = [s for _p, s in seen]
    fractions = [f for _phase, f in stored]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert run.phase == "done" and run.fraction == 1.0


def test_a_batch_run_cancelled_while_running_places_nobody(  # type: ignore[no-untyped-def]
    office_user, contingent, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    def cancel_on_start(p: Progress) -> None:
        # the office presses "cancel" while the engine runs (the run is RUNNING by now)
        if p.phase == "start":
            AllocationRun.objects.filter(pk=run.pk).update(cancel_requested=True)

    seen = _spy(monkeypatch, cancel_on_start)
    run = _queued_batch_run(office_user, contingent, django_capture_on_commit_callbacks)
    tasks.execute_allocation_run.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert run.result["stopped_by"] == "cancelled" and not run.result["reproducible"]
    assert all(ags is None for _case, ags in run.result["assignment"])
    assert {c for c, _a in run.result["assignment"]} == set(
        Household.objects.filter(contingent=contingent, batch=1).values_list("case_id", flat=True)
    )
    # the engine stopped before the batch began: no batch phase was ever sent
    assert not any(p.phase.startswith("batch") for p, _stored in seen)
    assert run.finished_at is not None and run.approved_at is None
