"""Household-level data of an allocation run never goes into the audit log (the bench of issue 13
found a run's whole input snapshot, 2,000 households, copied into the run.start entry)."""

from __future__ import annotations

from hafennetz.admission.models import AllocationRun
from hafennetz.core.audit import snapshot


def test_run_snapshot_leaves_out_the_input_and_the_result() -> None:
    run = AllocationRun(
        contingent_id=1,
        method="greedy",
        seed=7,
        input_snapshot={"households": [{"id": "A-1", "needs": ["dialysis"]}]},
        result={"placements": [{"household": "A-1", "member": "05766020"}]},
    )
    audited = snapshot(run)
    assert "input_snapshot" not in audited and "result" not in audited
    assert audited["seed"] == 7 and audited["method"] == "greedy"
