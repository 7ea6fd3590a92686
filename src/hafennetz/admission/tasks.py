"""Background work of the admission module (django-tasks, database backend: `hafennetz
db_worker`). A task gets its objects from the database by id and writes through the same
models as the services; its result is stored in one transaction, so a failed or cancelled run
leaves nothing half-written."""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from hafennetz.admission.models import AllocationRun, RunStatus
from hafennetz.core.audit import log_action
from hafennetz.engines.allocation.control import Budget, Progress
from hafennetz.engines.allocation.engine import allocate
from hafennetz.engines.allocation.model import Method
from hafennetz.engines.allocation.serialize import instance_from_dict, result_to_dict

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 1.0  # seconds between progress writes
CANCEL_EVERY = 0.5  # seconds between looks at the cancel flag


@task()
def execute_allocation_run(run_id: int) -> str:
    run = AllocationRun.objects.filter(pk=run_id).first()
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

    try:
        instance = instance_from_dict(run.input_snapshot)
        result = allocate(
            instance,
            method=Method(run.method),
            seed=run.seed,
            budget=Budget(work=run.work, time_cap=max(60.0, run.work * 20)),
            progress=progress,
            should_stop=should_stop,
        )
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
    status = RunStatus.CANCELLED if result.stopped_by == "cancelled" else RunStatus.SUCCEEDED
    with transaction.atomic():
        AllocationRun.objects.filter(pk=run_id).update(
            status=status,
            result=result_to_dict(result),
            engine_version=result.engine_version,
            input_fingerprint=result.input_fingerprint,
            fraction=1.0,
            phase="done",
            finished_at=timezone.now(),
        )
        log_action(
            actor=None,
            action=f"run.{status}",
            obj=run,
            after={
                "engine_version": result.engine_version,
                "fingerprint": result.input_fingerprint,
            },
        )
    return str(status)
