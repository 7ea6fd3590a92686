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
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import time
import traceback
from multiprocessing.synchronize import Event
from typing import Any

from .control import Progress, ProgressCallback, StopCheck
from .engine import Options, allocate
from .model import AllocationResult, Instance

#: seconds between polls of `should_stop` and of the child's messages
POLL = 0.1


class WorkerError(RuntimeError):
    """The allocation process failed (its traceback is the message) or died."""


def _child(instance: Instance, options: Options, out: Any, stop: Event) -> None:
    """Entry point of the spawned process."""
    try:
        from .backends import hide_highs_banner

        hide_highs_banner()  # this process owns its stdout

        def send(p: Progress) -> None:
            out.put(("progress", (p.phase, p.fraction, p.best, p.bound, p.message)))

        result = allocate(instance, options, progress=send, should_stop=stop.is_set)
        out.put(("result", result.to_dict()))
    except BaseException:
        out.put(("error", traceback.format_exc()))


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
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    stop = ctx.Event()
    proc = ctx.Process(target=_child, args=(instance, options or Options(), out, stop), daemon=True)
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
                return AllocationResult.from_dict(payload)
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
