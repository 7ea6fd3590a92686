"""`run_in_subprocess`: one allocation in its own spawned process (for servers).

HiGHS keeps process-wide state (a thread scheduler, a one-time banner on stdout), and a MIP
cannot be interrupted between its interrupt-callback polls. Running each allocation in a fresh
process (multiprocessing *spawn*: no fork of a Django process, no shared state) keeps all of
that away from the caller; cancellation then also works by ending the process if it does not
stop by itself within `kill_after` seconds.

The admission module's background task calls::

    result = run_in_subprocess(instance, Options(seed=run.seed, budget=budget),
                               progress=store_progress, should_stop=run_was_cancelled)

Progress events and the result travel as plain data (`Progress`, `AllocationResult.to_dict`).
`run_dynamic_in_subprocess` does the same for the dynamic mode (`allocate_dynamic`, batch
runs), returning a `DynamicResult` from its `to_dict`.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from multiprocessing.synchronize import Event
from typing import Any

from .control import Budget, Progress, ProgressCallback, StopCheck
from .dynamic import DynamicResult, allocate_dynamic
from .engine import Options, allocate
from .model import AllocationResult, Household, Instance

#: seconds between polls of `should_stop` and of the child's messages
POLL = 0.1


class WorkerError(RuntimeError):
    """The allocation process failed (its traceback is the message) or died."""


def _child(instance: Instance, options: Options, out: Any, stop: Event) -> None:
    """Entry point of the spawned process."""
    try:
        from .backends import hide_highs_banner

        hide_highs_banner()  # this process owns its stdout
        result = allocate(instance, options, progress=_sender(out), should_stop=stop.is_set)
        out.put(("result", result.to_dict()))
    except BaseException:
        out.put(("error", traceback.format_exc()))


def _dynamic_child(
    instance: Instance,
    batches: list[list[str]],
    options: dict[str, Any],
    out: Any,
    stop: Event,
) -> None:
    """Entry point of the spawned process of a dynamic run."""
    try:
        from .backends import hide_highs_banner

        hide_highs_banner()
        result = allocate_dynamic(
            instance, batches, progress=_sender(out), should_stop=stop.is_set, **options
        )
        out.put(("result", result.to_dict()))
    except BaseException:
        out.put(("error", traceback.format_exc()))


def _sender(out: Any) -> Callable[[Progress], None]:
    def send(p: Progress) -> None:
        out.put(("progress", (p.phase, p.fraction, p.best, p.bound, p.message)))

    return send


def run_in_subprocess(
    instance: Instance,
    options: Options | None = None,
    *,
    progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
    kill_after: float = 10.0,
) -> AllocationResult:
    """Run `allocate(instance, options)` in a spawned process and return its result.

    `progress` is called in this process with each `Progress` of the child (about twice a
    second). `should_stop()` is polled every 0.1 s; when it returns True the child is asked to
    stop (it returns its best assignment, `stopped_by="cancelled"`); if it has not answered
    `kill_after` seconds later it is terminated and `WorkerError` is raised. Raises
    `WorkerError` if the child fails."""
    payload = _supervise(
        _child, (instance, options or Options()), progress, should_stop, kill_after
    )
    return AllocationResult.from_dict(payload)


def run_dynamic_in_subprocess(
    instance: Instance,
    batches: Sequence[Sequence[str]],
    *,
    forecast: Sequence[Household] = (),
    policy: str = "reoptimize",
    discount: float = 0.001,
    keep_slack: float | None = None,
    learn: bool = True,
    seed: int = 0,
    batch_budget: Budget | None = None,
    hindsight_budget: Budget | None = None,
    hindsight: bool = True,
    progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
    kill_after: float = 10.0,
) -> DynamicResult:
    """Run `allocate_dynamic(instance, batches, ...)` (same arguments; the policy by name) in a
    spawned process, with progress and cancellation as in `run_in_subprocess`: a cancelled
    run returns the batches placed before the stop (`stopped_by="cancelled"`)."""
    options: dict[str, Any] = {
        "forecast": tuple(forecast),
        "policy": policy,
        "discount": discount,
        "keep_slack": keep_slack,
        "learn": learn,
        "seed": seed,
        "batch_budget": batch_budget,
        "hindsight_budget": hindsight_budget,
        "hindsight": hindsight,
    }
    plain = [list(b) for b in batches]
    payload = _supervise(
        _dynamic_child, (instance, plain, options), progress, should_stop, kill_after
    )
    return DynamicResult.from_dict(payload)


def _supervise(
    target: Callable[..., None],
    args: tuple[Any, ...],
    progress: ProgressCallback | None,
    should_stop: StopCheck | None,
    kill_after: float,
) -> Mapping[str, Any]:
    """Start `target(*args, out, stop)` in a spawned process, relay its progress, pass on a
    cancellation, and return its result payload."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    stop = ctx.Event()
    proc = ctx.Process(target=target, args=(*args, out, stop), daemon=True)
    proc.start()
    asked_at: float | None = None
    try:
        while True:
            try:
                kind, payload = out.get(timeout=POLL)
            except queue_module.Empty:
                if not proc.is_alive():
                    # the last message may still be in the pipe
                    try:
                        kind, payload = out.get(timeout=1.0)
                    except queue_module.Empty:
                        raise WorkerError(
                            f"allocation process ended without a result (exit code {proc.exitcode})"
                        ) from None
                else:
                    kind = ""
                    payload = None
            if kind == "progress" and progress is not None:
                phase, fraction, best, bound, message = payload
                progress(Progress(phase, fraction, best, bound, message))
            elif kind == "result":
                return dict(payload)
            elif kind == "error":
                raise WorkerError(str(payload))
            if asked_at is None and should_stop is not None and should_stop():
                stop.set()
                asked_at = time.monotonic()
            if asked_at is not None and time.monotonic() - asked_at > kill_after:
                raise WorkerError("allocation process did not stop after cancellation")
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(timeout=5)
        out.close()
