"""Dynamic mode under a caller's control (issue 12 point 4, ADR 0024): progress at every batch
with a fraction that only grows from 0 to 1, cancellation that keeps the batches placed before
it and drops the one under way whole, callbacks that never change a decision, results that
survive `to_dict()`/`from_dict()`.

Control reads the real clock (no fake clock can be injected), so the tests assert structure,
not timing: at least one progress event per batch, monotone fractions, and where a
cancellation lands relative to the batches."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from itertools import pairwise

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hafennetz.engines.allocation import (
    DynamicResult,
    Progress,
    allocate_dynamic,
    run_dynamic_in_subprocess,
)
from hafennetz.engines.allocation.checker import check
from hafennetz.engines.allocation.control import Budget
from hafennetz.engines.allocation.model import Household, Instance

from .strategies import instances
from .test_dynamic import _instance

BUDGET = Budget(work=5)


def _batches(instance: Instance, size: int) -> list[list[str]]:
    ids = [h.case_id for h in instance.households]
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _run(
    instance: Instance, batches: list[list[str]], forecast: list[Household], **kwargs: object
) -> DynamicResult:
    return allocate_dynamic(
        instance,
        batches,
        forecast=forecast,
        seed=5,
        batch_budget=BUDGET,
        hindsight_budget=BUDGET,
        **kwargs,  # type: ignore[arg-type]
    )


def _stored(result: DynamicResult) -> str:
    return json.dumps(result.to_dict(timing=False), sort_keys=True, allow_nan=False)


def _batch_no(phase: str) -> int | None:
    m = re.fullmatch(r"batch (\d+)/\d+", phase)
    return int(m.group(1)) if m else None


def test_progress_every_batch_fractions_grow_to_one() -> None:
    instance, forecast = _instance(3, 24)
    batches = _batches(instance, 4)
    events: list[Progress] = []
    lines: list[str] = []
    result = _run(instance, batches, forecast, progress=events.append, log=lines.append)
    fractions = [p.fraction for p in events]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert all(a <= b for a, b in pairwise(fractions))
    phases = [p.phase for p in events]
    seen = [n for n in dict.fromkeys(_batch_no(p) for p in phases) if n is not None]
    assert seen == list(range(1, len(batches) + 1))  # every batch, in order
    assert "hindsight" in phases and phases[-1] == "done"
    # within a batch the fraction moves (its solve reports its phases)
    for n in seen:
        own = {p.fraction for p in events if p.phase == f"batch {n}/{len(batches)}"}
        assert len(own) >= 2
    # best: the batches placed so far; at the end the run's score and the hindsight bound
    assert events[-1].best == result.score.total
    assert events[-1].bound == result.hindsight_bound
    assert sum(1 for line in lines if line.startswith("batch ")) == len(batches)
    assert result.stopped_by is None and result.reproducible
    assert result.batches_done == len(batches)


def test_callbacks_change_nothing_and_the_result_round_trips() -> None:
    instance, forecast = _instance(4, 30)
    batches = _batches(instance, 5)
    plain = _run(instance, batches, forecast)
    calls = {"stop": 0, "progress": 0}

    def should_stop() -> bool:
        calls["stop"] += 1
        return False

    def progress(_p: Progress) -> None:
        calls["progress"] += 1

    lines: list[str] = []
    watched = _run(
        instance, batches, forecast, progress=progress, should_stop=should_stop, log=lines.append
    )
    assert calls["stop"] > 0 and calls["progress"] > 0
    assert _stored(plain) == _stored(watched)  # byte-identical stored results
    assert _stored(plain) == _stored(_run(instance, batches, forecast))
    data = json.loads(json.dumps(watched.to_dict()))
    assert DynamicResult.from_dict(data) == watched
    assert data["engine_version"] and len(data["input_fingerprint"]) == 64
    assert data["budget"] == BUDGET.to_dict() and data["reproducible"] is True
    # the fingerprint covers the whole dynamic input: another forecast, another fingerprint
    other = _run(instance, batches, forecast[:-1], hindsight=False)
    assert other.input_fingerprint != plain.input_fingerprint


def _stop_when(condition: object) -> tuple[list[Progress], list[tuple[str, str]], object]:
    """A progress recorder and a `should_stop` that says True (and records where the run
    stood) from the first call at which `condition(last progress)` holds."""
    events: list[Progress] = []
    asked: list[tuple[str, str]] = []

    def should_stop() -> bool:
        last = events[-1]
        if asked or condition(last):  # type: ignore[operator]
            asked.append((last.phase, last.message))
            return True
        return False

    return events, asked, should_stop


def test_cancel_inside_a_batch_solve_drops_that_batch_whole() -> None:
    instance, forecast = _instance(3, 24)
    batches = _batches(instance, 4)
    full = _run(instance, batches, forecast)
    events, asked, should_stop = _stop_when(
        lambda p: p.phase == "batch 3/6" and p.message == "phase lp"
    )
    result = _run(instance, batches, forecast, progress=events.append, should_stop=should_stop)
    # asked once, from inside the look-ahead LP of batch 3 (HiGHS' interrupt callback): the
    # stop is latched, so nobody polls again
    assert asked == [("batch 3/6", "phase lp")]
    assert result.stopped_by == "cancelled" and not result.reproducible
    assert result.batches_done == 2
    done = {c for b in batches[:2] for c in b}
    for c, ags in result.assignment.items():
        assert ags == (full.assignment[c] if c in done else None)
    assert result.batch_scores == full.batch_scores[:2]
    assert result.hindsight_score is None and result.share_of_hindsight is None
    assert check(instance, result.assignment).feasible
    # no later batch was begun; the last event says done
    assert all((_batch_no(p.phase) or 0) <= 3 for p in events)
    assert events[-1].phase == "done" and events[-1].fraction == 1.0
    assert "cancelled after 2 of 6 batches" in events[-1].message
    assert DynamicResult.from_dict(result.to_dict()) == result


def test_cancel_before_the_first_batch_and_during_hindsight() -> None:
    instance, forecast = _instance(6, 16)
    batches = _batches(instance, 4)
    at_once = _run(instance, batches, forecast, should_stop=lambda: True)
    assert at_once.stopped_by == "cancelled" and at_once.batches_done == 0
    assert set(at_once.assignment.values()) == {None} and at_once.batch_scores == ()
    full = _run(instance, batches, forecast)
    events, asked, should_stop = _stop_when(lambda p: p.phase == "hindsight")
    late = _run(instance, batches, forecast, progress=events.append, should_stop=should_stop)
    assert asked and asked[0][0] == "hindsight"
    assert late.stopped_by == "cancelled" and late.batches_done == len(batches)
    assert late.assignment == full.assignment and late.hindsight_score is None


# --- property-based: cancel at any poll of random small runs ------------------------------


def _split(ids: list[str], cuts: list[int]) -> list[list[str]]:
    points = sorted({c % (len(ids) + 1) for c in cuts} | {0, len(ids)})
    # empty batches too: they count in "batch k/n" but carry no weight
    return [ids[a:b] for a, b in pairwise(points)] + [[]]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    instances(max_households=8, max_municipalities=3),
    instances(max_households=5, max_municipalities=2),
    st.lists(st.integers(0, 8), max_size=4),
    st.integers(1, 6),
    st.booleans(),
)
def test_cancel_after_k_polls_keeps_a_prefix_of_the_full_run(
    instance: Instance, other: Instance, cuts: list[int], k: int, hindsight: bool
) -> None:
    forecast = [replace(h, case_id=f"F{h.case_id}") for h in other.households]
    batches = _split([h.case_id for h in instance.households], cuts)
    kwargs: dict[str, object] = {"hindsight": hindsight}
    full = _run(instance, batches, forecast, **kwargs)
    events: list[Progress] = []
    polls: list[str] = []
    stop_at: list[int] = []

    def should_stop() -> bool:
        polls.append(events[-1].phase)
        if len(polls) == k:
            stop_at.append(len(events))
        return len(polls) >= k

    result = _run(
        instance, batches, forecast, progress=events.append, should_stop=should_stop, **kwargs
    )
    fractions = [p.fraction for p in events]
    assert all(a <= b for a, b in pairwise(fractions)) and fractions[-1] == 1.0
    if len(polls) < k:  # the run ended before the k-th poll: as if never asked
        event("finished before the k-th poll")
        assert _stored(result) == _stored(full)
        return
    assert len(polls) == k  # latched: never polled again
    assert result.stopped_by == "cancelled"
    n = result.batches_done
    placed = result.placed_batches
    stopped_in = _batch_no(polls[-1])
    event(f"cancelled in phase {'batch' if stopped_in else polls[-1]}")
    if stopped_in is not None:
        # the batch under way is dropped (n = its index) unless it was finished and the stop
        # came before the next non-empty batch began
        assert n >= stopped_in - 1
        assert all(not b for b in placed[stopped_in:n])
    elif polls[-1] == "start":
        assert all(not b for b in placed[:n])
    else:
        assert polls[-1] == "hindsight" and n == len(placed)
    # nothing begun after the stop: the phase under way, then done
    assert {p.phase for p in events[stop_at[0] :]} <= {polls[-1], "done"}
    # a prefix of the full run, nothing of a half-placed batch
    done = {c for b in placed[:n] for c in b}
    for c, ags in result.assignment.items():
        assert ags == (full.assignment[c] if c in done else None)
    assert check(instance, result.assignment).feasible
    assert DynamicResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


# --- own process (servers): run_dynamic_in_subprocess ---------------------------------------


def test_run_dynamic_in_subprocess_gives_the_in_process_result() -> None:
    instance, forecast = _instance(3, 24)
    batches = _batches(instance, 4)
    events: list[Progress] = []
    remote = run_dynamic_in_subprocess(
        instance,
        batches,
        forecast=forecast,
        seed=5,
        batch_budget=BUDGET,
        hindsight_budget=BUDGET,
        progress=events.append,
    )
    assert _stored(remote) == _stored(_run(instance, batches, forecast))
    assert any(p.phase == "batch 6/6" for p in events) and events[-1].phase == "done"


def test_run_dynamic_in_subprocess_can_be_cancelled() -> None:
    instance, forecast = _instance(3, 24)
    batches = _batches(instance, 4)
    full = _run(instance, batches, forecast)
    # asked at the parent's first poll (0.1 s), long before the child has imported the engine
    result = run_dynamic_in_subprocess(
        instance,
        batches,
        forecast=forecast,
        seed=5,
        batch_budget=BUDGET,
        hindsight_budget=BUDGET,
        should_stop=lambda: True,
    )
    assert result.stopped_by == "cancelled" and not result.reproducible
    done = {c for b in result.placed_batches[: result.batches_done] for c in b}
    for c, ags in result.assignment.items():
        assert ags == (full.assignment[c] if c in done else None)
